"""The writer's input: a plain `ReportContext`, and `context_from` connecting it to the scheme and scoring engines.

The writer never reads the database: the platform (or the CLI, from files) gathers an evaluation into a
ReportContext — the scheme's metadata, this year's and last year's statistics, the scores and their
explanations, the staff's narrative per indicator, problems and rectification plans — and the builder turns
it into a document.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from lvzhi.schemes.model import Indicator, Scheme
from lvzhi.scoring.model import MANUAL_PENDING, SCORED, ItemResult, RegionInput, RegionResult, Sample
from lvzhi.writer import number_style as numbers

# An explanation naming formula identifiers (`party_committee_edu_sessions >= 2`) is for the analyst, not
# for a report an office signs: such texts are replaced by a sentence made from the rule's inputs.
_IDENTIFIER = re.compile(r"[a-z]+_[a-z_]+")


@dataclass(frozen=True, slots=True)
class Stat:
    """One statistic: this year's value and, when known, last year's, in the catalogue's unit."""

    code: str
    name: str
    unit: str
    value: Decimal
    previous: Decimal | None = None
    growth: Decimal | None = (
        None  # a stated growth rate (%) when the data holds one, used instead of computing
    )
    # last year's figure was derived (from a stated growth or change), not stated: it is never printed,
    # only the change the report states
    previous_derived: bool = False
    period: str = ""  # the figure's own period when not the report's year (2022年, 2020年1—9月)
    qualifier: str = ""  # the bound the source puts on it: 余, 以上, 近 …
    printed: bool = True  # False: implied or an unconfirmed prefill — scored, never stated as a fact
    adverse: bool = False  # an event the scheme penalises (accidents, falsification): 0 reads 未发生
    sample: Sample | None = None  # measured on a sample (a survey's rate): n and the interval are stated


@dataclass(frozen=True, slots=True)
class FigureNote:
    """What the data says about one figure beyond its value (data-file sources, or the platform's flags)."""

    period: str = ""
    qualifier: str = ""
    derived_previous: bool = False
    printed: bool = True


@dataclass(frozen=True, slots=True)
class LeafOutcome:
    """One scored (or pending) indicator under a top-level one, with what its data shows in words."""

    code: str
    name: str
    points: Decimal
    score: Decimal | None
    scored: bool
    finding: str = ""  # 普惠性幼儿园覆盖率90.63%，低于目标100% — empty when the rule has no plain target
    manual: bool = False  # judged by people (waits for a self-score and its evidence when not scored)


@dataclass(frozen=True, slots=True)
class IndicatorPart:
    """A top-level indicator of the scheme as the report covers it."""

    code: str
    name: str
    points: Decimal | None
    score: Decimal | None
    complete: bool
    narrative: str = ""
    stats: tuple[str, ...] = ()  # codes of the statistics stated under this indicator, in order
    sub: tuple[tuple[str, str], ...] = ()  # (code, name) of its second-level indicators
    leaves: tuple[LeafOutcome, ...] = ()


@dataclass(frozen=True, slots=True)
class ProblemItem:
    """A problem for 存在的主要问题 and the 问题清单: what, under which indicator, on what evidence, what to do."""

    indicator: str  # "code 名称"
    text: str
    evidence: str = ""
    measure: str = ""
    deadline: date | None = None
    lost: Decimal | None = None
    codes: tuple[
        str, ...
    ] = ()  # the statistics it rests on, so that two rules on one figure give one problem


@dataclass(frozen=True, slots=True)
class ReportContext:
    """Everything the report writer needs for one region's self-evaluation report."""

    region_code: str
    region_name: str
    year: int
    scheme_id: str
    scheme_title: str
    scheme_document: str | None
    issuer: str
    indicators: tuple[IndicatorPart, ...]
    stats: Mapping[str, Stat]
    profile: tuple[str, ...] = ()  # codes stated in 一、基本情况
    total_points: Decimal | None = None
    score_total: Decimal | None = None
    grade_name: str | None = None
    complete: bool = False
    problems: tuple[ProblemItem, ...] = ()
    plans: tuple[str, ...] = ()
    addressee: str = ""
    signer: str = ""
    office: str = ""  # the office that ran the evaluation: issues and signs the feedback letter
    date: date = field(default_factory=date.today)
    report_limit: int | None = None  # characters; the national 5,000 when the scheme sets none
    # per statistic, the average of the regions evaluated together (the platform gives it for a round)
    peer_average: Mapping[str, Decimal] = field(default_factory=dict)


