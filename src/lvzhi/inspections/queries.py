"""What the platform knows about a round's regions, gathered as the plain facts the risk engine reads.

The caller has already reached the round through lvzhi.accounts.scoping (get_round_for); everything read
here belongs to that round's regions. Earlier years come from the same regions' evaluations in earlier
rounds of the same level, so the credibility history and the year-on-year jumps span the years on record.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from lvzhi.evaluations import gateway
from lvzhi.evaluations.models import DataValue, Evaluation, ItemScore, Round
from lvzhi.inspections.risk import RegionFacts, scheme_thresholds
from lvzhi.jobs.models import ReportReading
from lvzhi.rectification.models import Problem
from lvzhi.rectification.queries import overdue_q

# ItemScore fields as the score layers lvzhi.scoring compares (the names the `credibility` rule uses).
LAYER_FIELDS = (("self", "self_score"), ("expert", "review_score"))


def _history(round: Round, region_ids: list[int]) -> dict[int, dict[int, Evaluation]]:
    """Per region, per year up to the round's year: the evaluation of the latest round of that year."""
    out: dict[int, dict[int, Evaluation]] = defaultdict(dict)
    evaluations = (
        Evaluation.objects.filter(
            region_id__in=region_ids, round__year__lte=round.year, round__level=round.level
        )
        .select_related("round")
        .order_by("round__year", "round_id")
    )
    for e in evaluations:
        out[e.region_id][e.round.year] = e  # later rounds of a year replace earlier ones
    return out


def region_facts(round: Round) -> list[RegionFacts]:
    """The risk engine's facts for every region of the round, in region-code order."""
    evaluations = list(round.evaluations.select_related("region__parent").order_by("region__code"))
    history = _history(round, [e.region_id for e in evaluations])
    ids = [e.pk for years in history.values() for e in years.values()]
    layers: dict[int, dict[str, dict[str, Decimal]]] = defaultdict(dict)
    for s in ItemScore.objects.filter(evaluation_id__in=ids).only(
        "evaluation_id", "indicator_code", "self_score", "review_score"
    ):
        for layer, field in LAYER_FIELDS:
            score = getattr(s, field)
            if score is not None:
                layers[s.evaluation_id].setdefault(layer, {})[s.indicator_code] = score
    values: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for v in DataValue.objects.filter(evaluation_id__in=ids, value__isnull=False).only(
        "evaluation_id", "item_code", "value"
    ):
        values[v.evaluation_id][v.item_code] = v.value
    findings: dict[int, list[str]] = defaultdict(list)
    for reading in ReportReading.objects.filter(evaluation__in=evaluations).order_by("created_at", "pk"):
        # The latest reading of a report replaces the earlier ones.
        findings[reading.evaluation_id] = [
            str(f.get("message", "")) for f in reading.findings if f.get("message")
        ]
    overdue: dict[int, list[str]] = defaultdict(list)
    for p in Problem.objects.filter(overdue_q(), evaluation__region_id__in=history).select_related(
        "evaluation__round"
    ):
        overdue[p.evaluation.region_id].append(
            f"{p}（{p.evaluation.round.year}年，时限 {p.deadline.isoformat()}）"
        )
    thresholds = scheme_thresholds(gateway.load(round.scheme_version.yaml_text))
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
        )
        for e in evaluations
    ]
