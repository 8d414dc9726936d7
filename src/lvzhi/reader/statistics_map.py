"""Figures → statistics: map a report's claims to items of the statistics catalogue (数据项目录).

A claim maps to an item when (1) its unit converts to the item's unit (元→万元, 平方米→平方公里, 名→人, …),
(2) its kind fits the item (growth figures only to growth items, shares/rates only to % items), and (3) the
item's name or one of its ``aliases`` occurs in the claim's metric or in the clause just before the figure
(the report's own words; e.g. ``普惠率`` → 普惠性幼儿园覆盖率). The longest matching alias wins. A growth
figure with no named item takes the growth item of the quantity mapped just before it. Targets, gaps and figures in the problems/plans sections are not prefilled: they are not
the region's achieved statistics. Computed catalogue items (``formula``) are never prefilled.

``prefill(path_or_text)`` gives one candidate per item (its best-named mention), for the platform's data entry and
for comparing stated with submitted figures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from lvzhi.reader.model import Analysis, Claim
from lvzhi.schemes.model import Catalogue, DataItem

# Measure words that count the same thing as the catalogue unit (key).
COUNT_UNITS: dict[str, frozenset[str]] = {
    "人": frozenset({"人", "名", "位"}),
    "名": frozenset({"名", "人"}),  # 编制 are counted in 名
    "所": frozenset({"所", "家"}),
    "个": frozenset({"个", "处", "项"}),
    "班": frozenset({"班", "个"}),
    "项": frozenset({"项", "个"}),
    "次": frozenset({"次", "场", "场次"}),
    "间": frozenset({"间", "个"}),
    "起": frozenset({"起", "次", "件"}),
}
# Scale from the claim's base unit to the catalogue unit.
SCALES: dict[tuple[str, str], Decimal] = {
    ("元", "元"): Decimal(1),
    ("元", "万元"): Decimal("0.0001"),
    ("元", "亿元"): Decimal("0.00000001"),
    ("平方米", "平方米"): Decimal(1),
    ("平方米", "万平方米"): Decimal("0.0001"),
    ("平方米", "平方公里"): Decimal("0.000001"),
    ("%", "%"): Decimal(1),
}
SKIP_KINDS = frozenset({"target", "gap"})
_PROBLEM_HEADING = re.compile(r"问题|不足|短板|困难|打算|计划|下一步|下步|努力方向|措施|建议")
_CLAUSE_END = re.compile(r"[。；;，,、：:\n]")
_SENTENCE_END = re.compile(r"[。！？\n]")
LOOKBACK = 40
"""Characters before a figure searched for the clause that names what it counts."""
_NOTE = re.compile(r"[(（][^()（）]*[)）]")
_PER_CAPITA = re.compile(r"生均|人均|按在校生人数平均|每生|平均")


@dataclass(frozen=True)
class PrefillCandidate:
    """A stated figure proposed for a catalogue item: value in the item's unit, year, source sentence, offsets."""

    code: str
    name: str
    value: Decimal
    unit: str
    year: int | str | None
    sentence: str
    start: int
    end: int
    surface: str
    matched: str
    score: float = 0.0


def scale(claim_unit: str, item_unit: str) -> Decimal | None:
    """Factor turning a claim's base-unit value into the item's unit, or None when they do not measure alike."""
    if (claim_unit, item_unit) in SCALES:
        return SCALES[(claim_unit, item_unit)]
    if claim_unit == item_unit or claim_unit in COUNT_UNITS.get(item_unit, ()):
        return Decimal(1)
    return None


def _fits_kind(claim: Claim, item: DataItem) -> bool:
    growth_item = "增长" in item.name or "增长" in " ".join(item.aliases)
    if claim.kind == "growth":
        return growth_item and claim.unit == item.unit
    return not growth_item


def _sentence(text: str, start: int, end: int) -> str:
    left = max(
        (m.end() for m in _SENTENCE_END.finditer(text, max(0, start - 300), start)),
        default=max(0, start - 300),
    )
    m = _SENTENCE_END.search(text, end)
    right = m.end() if m and m.group() != "\n" else (m.start() if m else len(text))
    return text[left:right].strip()


def _excluded_spans(analysis: Analysis) -> list[tuple[int, int]]:
    # Sections about problems and plans: from such a heading to the next heading of the same or higher level.
    spans = []
    secs = analysis.sections
    for i, s in enumerate(secs):
        if _PROBLEM_HEADING.search(s.title):
            end = next((t.start for t in secs[i + 1 :] if t.level <= s.level), len(analysis.text))
            spans.append((s.start, end))
    return spans