# What 一、基本情况 states, when the data holds it, paragraph by paragraph in this order: the region
# (概况), its schools and students, its teachers, its spending. Figures no indicator reads follow in a
# last paragraph.
PROFILE_GROUPS: dict[str, tuple[str, ...]] = {
    "概况": ("population", "land_area", "gdp", "gpb_total_spending"),
    "学校与学生": (
        "schools_total",
        "kindergartens",
        "primary_schools",
        "junior_schools",
        "secondary_schools",
        "senior_schools",
        "nine_year_schools",
        "vocational_schools",
        "special_schools",
        "teaching_points",
        "boarding_schools",
        "small_rural_schools",
        "students_total",
        "kg_enrolment",
        "primary_enrolment",
        "junior_enrolment",
        "senior_enrolment",
        "vocational_enrolment",
        "special_enrolment",
        "boarding_students",
        "migrant_children",
        "left_behind_children",
        "disadvantaged_students",
        "nutrition_students",
        "equipment_value",
        "library_books",
        "teaching_computers",
        "sports_area",
        "physical_health_pass_rate",
    ),
    "教师": (
        "staff_total",
        "staff_quota",
        "teachers_vacancy",
        "kg_teachers",
        "primary_teachers",
        "junior_teachers",
        "senior_teachers",
        "vocational_teachers",
        "special_teachers",
        "rural_teachers",
        "dual_qualified_teachers",
        "primary_teachers_bachelor",
        "junior_teachers_bachelor",
        "senior_teachers_postgraduate",
        "senior_title_teachers",
        "school_health_staff",
    ),
    "经费": (
        "edu_gpb_spending",
        "edu_gpb_budget_share",
        "edu_fiscal_spending",
        "edu_fiscal_gdp_share",
        "edu_gpb_gdp_share",
        "per_student_gpb_overall",
        "per_student_gpb_kg",
        "per_student_gpb_primary",
        "per_student_gpb_junior",
        "per_student_gpb_senior",
        "per_student_gpb_vocational",
    ),
}
PROFILE_CODES = tuple(code for codes in PROFILE_GROUPS.values() for code in codes)


def _adverse(scheme: Scheme) -> set[str]:
    """Codes the scheme's vetoes, caps and deductions read: events it penalises."""
    names: set[str] = set()
    for cond in (*scheme.vetoes, *scheme.caps):
        names |= cond.when.names
    for ded in scheme.deductions:
        for node in ded.walk():
            if node.rule is not None:
                for formula in node.rule.formulas():
                    names |= formula.names
    return names


def _stats(scheme: Scheme, region: RegionInput, notes: Mapping[str, FigureNote]) -> dict[str, Stat]:
    out: dict[str, Stat] = {}
    adverse = _adverse(scheme)
    for code, value in region.values.items():
        item = scheme.catalogue.get(code)
        if item is None or code.endswith("_growth"):
            continue
        note = notes.get(code, FigureNote())
        growth = region.values.get(code + "_growth")
        out[code] = Stat(
            code,
            item.name,
            item.unit,
            value,
            region.previous.get(code),
            growth,
            note.derived_previous,
            note.period,
            note.qualifier,
            note.printed,
            code in adverse,
            region.samples.get(code),
        )
    return out


def _under(result: RegionResult | None, top: Indicator) -> list[ItemResult]:
    if result is None:
        return []
    codes = {n.code for n in top.walk()}
    return [it for it in result.items if it.code in codes]


def _shown(code: str, value: Decimal, stats: Mapping[str, Stat]) -> Decimal:
    """A datum exactly; a figure the engine computed (a rate) rounded half up to two decimals."""
    if code in stats:
        return value
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) if numbers.decimals(value) > 2 else value


_MET = {">=": "达到", "≥": "达到", ">": "高于", "<=": "未超过", "≤": "未超过", "<": "低于", "==": "等于"}
_MISSED = {">=": "低于", "≥": "低于", ">": "未超过", "<=": "高于", "≤": "高于", "<": "未低于", "==": "不等于"}


# 自评报告 run to at most 5,000 characters unless the scheme sets its own limit (the national practice).
NATIONAL_REPORT_LIMIT = 5000


def _is_manual(node: Indicator | None) -> bool:
    return node is not None and node.rule is not None and node.rule.kind == "manual"


