"""整改台账: the visible problems filtered by region, source, state (逾期 included) and round, as rows for the
ledger page, the CLI and the .xlsx/.csv export — read through `queries.problem_list` (the scoping helper)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from lvzhi.evaluations.results import Table
from lvzhi.rectification import queries
from lvzhi.rectification.models import Problem


def ledger(
    user: Any,
    *,
    state: str = "",
    region: str = "",
    source: str = "",
    round_id: int | None = None,
    now: datetime | None = None,
) -> QuerySet[Problem]:
    """The user's visible problems matching the filters (region: a code, its subtree included)."""
    qs = queries.problem_list(user, state=state or None, now=now)
    if region:
        qs = qs.filter(evaluation__region__path__contains=f"/{region}/")
    if source:
        qs = qs.filter(source=source)
    if round_id is not None:
        qs = qs.filter(evaluation__round_id=round_id)
    return qs.select_related("evaluation__round", "evaluation__region", "carried_from__evaluation__round")


HEADER = (
    "问题编号",
    "年度",
    "区划代码",
    "地区",
    "指标",
    "来源",
    "严重程度",
    "问题描述",
    "整改要求",
    "整改时限",
    "状态",
    "上年问题",
)


def ledger_table(user: Any, *, state: str = "", region: str = "", source: str = "") -> Table:
    """The ledger as a table (the same columns on the page, in the CLI and in the export)."""
    now = None
    rows = []
    for p in ledger(user, state=state, region=region, source=source):
        carried = p.carried_from
        rows.append(
            (
                p.pk,
                p.evaluation.round.year,
                p.evaluation.region.code,
                p.evaluation.region.name,
                p.indicator_code or "综合",
                p.source,
                p.severity,
                p.description,
                p.required_measure,
                p.deadline.isoformat(),
                queries.display_state(p, now),
                f"{carried.evaluation.round.year}年#{carried.pk}" if carried else "",
            )
        )
    return Table("整改台账", HEADER, rows)
