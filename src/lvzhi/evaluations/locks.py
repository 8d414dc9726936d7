"""The one lock order of the evaluation domain.

Every action that changes an evaluation's data takes its locks in this order: round → evaluation → (rows of
that evaluation) → audit chain head. A re-score of a round whose scheme ranks regions updates its peers'
rows, so every writer must hold the round lock first; one order for everybody rules out deadlocks.
"""

from __future__ import annotations

from lvzhi.evaluations.models import Evaluation, Round


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
