"""A round's results as the user may see them: the league table's shared ranks and the export tables
(totals, grades and every indicator's score) as .xlsx and .csv — always read through the scoping helper."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any, Protocol

from lvzhi.accounts import scoping
from lvzhi.accounts.scoping import Perm
from lvzhi.evaluations import gateway
from lvzhi.evaluations.fields import canonical
from lvzhi.evaluations.models import ItemScore, Round, State
from lvzhi.writer.cells import neutralise


class Ranked(Protocol):
    """What ranking reads of an evaluation (a model instance or a plain row)."""

    @property
    def pk(self) -> Any: ...

    @property
    def state(self) -> str: ...

    @property
    def total(self) -> Decimal | None: ...


def shared_ranks(evaluations: Iterable[Ranked], state: str | None = State.PUBLISHED) -> dict[int, int]:
    """Ranks by total among evaluations in one state (None: any state): equal totals share a rank (1, 2, 2, 4).

    Evaluations in another state or without a total get no rank: a county that has not started is never
    ranked against one whose result is published.
    """
    scored = [e for e in evaluations if e.total is not None and (state is None or e.state == state)]
    scored.sort(key=lambda e: e.total or Decimal(0), reverse=True)
    ranks: dict[int, int] = {}
    previous: Decimal | None = None
    rank = 0
    for position, e in enumerate(scored, start=1):
        if e.total != previous:
            rank, previous = position, e.total
        ranks[e.pk] = rank
    return ranks


@dataclass(frozen=True)
class _Row:
    pk: int
    state: str
    total: Decimal | None
    grade: str
    code: str
    name: str
    parent: str | None


@dataclass(frozen=True)
class Table:
    title: str
    header: tuple[str, ...]
    rows: list[tuple[Any, ...]]


def _text(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return canonical(value)
    return value


def result_table(user: Any, round: Round, state: str | None = None) -> Table:
    """Every evaluation of the round the user may see: region, state, total, grade, rank, each leaf's score."""
    info = gateway.scheme_info(round.scheme_version.yaml_text)
    leaves = list(info.leaves)
    qs = scoping.evaluations_for(user, Perm.VIEW).filter(round=round).select_related(None)
    if state:
        qs = qs.filter(state=state)
    # Plain rows, not model instances: a national round has thousands of evaluations.
    fields = ("pk", "state", "total", "grade", "region__code", "region__name", "region__parent__name")
    evals = [_Row(*row) for row in qs.order_by("region__code").values_list(*fields)]
    ranks = shared_ranks(evals, state or State.PUBLISHED)
    scores: dict[int, dict[str, Decimal | None]] = defaultdict(dict)
    for ev_id, code, final in ItemScore.objects.filter(evaluation__in=[e.pk for e in evals]).values_list(
        "evaluation_id", "indicator_code", "final_score"
    ):
        scores[ev_id][code] = final
    header = (
        "区划代码",
        "地区",
        "上级",
        "状态",
        "总分",
        "等次",
        "排名",
        *(f"{leaf.code} {leaf.name}" for leaf in leaves),
    )
    rows = []
    for e in evals:
        got = scores.get(e.pk, {})
        rows.append(
            (
                e.code,
                e.name,
                e.parent or "",
                e.state,
                e.total,
                e.grade,
                ranks.get(e.pk),
                *(got.get(leaf.code) for leaf in leaves),
            )
        )
    return Table(round.name, header, rows)


def write_csv(table: Table, out: IO[str]) -> None:
    """The table as CSV (UTF-8 with BOM so spreadsheet programs read the Chinese)."""
    out.write("\ufeff")
    w = csv.writer(out)
    w.writerow([neutralise(h) for h in table.header])
    for row in table.rows:
        w.writerow([neutralise(_text(v)) for v in row])


def csv_bytes(table: Table) -> bytes:
    buf = io.StringIO()
    write_csv(table, buf)
    return buf.getvalue().encode("utf-8")


def write_xlsx(tables: Sequence[Table], out: IO[bytes] | str) -> None:
    """One sheet per table, streamed (write-only mode: a national round stays flat in memory)."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    for i, table in enumerate(tables, start=1):
        ws = wb.create_sheet(title=f"结果{i}")
        ws.append([neutralise(h) for h in table.header])
        for row in table.rows:
            ws.append([neutralise(v) for v in row])  # Decimals stay exact numbers; None an empty cell
    wb.save(out)


def table_bytes(table: Table, fmt: str) -> bytes:
    """One table as a csv or xlsx file."""
    if fmt == "csv":
        return csv_bytes(table)
    if fmt == "xlsx":
        return xlsx_bytes([table])
    raise ValueError(f"只能导出 xlsx 或 csv，不能导出 {fmt}")


def xlsx_bytes(tables: Sequence[Table]) -> bytes:
    buf = io.BytesIO()
    write_xlsx(tables, buf)
    return buf.getvalue()
