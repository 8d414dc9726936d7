"""What changed between two schemes: indicators added, removed or changed (name, points, rule), grade bands,
vetoes and caps — every rule compared and shown as its plain-Chinese text (`lvzhi.schemes.rule_text`).

Public API::

    scheme_diff(old, new) -> SchemeDiff     # SchemeDiff.changes: list[Change]; empty when the same
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from lvzhi.schemes.model import Condition, Indicator, Scheme
from lvzhi.schemes.rule_text import condition_text, num, rule_text

SECTIONS = (("indicators", "指标"), ("bonus", "加分项"), ("deductions", "扣分项"))


@dataclass(frozen=True)
class Change:
    """One difference: `kind` is 新增 / 删除 / 修改; `what` names the thing, `field` what of it changed."""

    kind: str
    what: str
    field: str = ""
    before: str = ""
    after: str = ""
    key: str = ""  # what is compared, the same from both sides (an indicator's section and code)


@dataclass(frozen=True)
class SchemeDiff:
    old_title: str
    new_title: str
    changes: list[Change] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        """How many changes of each kind (新增/删除/修改)."""
        out = {"新增": 0, "删除": 0, "修改": 0}
        for c in self.changes:
            out[c.kind] += 1
        return out


def _nodes(scheme: Scheme) -> dict[str, Indicator]:
    """Every indicator of every section by section and code (a bonus item may reuse a tree code)."""
    out: dict[str, Indicator] = {}
    for attr, label in SECTIONS:
        for top in getattr(scheme, attr):
            for node in top.walk():
                out[f"{label} {node.code}"] = node
    return out


def _rule(scheme: Scheme, node: Indicator) -> str:
    return rule_text(scheme, node) if node.is_leaf and node.rule is not None else ""


def _indicator_changes(old: Scheme, new: Scheme) -> list[Change]:
    before, after = _nodes(old), _nodes(new)
    out: list[Change] = []
    for code in [c for c in before if c not in after]:
        node = before[code]
        out.append(Change("删除", f"{code} {node.name}", "", f"{num(node.points)} 分", "", code))
    for code, node in after.items():
        what = f"{code} {node.name}"
        if code not in before:
            out.append(
                Change("新增", what, "", "", f"{num(node.points)} 分；{_rule(new, node)}".rstrip("；"), code)
            )
            continue
        was = before[code]
        if was.name != node.name:
            out.append(Change("修改", what, "名称", was.name, node.name, code))
        if was.points != node.points:
            out.append(Change("修改", what, "分值", f"{num(was.points)} 分", f"{num(node.points)} 分", code))
        old_rule, new_rule = _rule(old, was), _rule(new, node)
        if old_rule != new_rule:
            out.append(
                Change("修改", what, "评分规则", old_rule or "（下设指标）", new_rule or "（下设指标）", code)
            )
    return out


def _grades(scheme: Scheme) -> str:
    return "；".join(f"{g.name} ≥ {num(g.min)} 分" for g in scheme.grades)


def _conditions(
    old: tuple[Condition, ...], new: tuple[Condition, ...], label: str, o: Scheme, n: Scheme
) -> list[Change]:
    before = {c.code: condition_text(o, c) for c in old}
    after = {c.code: condition_text(n, c) for c in new}
    out = [
        Change("删除", f"{label} {code}", "", text, "") for code, text in before.items() if code not in after
    ]
    for code, text in after.items():
        if code not in before:
            out.append(Change("新增", f"{label} {code}", "", "", text))
        elif before[code] != text:
            out.append(Change("修改", f"{label} {code}", "条件", before[code], text))
    return out


def _cap(value: Decimal | None) -> str:
    return "不限" if value is None else f"{num(value)} 分"


def scheme_diff(old: Scheme, new: Scheme) -> SchemeDiff:
    """The differences from `old` to `new`, indicators first (in the new scheme's order), then grades,
    total, bonus cap, vetoes and caps."""
    changes = _indicator_changes(old, new)
    if _grades(old) != _grades(new):
        changes.append(Change("修改", "等次", "等次划分", _grades(old), _grades(new)))
    if old.total != new.total:
        changes.append(
            Change(
                "修改",
                "总分",
                "满分",
                "" if old.total is None else num(old.total),
                "" if new.total is None else num(new.total),
            )
        )
    if old.bonus_cap != new.bonus_cap:
        changes.append(Change("修改", "加分上限", "上限", _cap(old.bonus_cap), _cap(new.bonus_cap)))
    changes += _conditions(old.vetoes, new.vetoes, "一票否决", old, new)
    changes += _conditions(old.caps, new.caps, "等次限制", old, new)
    return SchemeDiff(old.title, new.title, changes)
