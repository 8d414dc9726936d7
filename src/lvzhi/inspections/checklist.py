"""What inspectors verify in one region (pure: no Django): a checklist from the scheme and the region's flags.

Each scored leaf of the scheme gives one line — statistics the rule reads are checked against the source
ledgers (台账) with the reported figure beside them; a judged (manual) leaf by its supporting documents and
an interview — and a leaf flagged for the region (a large self/reviewer difference, the report reader's
findings) comes first, with the reasons it was flagged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from lvzhi.schemes.model import Scheme
from lvzhi.scoring import fmt

# Rule kinds a person judges (self-score, reviewer score) rather than the engine from statistics.
JUDGED_KINDS = frozenset({"manual"})


@dataclass(frozen=True, slots=True)
class Figure:
    item: str  # catalogue code
    label: str  # Chinese name and unit
    reported: Decimal | None


@dataclass(frozen=True, slots=True)
class Line:
    indicator: str
    name: str
    verify: str  # what to do on site, in Chinese
    figures: tuple[Figure, ...]
    flags: tuple[str, ...]  # why this line is a priority; empty for routine lines


def build(
    scheme: Scheme,
    reported: Mapping[str, Decimal],
    self_scores: Mapping[str, Decimal],
    review_scores: Mapping[str, Decimal],
    findings: Sequence[str] = (),
    gap: Decimal = Decimal(1),
) -> list[Line]:
    """The checklist: flagged lines first (in scheme order), then the rest; `gap` is the self − reviewer
    difference in points from which a leaf is flagged."""
    lines: list[Line] = []
    matched: set[str] = set()
    for leaf in scheme.leaves():
        rule = leaf.rule
        names = sorted({n for f in (rule.formulas() if rule else ()) for n in f.names})
        figures = tuple(Figure(n, _label(scheme, n), reported.get(n)) for n in names)
        if rule is None or rule.kind in JUDGED_KINDS or not figures:
            verify = "查阅佐证材料，实地查看并访谈相关负责人，核实自评等级的依据"
        else:
            verify = "调阅原始台账，逐项核对填报数据：" + "、".join(
                f"{f.label}{'填报' + fmt(f.reported) if f.reported is not None else '未填报'}" for f in figures
            )
        flags: list[str] = []
        own, review = self_scores.get(leaf.code), review_scores.get(leaf.code)
        if own is not None and review is not None and own - review >= gap:
            flags.append(f"自评 {fmt(own)} 分高于评审 {fmt(review)} 分")
        about = [t for t in findings if any(scheme.label(f.item)[0] in t for f in figures)]
        matched.update(about)
        flags.extend(f"报告审读：{t}" for t in about)
        lines.append(Line(leaf.code, leaf.name, verify, figures, tuple(flags)))
    rest = tuple(f"报告审读：{t}" for t in findings if t not in matched)
    if rest:
        lines.append(Line("", "自评报告", "对照自评报告逐条核实其表述与实际情况是否一致", (), rest))
    return sorted(lines, key=lambda line: not line.flags)  # stable: scheme order within each group


def _label(scheme: Scheme, item: str) -> str:
    name, unit = scheme.label(item)
    return f"{name}（{unit}）" if unit else name
