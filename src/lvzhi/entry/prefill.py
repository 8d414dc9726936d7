"""Prefill from a report: the figures the report reader finds, mapped to catalogue items, with their sentences.

The reader (lvzhi.reader) finds each figure with the phrase it measures (its metric) and normalises its
unit; an item is the one whose name or alias occurs in that phrase (the catalogue's aliases copy the
reports' own wording) and whose unit fits. A figure of the evaluated year wins over an undated one, an
undated one over another year's. Values are saved as unconfirmed prefills: a person checks each against
its sentence, shown beside it, before the evaluation can be submitted.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from lvzhi.evaluations.fields import canonical
from lvzhi.evaluations.gateway import catalogue
from lvzhi.evaluations.validation import check_item

# Catalogue units in which the reader's base unit for money (元) is scaled.
MONEY_SCALE = {"元": Decimal(1), "万元": Decimal(10000), "亿元": Decimal(100000000)}
SAME_MEASURE = {"人": {"人", "名"}, "名": {"人", "名"}}
SENTENCE_END = "。！？；\n"
# A report's title line names the region and the duty; it carries no sentence punctuation or page furniture.
TITLE_WORDS = ("履行教育职责", "自评", "自查")
NOT_IN_TITLE = set("，。；：,;:<>%|[]=")


@dataclass(frozen=True)
class Found:
    code: str
    value: Decimal
    sentence: str


def sentence_around(text: str, start: int, end: int) -> str:
    """The sentence around a figure (between the nearest sentence ends), as the report says it."""
    left = max((text.rfind(ch, 0, start) for ch in SENTENCE_END), default=-1) + 1
    rights = [i for i in (text.find(ch, end) for ch in SENTENCE_END) if i != -1]
    right = min(rights) + 1 if rights else len(text)
    return text[left:right].strip()


def report_title(text: str, fallback: str) -> str:
    """The report's own title (e.g. 重庆市巴南区人民政府2023年履行教育职责评价自评报告), else `fallback`.

    Prefill names its source by what people call the report, not by the name the file happened to have.
    """
    lines = [line.strip() for line in text.splitlines()[:80]]
    candidates = [
        line
        for line in lines
        if 6 <= len(line) <= 60 and not NOT_IN_TITLE & set(line) and any(w in line for w in TITLE_WORDS)
    ]
    for ending in ("报告", "情况"):
        for line in candidates:
            if line.endswith(ending):
                return line
    return fallback


def _value_for(claim: Any, spec: Any, aliases: tuple[str, ...]) -> Decimal | None:
    """The claim's value in the item's unit when the claim is about this item, else None."""
    metric = claim.metric or ""
    if not metric or not any(alias and alias in metric for alias in aliases):
        return None
    if claim.kind == "growth" and not spec.code.endswith("_growth"):
        return None
    if spec.unit in MONEY_SCALE:
        return claim.value / MONEY_SCALE[spec.unit] if claim.unit == "元" else None
    if spec.unit == "%":
        return Decimal(claim.value) if claim.unit == "%" else None
    if claim.unit == spec.unit or claim.unit in SAME_MEASURE.get(spec.unit, set()):
        return Decimal(claim.value)
    return None


def figures(text: str, year: int, only: set[str] | None = None) -> list[Found]:
    """Catalogue items the reader finds in a report text (restricted to `only` codes when given)."""
    from lvzhi.reader.pipeline import analyse
    from lvzhi.schemes import builtin_catalogue

    cat = catalogue()
    aliases = {code: (it.name, *it.aliases) for code, it in builtin_catalogue().items.items()}
    best: dict[str, tuple[int, Any, Decimal]] = {}
    for claim in analyse(text).claims:
        for code, spec in cat.items():
            if spec.formula or (only is not None and code not in only):
                continue
            value = _value_for(claim, spec, aliases.get(code, (spec.name,)))
            if value is None or check_item(spec, value)[1]:
                continue
            rank = 0 if claim.year == year else 1 if claim.year is None else 2
            if code not in best or rank < best[code][0]:
                best[code] = (rank, claim, value)
    return [
        Found(code, Decimal(canonical(value)), sentence_around(text, claim.start, claim.end))
        for code, (_, claim, value) in sorted(best.items())
    ]
