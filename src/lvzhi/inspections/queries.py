"""What the platform knows about a round's regions, gathered as the plain facts the risk engine reads.

The caller has already reached the round through lvzhi.accounts.scoping (get_round_for); everything read
here belongs to that round's regions. Earlier years come from the same regions' evaluations in earlier
rounds of the same level, so the credibility history and the year-on-year jumps span the years on record.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Q, QuerySet

from lvzhi.evaluations import gateway, rescoring
from lvzhi.evaluations.models import DataValue, Evaluation, Round
from lvzhi.inspections import checklist
from lvzhi.inspections.figures import relative_difference
from lvzhi.inspections.models import Finding, Visit
from lvzhi.inspections.risk import RegionFacts, scheme_thresholds
from lvzhi.jobs.models import ReportReading
from lvzhi.rectification.models import Problem
from lvzhi.rectification.queries import overdue_q
from lvzhi.scoring import over_scoring
from lvzhi.writer.inspection_report import CheckLine, FindingLine, InspectionInput
from lvzhi.writer.model import issuer_name


def verified_on_site(evaluation_ids: list[int]) -> dict[int, rescoring.Verified]:
    """Per evaluation id, the figures and leaf scores its inspectors verified, the latest finding of each
    item and leaf winning (registered as scoring's provider of the `verified` layer)."""
    out: dict[int, rescoring.Verified] = {}
    for ev_id, indicator, item, figure, score in (
        Finding.objects.filter(visit__evaluation_id__in=evaluation_ids)
        .filter(Q(verified_value__isnull=False) | Q(verified_score__isnull=False))
        .order_by("created_at", "pk")
        .values_list(
            "visit__evaluation_id", "indicator_code", "item_code", "verified_value", "verified_score"
        )
    ):
        v = out.setdefault(ev_id, rescoring.Verified({}, {}))
        if figure is not None and item:
            v.figures[item] = figure
        if score is not None and indicator:
            v.scores[indicator] = score
    return out


def layers_of(evaluations: list[Evaluation]) -> dict[int, dict[str, dict[str, Decimal]]]:
    """Per evaluation, its score layers exactly as scoring reads them (self, expert and what was verified on
    site): {"self": {leaf: points}, "expert": {…}, "verified": {…}} — lvzhi.evaluations.rescoring decides."""
    return rescoring.score_layers(evaluations)


def reader_findings(evaluations: list[Evaluation]) -> dict[int, list[str]]:
    """Per evaluation, the messages of the report reader's latest reading of its report."""
    findings: dict[int, list[str]] = defaultdict(list)
    for reading in ReportReading.objects.filter(evaluation__in=evaluations).order_by("created_at", "pk"):
        # The latest reading of a report replaces the earlier ones.
        findings[reading.evaluation_id] = [
            str(f.get("message", "")) for f in reading.findings if f.get("message")
        ]
    return findings


def _history(round: Round, region_ids: list[int]) -> dict[int, dict[int, Evaluation]]:
    """Per region, per year up to the round's year: the evaluation of that year's round of the same scheme
    (the latest such round), else of the latest round of that year.

    A region can be in more than one round of a year (a special round, a survey pilot under its own scheme);
    its history is the one whose figures and scores compare with this round's."""
    same = round.scheme_version.scheme_id
    out: dict[int, dict[int, Evaluation]] = defaultdict(dict)
    evaluations = (
        Evaluation.objects.filter(
            region_id__in=region_ids, round__year__lte=round.year, round__level=round.level
        )
        .select_related("round__scheme_version", "region")
        .order_by("round__year", "round_id")
    )
    for e in evaluations:
        held = out[e.region_id].get(e.round.year)
        # Later rounds of a year replace earlier ones, but never one of this scheme by one of another.
        if held is None or (e.round.scheme_version.scheme_id == same) >= (
            held.round.scheme_version.scheme_id == same
        ):
            out[e.region_id][e.round.year] = e
    return out


def region_facts(round: Round) -> list[RegionFacts]:
    """The risk engine's facts for every region of the round, in region-code order."""
    evaluations = list(round.evaluations.select_related("region__parent").order_by("region__code"))
    history = _history(round, [e.region_id for e in evaluations])
    ids = [e.pk for years in history.values() for e in years.values()]
    layers = layers_of([e for years in history.values() for e in years.values()])
    values: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for v in DataValue.objects.filter(evaluation_id__in=ids, value__isnull=False).only(
        "evaluation_id", "item_code", "value"
    ):
        values[v.evaluation_id][v.item_code] = v.value
    findings = reader_findings(evaluations)
    overdue: dict[int, list[str]] = defaultdict(list)
    for p in Problem.objects.filter(overdue_q(), evaluation__region_id__in=history).select_related(
        "evaluation__round"
    ):
        overdue[p.evaluation.region_id].append(
            f"{p}（{p.evaluation.round.year}年，时限 {p.deadline.isoformat()}）"
        )
    scheme = gateway.load(round.scheme_version.yaml_text)
    thresholds = scheme_thresholds(scheme)
    codes = set(thresholds) | {item for by_item in values.values() for item in by_item}
    # The scheme's own names first, then the catalogue's: a figure stored for an item this scheme does not
    # read still reaches a page, and a page names it in Chinese, never by its code.
    full = gateway.catalogue()
    labels = {
        code: full[code].name if scheme.label(code)[0] == code and code in full else scheme.label(code)[0]
        for code in codes
    }
    return [
        RegionFacts(
            region=e.region.code,
            name=e.region.name,
            stratum=e.region.parent.name if e.region.parent else "",
            layers_by_year={y: layers.get(h.pk, {}) for y, h in history[e.region_id].items()},
            values_by_year={y: values.get(h.pk, {}) for y, h in history[e.region_id].items()},
            thresholds=thresholds,
            findings=tuple(findings.get(e.pk, ())),
            overdue=tuple(overdue.get(e.region_id, ())),
            labels=labels,
        )
        for e in evaluations
    ]


def checklist_for(visit: Visit) -> list[checklist.Line]:
    """The checklist of one visit: the scheme's leaves, the region's flagged ones first."""
    ev = visit.evaluation
    scheme = gateway.load(ev.round.scheme_version.yaml_text)
    layers = layers_of([ev]).get(ev.pk, {})
    reported = {v.item_code: v.value for v in DataValue.objects.filter(evaluation=ev, value__isnull=False)}
    return checklist.build(
        scheme,
        reported,
        layers.get("self", {}),
        layers.get("expert", {}),
        reader_findings([ev]).get(ev.pk, ()),
    )


@dataclass(frozen=True)
class CredibilityRow:
    """One region and year of the credibility table (自评可信度)."""

    region: str
    name: str
    year: int
    compared: int
    over: int
    rate: Decimal | None  # percent of compared leaves self-scored above the verified or reviewer's score
    mean_deviation: Decimal | None
    overstated: int  # figures found over-stated on site (verified below reported beyond the tolerance)
    checked: int  # figures verified on site
    trend: str  # the over-scoring rate against the region's previous year on record: ↑ ↓ → or ""


# Without a `credibility` rule in its scheme, a region's self-scores are compared with what was verified on
# site, else with the reviewer's score (the comparison the risk list makes too).
DEFAULT_COMPARISON: tuple[str, tuple[str, ...], Decimal] = ("self", ("verified", "expert"), Decimal(0))


def comparison_of(evaluation: Evaluation) -> tuple[str, tuple[str, ...], Decimal]:
    """The layers an evaluation's self-assessment is compared with: its scheme's `credibility` rule's."""
    return gateway.scheme_info(evaluation.round.scheme_version.yaml_text).credibility or DEFAULT_COMPARISON


def credibility_table(evaluations: QuerySet[Evaluation]) -> list[CredibilityRow]:
    """Per region and year of the given (already scoped) evaluations: the self-assessment against the
    verified and reviewer scores (the score layers scoring reads, compared as the scheme's `credibility`
    rule compares them, through lvzhi.scoring.over_scoring), and the figures verified on site; newest year
    first within a region."""
    evs = list(
        evaluations.select_related("region", "round__scheme_version").order_by(
            "region__code", "round__year", "round_id"
        )
    )
    checked: dict[int, list[Finding]] = defaultdict(list)
    for f in Finding.objects.filter(visit__evaluation__in=evs, verified_value__isnull=False).select_related(
        "visit"
    ):
        checked[f.visit.evaluation_id].append(f)
    by_year: dict[tuple[int, int], Evaluation] = {}
    for e in evs:
        by_year[(e.region_id, e.round.year)] = e  # the latest round of a year stands for the year
    layers = layers_of(list(by_year.values()))
    rows: list[CredibilityRow] = []
    previous: dict[int, Decimal | None] = {}
    for (region_id, year), e in sorted(by_year.items(), key=lambda kv: (kv[1].region.code, kv[0][1])):
        own, against, tolerance = comparison_of(e)
        o = over_scoring(layers.get(e.pk, {}), own, against, tolerance)
        before = previous.get(region_id)
        trend = (
            ""
            if o.rate is None or before is None
            else ("↑" if o.rate > before else "↓" if o.rate < before else "→")
        )
        if o.rate is not None:
            previous[region_id] = o.rate
        found = checked.get(e.pk, [])
        rows.append(
            CredibilityRow(
                e.region.code,
                e.region.name,
                year,
                o.compared,
                o.over,
                o.rate,
                o.mean_deviation,
                sum(
                    1
                    for f in found
                    if f.flagged
                    and f.reported_value is not None
                    and f.verified_value is not None
                    and f.verified_value < f.reported_value
                ),
                len(found),
                trend,
            )
        )
    return sorted(rows, key=lambda r: (r.region, -r.year))


def report_input(visit: Visit, when: date) -> InspectionInput:
    """The writer's plain input for a visit's inspection report: plan, checklist and findings."""
    lines = checklist_for(visit)
    labels = {f.item: f.label for line in lines for f in line.figures}
    plan, ev = visit.plan, visit.evaluation
    return InspectionInput(
        region_name=ev.region.name,
        year=ev.round.year,
        plan_name=plan.name,
        team=plan.team,
        starts_on=plan.starts_on,
        ends_on=plan.ends_on,
        # The scheme's issuing body signs, as on the feedback letters; else the organising region's office.
        issuer=issuer_name(gateway.load(ev.round.scheme_version.yaml_text).issuer)
        or f"{plan.round.owner_region.name}人民政府教育督导委员会办公室",
        lines=tuple(CheckLine(x.indicator, x.name, x.verify, x.flags) for x in lines),
        findings=tuple(
            FindingLine(
                f.indicator_code,
                f.description,
                labels.get(f.item_code, f.item_code),
                f.reported_value,
                f.verified_value,
                f.tolerance,
                f.flagged,
                f"已列入整改台账，编号{f.problem_id}" if f.problem_id else "",
                relative_difference(f.reported_value, f.verified_value)
                if f.reported_value is not None and f.verified_value is not None
                else None,
            )
            for f in visit.findings.all()
        ),
        when=when,
    )


REPORT_FORMATS = ("docx", "pdf")


def report_file(visit: Visit, fmt: str, when: date) -> tuple[bytes, str]:
    """A visit's inspection report (实地督导情况报告) as a docx or pdf file: its bytes and file name, built
    by the writer — the one way the page, the API and the command line produce it."""
    from lvzhi.writer import docx, pdf
    from lvzhi.writer.inspection_report import build_inspection_report

    if fmt not in REPORT_FORMATS:
        raise ValueError(fmt)
    document = build_inspection_report(report_input(visit, when))
    data = docx.render_docx(document) if fmt == "docx" else pdf.render_pdf(document)
    return data, f"{document.title}.{fmt}"