def finding(it: ItemResult, node: Indicator | None, stats: Mapping[str, Stat]) -> tuple[str, str]:
    """What a threshold leaf's figure shows against its target, in words, and the target itself:
    ("普惠性幼儿园覆盖率90.63%，低于目标100%", "目标100%"); ("", "") when the rule has no plain target."""
    rule = node.rule if node is not None else None
    if rule is None or rule.kind != "threshold" or rule.expr is None or rule.target is None:
        return "", ""
    code = rule.expr.single_name
    current = next((v for v in it.inputs if v.code == code and not v.previous), None)
    if code is None or current is None or current.value is None or it.score is None:
        return "", ""
    stat = stats.get(code)
    qualifier = stat.qualifier if stat is not None else ""
    shown = numbers.quantity(_shown(code, current.value, stats), current.unit, qualifier)
    try:
        against = "目标" + numbers.quantity(Decimal(rule.target.text.strip()), current.unit)
    except ArithmeticError:
        last = next((v for v in it.inputs if v.code == code and v.years == 1), None)
        if rule.target.single_name is not None or last is None or last.value is None:
            return "", ""
        if stat is None or stat.previous_derived or qualifier:
            against = "上年水平"  # last year's figure is not stated: only the comparison is
        else:
            shown, previous = numbers.quantity_pair(current.value, last.value, current.unit)
            against = f"上年的{previous}"
    verb = (_MET if it.score >= it.points else _MISSED).get(rule.op, "")
    if not verb:
        return "", ""
    return f"{current.name}{shown}，{verb}{against}", against


# Qualifiers that make a figure a lower bound: the true value may meet a target the bound misses.
_LOWER_BOUNDS = ("以上", "余", "多", "超", "超过", "逾")


def _year_word(years: int) -> str:
    """How a report names the year of a value a rule read: this year's plainly, then 上年, 2年前 …"""
    return "" if years == 0 else "上年" if years == 1 else f"{years}年前"


def _lost_problem(
    it: ItemResult,
    top: Indicator,
    stats: Mapping[str, Stat],
    node: Indicator | None = None,
    judged: str = "",
) -> ProblemItem:
    """A problem drafted from the points a leaf lost: what the data shows against the target, or the
    judgement's own words; a figure the source gives only as a bound is a matter to verify, not a failure."""
    lost = it.points - (it.score or Decimal(0))
    said = [
        f"{_year_word(v.years)}{v.name}为"
        + numbers.quantity(
            _shown(v.code, v.value, stats), v.unit, "" if v.previous else _qualifier(v.code, stats)
        )
        for v in it.inputs
        if v.value is not None and v.unit != "是否"
    ]
    detail = "，".join(dict.fromkeys(said))
    found, against = finding(it, node, stats)
    bounded = any(_qualifier(v.code, stats) in _LOWER_BOUNDS for v in it.inputs if not v.previous)
    if bounded:
        text = f"“{it.name}”所依据的数据为约数（{detail}），按其下限评分失{numbers.score(lost)}，需以确切数据核实。"
        evidence = detail
        measure = f"核实“{it.name}”所需的确切数据，据实评定。"
    elif found:
        # the figure against its target, in the same words in the text, the 依据 and the measure
        text = f"{found}，“{it.name}”失{numbers.score(lost)}。"
        evidence = found
        measure = f"对照“{it.name}”的要求，明确责任单位和完成时限，推动相关指标达到{against}。"
    elif judged:
        text = f"“{it.name}”自评得{numbers.score(it.score or Decimal(0))}（满分{numbers.score(it.points)}）。"
        evidence = judged
        measure = f"针对“{it.name}”的失分原因制定整改措施，明确责任单位和完成时限。"
    else:
        text = f"“{it.name}”未达标" + (f"，{detail}" if detail else "") + "。"
        evidence = detail or ("人工评定" if not _IDENTIFIER.search(it.explanation) else "")
        measure = f"对照“{it.name}”要求制定整改措施，限期整改到位。"
    codes = tuple(dict.fromkeys(v.code for v in it.inputs))
    return ProblemItem(f"{top.code} {top.name}", text, evidence, measure, None, lost, codes)


def _qualifier(code: str, stats: Mapping[str, Stat]) -> str:
    stat = stats.get(code)
    return stat.qualifier if stat is not None else ""


