"""Figures → statistics: map a report's claims to items of the statistics catalogue (数据项目录).

The one mapping of the platform: the data page's prefill, the demo and the CLI all use it.

A claim maps to an item when (1) its unit converts to the item's unit (元→万元, 平方米→平方公里, 名→人, …),
(2) its kind fits the item (growth figures only to growth items, shares/rates only to % items), and (3) the
item's name or one of its ``aliases`` occurs in the claim's metric or in the clause just before the figure
(the report's own words; e.g. ``普惠率`` → 普惠性幼儿园覆盖率). The longest matching alias wins. A growth
figure with no named item takes the growth item of the quantity mapped just before it. Targets, gaps and figures in the problems/plans sections are not prefilled: they are not
the region's achieved statistics. Computed catalogue items (``formula``) are never prefilled.

Beyond the words, a figure must fit the item in what it counts:

* last year's value (`比上年的W`) and a change (`增加Y`) are not this year's value;
* a new or added quantity (新增/新建/招聘) fills only an item of new quantities, and a stock (现有) never one;
* a figure restricted to a part (乡村, 民办, 普惠, 特岗 …) or to a sample (抽取的样本学校) is not the whole;
* among several mentions of an item, one of the evaluated year wins, then the latest earlier year, then an
  undated one; a mention of another year, an undated one, a hedged one (余/以上/近/约/超过, which travels
  with the value), a cumulative one (累计) or one contradicted elsewhere in the report is offered with its
  doubt stated (``PrefillCandidate.doubt``), never silently.

``prefill(path_or_text, year=…)`` gives one candidate per item, for the platform's data entry and for
comparing stated with submitted figures (``cross_check``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

from lvzhi.reader.model import Analysis, Claim, Finding
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
_PER_CAPITA = re.compile(r"生均|人均|按在校生人数平均|按在校学生人数平均|每生|平均")
_PRIOR = re.compile(r"(?:比|较|同比)(?:上年|去年|上一年|上学年)(?:同期|)(?:的|为|)\s*$")
_SAMPLE = re.compile(r"抽取|抽样|样本|抽查")
# Honours and titles created or awarded (创建…示范学校10所、…党支部1个) are not counts of the stock.
_HONOUR = re.compile(r"创建|评选|获评|荣获|命名|认定为|评为|授予")
_CLAUSE_GROUP = re.compile(r"[。；;，,\n]")
# New or added quantities (and the items that count them) against stocks.
_NEW_CLAIM = re.compile(r"新增|新建|新招|新聘|新补充|新录用|新改扩建|改扩建|新开工|招聘|招录|补充")
_NEW_ITEM = re.compile(r"新增|新建|招聘|补充|招录|当年|建成")
_CUMULATIVE = re.compile(r"累计")
# Words restricting a figure to a part of the region's schools, pupils or staff: a figure with one of them
# fills only an item that names it too.
_SCOPE_WORDS = (
    "乡村", "农村", "城区", "城镇", "公办", "民办", "普惠", "特岗", "寄宿", "随迁", "留守", "残疾", "样本",
    "示范", "骨干", "交互式", "营利", "教学点", "幼儿园", "学前", "小学", "初中", "高中", "中职", "职业",
    "高校", "高等", "特殊教育",
)  # fmt: skip


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
    qualifier: str = ""
    kind: str = "value"
    doubt: str = ""


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
        if _PRIOR.search(text, max(0, claim.start - 12), claim.start):
            continue  # last year's value, stated for comparison
        if _SAMPLE.search(_sentence(text, claim.start, claim.end)):
            continue  # figures of a sample of schools are not the region's
        group = text[max(0, claim.start - LOOKBACK) : claim.start]
        cut = [m.end() for m in _CLAUSE_GROUP.finditer(group)]
        if _HONOUR.search(group[cut[-1] if cut else 0 :]):
            continue  # a list of honours (创建…示范学校10所、…1个)
        window = text[max(0, claim.start - LOOKBACK) : claim.start]
        # Only the clause right before the figure (and the reader's metric) names what it counts: in a list
        # such as 其中幼儿园48所、小学52所 each figure has its own clause.
        cuts = list(_CLAUSE_END.finditer(window))
        clause = window[cuts[-1].end() :] if cuts else window
        # Parenthesised notes qualify, they do not name: 中小学校(含幼儿园)1032所 counts schools.
        clause = _NOTE.sub("", clause)
        metric = _NOTE.sub("", claim.metric)
        if "占" in clause and claim.unit not in ("%", "百分点"):
            # `一般公共预算教育经费占一般公共预算支出1814597万元的比例`: a figure after 占 is the whole,
            # named by the words after 占 only.
            clause = clause[clause.rindex("占") + 1 :]
            metric = metric[metric.rindex("占") + 1 :] if "占" in metric else clause
        evidence = f"{metric}|{clause}"
        scope = _scope_of(analysis, claim.start)
        sentence_levels = _levels(_sentence(text, claim.start, claim.end))
        per_capita = _PER_CAPITA.search(evidence) is not None
        new = _NEW_CLAIM.search(evidence) is not None
        best: tuple[float, DataItem, str] | None = None
        for item, names in words:
            factor = scale(claim.unit, item.unit)
            if factor is None or not _fits_kind(claim, item):
                continue
            item_words = "|".join(names)
            if new != (_NEW_ITEM.search(item_words) is not None):
                continue  # 新增多媒体教室1783间 is not the stock of classrooms, nor the stock a new count
            if any(w in evidence and w not in item_words for w in _SCOPE_WORDS):
                continue  # 乡村教师32人 is not all teachers
            item_levels = _levels(item_words)
            if item_levels and sentence_levels and not item_levels & sentence_levels:
                continue  # 37个幼儿园项目…新增学位1.2万个 speaks of kindergartens only, not of 中小学
            if scope and not _same_level(scope, item_words):
                continue  # 校舍建筑面积 or 中小学图书 under 二、学前教育 are not the kindergartens' own
            if (
                "中小学" in evidence
                and "中小学" not in item_words
                and any(w.startswith("小学") for w in names if w in evidence)
            ):
                continue  # 义务教育中小学30所 does not count 小学 alone
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
        if claim.kind == "growth" and claim.direction == "down":
            factor = -factor  # 比上年下降2.41%: the item holds the growth, here negative
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
                claim.qualifier,
                claim.kind,
                "累计数" if _CUMULATIVE.search(clause) else "",
            )
        )
    return out


_LEVEL_WORDS = (
    "幼儿",
    "学前",
    "小学",
    "初中",
    "高中",
    "中职",
    "职业",
    "高校",
    "高等",
    "特殊教育",
    "义务教育",
    "中学",
    "园",
)
_SCOPE_LINE = re.compile(r"[ \u3000\t]*[—-]{1,2}\s*([\u4e00-\u9fff]{2,6})[。:：]")  # ——小学。…


# Levels of education by the words that name them; a figure stated under one level fills only an item of it.
_LEVEL_GROUPS = (
    ("幼儿", "学前", "园"),
    ("小学", "初中", "中学", "义务教育"),
    ("高中", "中职", "职业"),
    ("高校", "高等"),
    ("特殊教育",),
)


def _levels(words: str) -> set[int]:
    return {i for i, group in enumerate(_LEVEL_GROUPS) if any(w in words for w in group)}


def _same_level(scope: str, item_words: str) -> bool:
    """Whether an item can hold a figure stated under ``scope`` (学前教育, ——小学 …)."""
    item = _levels(item_words)
    return bool(item) and bool(item & _levels(scope))


def _scope_of(analysis: Analysis, pos: int) -> str:
    """The level of education a figure is stated under: its heading's (二、学前教育) or its paragraph's
    (——小学。…); empty for figures about the region as a whole."""
    text = analysis.text
    line = text.rfind("\n", 0, pos) + 1
    m = _SCOPE_LINE.match(text, line)
    if m and any(w in m.group(1) for w in _LEVEL_WORDS):
        return m.group(1)
    # `全县高中段教育(包括普通高中和中职)共有学校6所;招生3133人;在校生为8637人`: the paragraph's opening
    # clause names the level for the clauses after it.
    first = _CLAUSE_END.search(text, line, pos)
    sentence_end = _SENTENCE_END.search(text, line, pos)
    if first is not None and sentence_end is None:  # only within the paragraph's first sentence
        opening = _NOTE.sub("", text[line : first.start()])
        if _levels(opening) and "各级各类" not in opening:
            return opening.strip()
    heads = [s for s in analysis.sections if s.start < pos]
    if heads:
        title = heads[-1].title
        if len(title) <= 12 and any(w in title for w in _LEVEL_WORDS) and not _PER_CAPITA.search(title):
            return title
    return ""


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


def cross_check(
    candidates: Iterable[PrefillCandidate],
    entered: Mapping[str, Decimal | None],
    names: Mapping[str, str] | None = None,
) -> list[Finding]:
    """Figures a report states for statistics that were also entered, where the two differ:
    "报告称 X,填报数据为 Y". A hedged figure (约/余/以上 …) is compared as what it says: a bound is
    only contradicted on its wrong side, an approximate figure is reported as a hint, not a mismatch."""
    out: list[Finding] = []
    for cand in candidates:
        value = entered.get(cand.code)
        if value is None or value == cand.value:
            continue
        if cand.qualifier in ("以上", "超过", "逾", "不低于") and value >= cand.value:
            continue
        if cand.qualifier == "以下" and value <= cand.value:
            continue
        name = (names or {}).get(cand.code, cand.name)
        stated = f"{_fmt(cand.value)}{cand.unit}"
        shown = cand.surface if stated == cand.surface else f"{cand.surface}(即{stated})"
        message = f"“{name}”:报告称 {shown},填报数据为 {_fmt(value)}{cand.unit}"
        approximate = cand.qualifier in ("余", "近", "约")
        if approximate:
            message += ";报告所写为约数,请核对"
        out.append(Finding("report_data_mismatch", cand.start, "info" if approximate else "warning", message))
    return out


def _fmt(value: Decimal) -> str:
    return format(plain(value), "f")


# A report's title line names the region and the duty; it carries no sentence punctuation or page furniture.
_TITLE_WORDS = ("履行教育职责", "自评", "自查")
_NOT_IN_TITLE = set("，。；：,;:<>%|[]=")


def report_title(text: str, fallback: str) -> str:
    """The report's own title (e.g. 重庆市巴南区人民政府2023年履行教育职责评价自评报告), else ``fallback``.

    Prefill names its source by what people call the report, not by the name the file happened to have.
    """
    lines = [line.strip() for line in text.splitlines()[:80]]
    candidates = [
        line
        for line in lines
        if 6 <= len(line) <= 60 and not _NOT_IN_TITLE & set(line) and any(w in line for w in _TITLE_WORDS)
    ]
    for ending in ("报告", "情况"):
        for line in candidates:
            if line.endswith(ending):
                return line
    return fallback


def plain(value: Decimal) -> Decimal:
    """A Decimal without exponent or trailing zeros (1.2E+4 → 12000, 21.40 → 21.4)."""
    value = value.normalize()
    # int() is exact at any size; quantize would fail beyond the context's 28 digits.
    return Decimal(int(value)) if value == value.to_integral_value() else value


def prefill(
    source: str | Path | Analysis,
    catalogue: Catalogue | None = None,
    year: int | None = None,
    only: set[str] | None = None,
) -> list[PrefillCandidate]:
    """One prefill candidate per catalogue item for a report file, text or analysis, with its doubt stated.

    ``year`` is the year evaluated: a mention of that year wins, then the latest earlier year, then an
    undated one; among mentions alike, the one that names the item most fully, then the first.
    ``only`` restricts the items (the evaluation's scheme asks for those)."""
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
    by_code: dict[str, list[PrefillCandidate]] = {}
    for cand in map_claims(analysis, catalogue):
        if only is None or cand.code in only:
            by_code.setdefault(cand.code, []).append(cand)
    chosen = []
    for cands in by_code.values():
        ranked = sorted(cands, key=lambda c: (*_year_rank(c.year, year), -c.score, c.start))
        best = ranked[0]
        chosen.append(replace(best, doubt=_doubt(best, ranked, year)))
    return sorted(chosen, key=lambda c: c.start)


def _year_rank(figure_year: int | str | None, year: int | None) -> tuple[int, int]:
    if isinstance(figure_year, str):  # a school year 2022-2023 counts as its later year
        figure_year = int(figure_year[-4:]) if figure_year[-4:].isdigit() else None
    if year is None or figure_year is None:
        return (1 if year is not None else 0, 0)
    if figure_year == year:
        return (0, 0)
    return (2, year - figure_year if figure_year < year else 1000 + figure_year - year)


_QUALIFIER_ZH = {"余": "约数(余)", "近": "约数(近)", "约": "约数", "以上": "下限(以上)", "以下": "上限(以下)",
                 "超过": "下限(超过)", "逾": "下限(逾)", "不低于": "下限(不低于)"}  # fmt: skip


def _doubt(best: PrefillCandidate, ranked: list[PrefillCandidate], year: int | None) -> str:
    """Why a person should look twice at this prefill (empty when nothing is doubtful)."""
    doubts = [best.doubt] if best.doubt else []
    if best.qualifier in _QUALIFIER_ZH:
        doubts.append(f"报告写“{best.surface}”,是{_QUALIFIER_ZH[best.qualifier]},不是确数")
    if year is not None:
        if best.year is None:
            doubts.append("报告未写明该数字的年份")
        elif _year_rank(best.year, year)[0] == 2:
            doubts.append(f"该数字是{best.year}年的,不是{year}年的")
    same_year = [c for c in ranked[1:] if c.year == best.year and c.value != best.value]
    if same_year:
        doubts.append(f"报告另一处写“{same_year[0].surface}”")
    return ";".join(doubts)
