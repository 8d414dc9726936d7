"""The one lock order of the evaluation domain.

Every action that changes an evaluation's data takes its locks in this order: round → evaluation → (rows of
that evaluation) → audit chain head. A re-score of a round whose scheme ranks regions updates its peers'
rows, so every writer must hold the round lock first; one order for everybody rules out deadlocks — and
no lost update: a re-score reads its peers' data only once it holds the round, so it never writes scores
computed from data another transaction is still changing.

Every action of evaluations and evidence that writes an evaluation's data, scores or evidence calls one of
these two functions first (rectification locks only its problems and writes no evaluation rows).
"""

from __future__ import annotations

from collections.abc import Iterable

from lvzhi.evaluations.models import Evaluation, Round


def lock_round(round: Round | int) -> Round:
    """Lock a round (first in the order) and return it re-read under the lock: round-wide changes such as
    a deadline, closing it or re-scoring all its evaluations."""
    pk = round if isinstance(round, int) else round.pk
    return Round.objects.select_for_update().select_related("scheme_version", "owner_region").get(pk=pk)


def lock_evaluation(evaluation: Evaluation) -> Evaluation:
    """Lock the evaluation's round, then the evaluation, and return it re-read under the lock.

    A row lock on PostgreSQL; on SQLite the IMMEDIATE transaction already serialises writers.
    """
    Round.objects.select_for_update().filter(pk=evaluation.round_id).first()
    return (
        Evaluation.objects.select_for_update()
        .select_related("round", "region", "round__scheme_version")
        .get(pk=evaluation.pk)
    )


def lock_round_evaluations(round: Round, evaluation_ids: Iterable[int]) -> list[Evaluation]:
    """Lock a round, then several of its evaluations in id order (bulk actions such as an Excel import)."""
    Round.objects.select_for_update().filter(pk=round.pk).first()
    return list(
        Evaluation.objects.select_for_update().filter(round=round, pk__in=list(evaluation_ids)).order_by("pk")
    )