def map_claims(analysis: Analysis, catalogue: Catalogue) -> list[PrefillCandidate]:
    """Every claim that maps to a catalogue item, in text order (several claims may map to one item)."""
    items = [i for i in catalogue.items.values() if i.formula is None and i.unit != "是否"]
    words = [(item, sorted({item.name, *item.aliases}, key=len, reverse=True)) for item in items]
    growth_of = _growth_items(items)
    excluded = _excluded_spans(analysis)
    text = analysis.text
    out: list[PrefillCandidate] = []
    for claim in analysis.claims:
        if claim.kind in SKIP_KINDS or any(a <= claim.start < b for a, b in excluded):
            continue
        window = text[max(0, claim.start - LOOKBACK) : claim.start]
        # Only the clause right before the figure (and the reader's metric) names what it counts: in a list
        # such as 其中幼儿园48所、小学52所 each figure has its own clause.
        cuts = list(_CLAUSE_END.finditer(window))
        clause = window[cuts[-1].end() :] if cuts else window
        # Parenthesised notes qualify, they do not name: 中小学校(含幼儿园)1032所 counts schools.
        clause = _NOTE.sub("", clause)
        evidence = f"{_NOTE.sub('', claim.metric)}|{clause}"
        per_capita = _PER_CAPITA.search(evidence) is not None
        best: tuple[float, DataItem, str] | None = None
        for item, names in words:
            factor = scale(claim.unit, item.unit)
            if factor is None or not _fits_kind(claim, item):
                continue
            # A per-student amount is never a total, and a total never a per-student amount.
            if per_capita != (_PER_CAPITA.search(item.name) is not None) and claim.unit == "元":
                continue
            for w in names:
                if w in evidence:
                    score = len(w) + (0.5 if w in clause else 0.0)
                    if best is None or score > best[0]:
                        best = (score, item, w)
                    break
        if best is None and claim.kind == "growth":
            best = _growth_from_previous(claim, out, growth_of)
        if best is None:
            continue
        score, item, word = best
        factor = scale(claim.unit, item.unit) or Decimal(1)
        out.append(
            PrefillCandidate(
                item.code,
                item.name,
                plain(claim.value * factor),
                item.unit,
                claim.year,
                _sentence(text, claim.start, claim.end),
                claim.start,
                claim.end,
                claim.surface,
                word,
                score,
            )
        )
    return out


def _growth_items(items: list[DataItem]) -> dict[str, DataItem]:
    """Growth items by the name of the quantity that grows (一般公共预算教育经费 → …比上年增长)."""
    out: dict[str, DataItem] = {}
    for item in items:
        if "增长" in item.name:
            base = item.name.split("比上年")[0].split("增长")[0]
            out[base] = item
    return out


def _growth_from_previous(
    claim: Claim, previous: list[PrefillCandidate], growth_of: dict[str, DataItem]
) -> tuple[float, DataItem, str] | None:
    # "…经费98650万元，比上年91230万元增长8.13%": the growth is of the quantity mapped just before it.
    for cand in reversed(previous[-3:]):
        if claim.start - cand.end > 40:
            break
        item = growth_of.get(cand.name)
        if item is not None and item.unit == claim.unit:
            return (cand.score, item, cand.matched)
    return None


def plain(value: Decimal) -> Decimal:
    """A Decimal without exponent or trailing zeros (1.2E+4 → 12000, 21.40 → 21.4)."""
    value = value.normalize()
    # int() is exact at any size; quantize would fail beyond the context's 28 digits.
    return Decimal(int(value)) if value == value.to_integral_value() else value


def prefill(source: str | Path | Analysis, catalogue: Catalogue | None = None) -> list[PrefillCandidate]:
    """One prefill candidate per catalogue item (its first mention) for a report file, text or analysis."""
    from lvzhi.reader.extract import extract
    from lvzhi.reader.pipeline import analyse

    if catalogue is None:
        from lvzhi.schemes import builtin_catalogue

        catalogue = builtin_catalogue()
    if isinstance(source, Analysis):
        analysis = source
    elif isinstance(source, Path):
        analysis = analyse(extract(source).text)
    else:
        analysis = analyse(source)
    best: dict[str, PrefillCandidate] = {}
    for cand in map_claims(analysis, catalogue):
        # The mention that names the item most fully wins; among equals, the first.
        if cand.code not in best or cand.score > best[cand.code].score:
            best[cand.code] = cand
    return sorted(best.values(), key=lambda c: c.start)