@functools.cache
def _statutory_nodes() -> dict[str, Indicator]:
    """The statutory scheme's indicators by code: their rules word the findings of the statutory checks."""
    from lvzhi.schemes import load_builtin

    return {n.code: n for n in load_builtin("statutory").walk()}


def issuer_name(issuer: str) -> str:
    """The first issuing body, without a note in brackets: the report's addressee by default."""
    first = issuer.split()[0] if issuer.strip() else ""
    return re.sub(r"[（(][^）)]*[)）]", "", first)


def context_from(
    scheme: Scheme,
    result: RegionResult | None,
    region: RegionInput,
    year: int,
    narratives: Mapping[str, str] | None = None,
    problems: Sequence[ProblemItem] = (),
    plans: Sequence[str] = (),
    statutory: RegionResult | None = None,
    addressee: str = "",
    signer: str = "",
    when: date | None = None,
    office: str = "",
    notes: Mapping[str, FigureNote] | None = None,
    peer_average: Mapping[str, Decimal] | None = None,
) -> ReportContext:
    """Gather a scheme, its scoring result and a region's data (plus staff texts) into a ReportContext.

    Problems are drafted from the points a scored leaf lost and from failed statutory checks, after the
    ones staff wrote (`problems`). Each statistic is stated once: under the first top-level indicator whose
    rules read it, the rest in 基本情况.
    """
    narratives = narratives or {}
    stats = _stats(scheme, region, notes or {})
    used: set[str] = set()
    parts: list[IndicatorPart] = []
    drafted: list[ProblemItem] = list(problems)
    profile = [c for c in PROFILE_CODES if c in stats]
    used.update(profile)
    for top in scheme.indicators:
        items = _under(result, top)
        nodes = {n.code: n for n in top.walk()}
        codes: list[str] = []
        leaves: list[LeafOutcome] = []
        for it in items:
            for v in it.inputs:
                if v.code in stats and v.code not in used and v.value is not None:
                    used.add(v.code)
                    codes.append(v.code)
            if it.kind != "leaf":
                continue
            leaves.append(
                LeafOutcome(
                    it.code,
                    it.name,
                    it.points,
                    it.score,
                    it.status == SCORED,
                    finding(it, nodes.get(it.code), stats)[0] if it.status == SCORED else "",
                    it.status == MANUAL_PENDING or _is_manual(nodes.get(it.code)),
                )
            )
            if it.status == SCORED and it.score is not None and it.score < it.points:
                manual = region.manual.get(it.code)
                judged = manual.justification if manual is not None else ""
                drafted.append(_lost_problem(it, top, stats, nodes.get(it.code), judged))
        head = next((it for it in items if it.code == top.code), None)
        parts.append(
            IndicatorPart(
                top.code,
                top.name,
                top.points if scheme.total is not None else None,
                head.score if head is not None else None,
                head is not None and head.status == SCORED,
                narratives.get(top.code, "").strip(),
                tuple(codes),
                tuple((c.code, c.name) for c in top.children),
                tuple(leaves),
            )
        )
    if statutory is not None:
        for it in statutory.items:
            if it.kind == "leaf" and it.status == SCORED and it.score is not None and it.score < it.points:
                read = {v.code for v in it.inputs}
                if not any(read <= set(p.codes) for p in drafted):
                    node = _statutory_nodes().get(it.code)
                    drafted.append(
                        _lost_problem(it, Indicator("法定", "法定底线要求", it.points), stats, node)
                    )
    # Figures no indicator reads still belong in the report: they complete the profile.
    profile += [c for c in stats if c not in used]
    return ReportContext(
        region_code=region.region,
        region_name=region.name or region.region,
        year=year,
        scheme_id=scheme.id,
        scheme_title=scheme.title,
        scheme_document=scheme.document,
        issuer=scheme.issuer,
        indicators=tuple(parts),
        stats=stats,
        profile=tuple(profile),
        total_points=scheme.total,
        score_total=result.total if result is not None else None,
        grade_name=result.grade_name if result is not None else None,
        complete=bool(result is not None and result.complete),
        problems=tuple(drafted),
        plans=tuple(plans),
        addressee=addressee or issuer_name(scheme.issuer),
        signer=signer or f"{region.name or region.region}人民政府",
        office=office or issuer_name(scheme.issuer),
        date=when or date.today(),
        report_limit=scheme.report_limit if scheme.report_limit is not None else NATIONAL_REPORT_LIMIT,
        peer_average=dict(peer_average or {}),
    )
