"""Writing many rows fast on both databases: COPY on PostgreSQL, one prepared statement (executemany) elsewhere.

Django's bulk_update builds CASE WHEN expressions that grow with the batch (quadratic overall), and
bulk_create on SQLite is limited to a few dozen rows per statement; a national round has ~400,000 values.
"""

from __future__ import annotations

import functools
import gc
import json
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import models, transaction

from lvzhi.evaluations.fields import DecimalStringField, canonical

F = TypeVar("F", bound=Callable[..., Any])


def gc_paused(fn: F) -> F:
    """Run `fn` with the cyclic garbage collector paused, restored even when it raises.

    A national round makes hundreds of thousands of small acyclic tuples, dicts and strings (cells, values,
    scores, explanations); the collector would walk that growing heap again and again for nothing —
    measured on 2,850 regions, scoring took 1.36 s with it and 0.53 s without.
    """

    @functools.wraps(fn)
    def paused(*args: Any, **kwargs: Any) -> Any:
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            if was_enabled:
                gc.enable()

    return paused  # type: ignore[return-value]


def _prepper(field: Any, connection: Any, copy: bool = False) -> Callable[[Any], Any]:
    """How one column's Python value becomes a query parameter (or a COPY value), cheaply."""
    if isinstance(field, DecimalStringField):
        return lambda v: None if v is None else canonical(v)
    if isinstance(field, models.JSONField):
        if copy:
            return lambda v: json.dumps(v, ensure_ascii=False)
        return lambda v: field.get_db_prep_save(v, connection)
    if isinstance(field, models.DateTimeField) and connection.vendor != "postgresql":
        return lambda v: connection.ops.adapt_datetimefield_value(v)
    # Text, integers, booleans and foreign keys (ids) go through as they are.
    return lambda v: v


def insert_many(model: Any, fields: list[str], rows: list[tuple[Any, ...]]) -> None:
    """INSERT many rows: COPY on PostgreSQL, one prepared statement (executemany) elsewhere."""
    if not rows:
        return
    connection = transaction.get_connection()
    meta = model._meta
    columns = [meta.get_field(f) for f in fields]
    qn = connection.ops.quote_name
    names = ", ".join(qn(c.column) for c in columns)
    postgres = connection.vendor == "postgresql"
    preps = [_prepper(c, connection, copy=postgres) for c in columns]
    with connection.cursor() as cursor:
        if postgres:
            with cursor.cursor.copy(f"COPY {qn(meta.db_table)} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([p(v) for p, v in zip(preps, row, strict=True)])
            return
        sql = f"INSERT INTO {qn(meta.db_table)} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"
        cursor.executemany(sql, [[p(v) for p, v in zip(preps, row, strict=True)] for row in rows])


def update_many(model: Any, fields: list[str], rows: list[tuple[Any, ...]]) -> None:
    """UPDATE many rows by primary key (the pk is each row's last value).

    On PostgreSQL the new values are COPied into a temporary table and applied by one UPDATE … FROM;
    elsewhere one prepared UPDATE per row (executemany). bulk_update's CASE WHEN grows quadratically.
    """
    if not rows:
        return
    connection = transaction.get_connection()
    meta = model._meta
    columns = [meta.get_field(f) for f in fields]
    qn = connection.ops.quote_name
    table = qn(meta.db_table)
    pk = qn(meta.pk.column)
    if connection.vendor == "postgresql":
        preps = [_prepper(c, connection, copy=True) for c in columns]
        tmp = qn(f"tmp_{meta.db_table}_upd")
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {tmp}")
            cols = ", ".join(qn(c.column) for c in columns)
            cursor.execute(f"CREATE TEMPORARY TABLE {tmp} AS SELECT {pk}, {cols} FROM {table} WITH NO DATA")
            with cursor.cursor.copy(f"COPY {tmp} ({pk}, {cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([row[-1], *(p(v) for p, v in zip(preps, row[:-1], strict=True))])
            sets = ", ".join(f"{qn(c.column)} = t.{qn(c.column)}" for c in columns)
            cursor.execute(f"UPDATE {table} AS o SET {sets} FROM {tmp} AS t WHERE o.{pk} = t.{pk}")
            cursor.execute(f"DROP TABLE {tmp}")
        return
    preps = [_prepper(c, connection) for c in columns]
    sql = "UPDATE {} SET {} WHERE {} = %s".format(
        table, ", ".join(f"{qn(c.column)} = %s" for c in columns), pk
    )
    params = [[p(v) for p, v in zip(preps, row[:-1], strict=True)] + [row[-1]] for row in rows]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
