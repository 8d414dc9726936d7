"""Read-side helpers of the pages; every query starts from the scoping helper (lvzhi.accounts.scoping)."""

from __future__ import annotations

import functools
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import yaml

from lvzhi.accounts import scoping
from lvzhi.accounts.scoping import Perm
from lvzhi.evaluations.models import DataValue, Evaluation, ItemScore, Round, SchemeVersion, State

# Spending indicators shown as trends over years on 对比分析 (codes of the statistics catalogue).
SPENDING_ITEMS = (
    "edu_gpb_spending",
    "per_student_gpb_kg",
    "per_student_gpb_primary",
    "per_student_gpb_junior",
    "per_student_gpb_senior",
)


@functools.lru_cache(maxsize=64)
def _scheme_data(content_hash: str, text: str) -> dict[str, Any]:
    # Keyed by the content hash: a scheme version never changes, so parsing it once per process is enough.
    data = yaml.safe_load(text)
    return data if isinstance(data, dict) else {}


def scheme_data(version: SchemeVersion) -> dict[str, Any]:
    """The scheme file of a version as plain data (indicators tree, grades, bonus, caps…)."""
    return _scheme_data(version.content_hash, version.yaml_text)


@dataclass
class TopIndicator:
    code: str
    name: str
    points: Decimal | None
    leaf_codes: list[str] = field(default_factory=list)


def top_indicators(version: SchemeVersion) -> list[TopIndicator]:
    """The scheme's first-level indicators with the leaf codes under each (for the radar chart)."""
    out: list[TopIndicator] = []

    def leaves(node: dict[str, Any]) -> list[str]:
        kids = node.get("children") or []
        return [str(node["code"])] if not kids else [c for k in kids for c in leaves(k)]

    for node in scheme_data(version).get("indicators") or []:
        pts = node.get("points")
        out.append(
            TopIndicator(
                str(node["code"]),
                str(node.get("name", "")),
                None if pts is None else Decimal(str(pts)),
                leaves(node),
            )
        )
    return out


def radar(evaluation: Evaluation) -> list[dict[str, Any]]:
    """Per top-level indicator: percentage of its points obtained."""
    # The stored final score is the one that counts (rescoring decides it, with the total).
    scores = dict(
        ItemScore.objects.filter(evaluation=evaluation).values_list("indicator_code", "final_score")
    )
    out = []
    for top in top_indicators(evaluation.round.scheme_version):
        got = sum((scores.get(c) or Decimal(0) for c in top.leaf_codes), Decimal(0))
        if top.points:
            out.append({"name": top.name, "max": 100, "value": float(round(got / top.points * 100, 1))})
    return out


def top_scores(evaluations: list[Evaluation], tops: list[TopIndicator]) -> dict[int, list[Decimal]]:
    """Per evaluation, the points obtained under each top-level indicator: the sum of its leaves' stored
    final scores, the ones that count (one query for all)."""
    got: dict[int, dict[str, Decimal]] = defaultdict(dict)
    rows = ItemScore.objects.filter(evaluation__in=evaluations, final_score__isnull=False).values_list(
        "evaluation_id", "indicator_code", "final_score"
    )
    for ev_id, code, final in rows:
        got[ev_id][code] = final
    return {
        e.pk: [sum((got[e.pk].get(c, Decimal(0)) for c in top.leaf_codes), Decimal(0)) for top in tops]
        for e in evaluations
    }


def league(round_: Round, user: Any) -> list[Evaluation]:
    """The round's evaluations the user may see, with parents for filtering."""
    return list(
        scoping.evaluations_for(user, Perm.VIEW)
        .filter(round=round_)
        .select_related("region__parent")
        .defer("result", "return_reasons", "round__scheme_version__yaml_text")
        .order_by("region__code")
    )


def grade_distribution(evaluations: list[Evaluation]) -> list[tuple[str, int]]:
    """How many evaluations got each grade (ungraded ones counted as 未评定)."""
    counts = Counter(e.grade or "未评定" for e in evaluations)
    return sorted(counts.items())


def spending_trends(user: Any, region_id: int) -> dict[str, Any]:
    """Values of the spending items over the years of every visible round of one region."""
    evals = list(
        scoping.evaluations_for(user, Perm.VIEW)
        .filter(region_id=region_id)
        .defer("result", "return_reasons", "round__scheme_version__yaml_text")
        .order_by("round__year")
    )
    years = sorted({e.round.year for e in evals})
    by_year: dict[str, dict[int, Decimal]] = defaultdict(dict)
    for v in DataValue.objects.filter(evaluation__in=evals, item_code__in=SPENDING_ITEMS).select_related(
        "evaluation__round"
    ):
        if v.value is not None:
            by_year[v.item_code][v.evaluation.round.year] = v.value
    return {
        "years": years,
        "series": {code: [by_year[code].get(y) for y in years] for code in SPENDING_ITEMS if by_year[code]},
    }


def published_rounds() -> list[Round]:
    """Rounds with at least one published evaluation (public: no login, no scope needed)."""
    return list(
        Round.objects.filter(evaluations__state=State.PUBLISHED)
        .select_related("owner_region", "scheme_version")
        .distinct()
        .order_by("-year", "name")
    )
