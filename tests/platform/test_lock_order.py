"""One lock order for every action: concurrent evidence uploads and value saves in a ranked round.

With a rank rule, a change in one county re-scores its peers, so every writer must lock the round before
the evaluation. These tests drive real threads on real PostgreSQL connections: no deadlock, no lost update.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction

from lvzhi.evaluations import actions, rescoring
from lvzhi.evaluations.models import DataValue, Evaluation, ItemScore
from lvzhi.evidence.models import Evidence
from lvzhi.evidence.services import do_attach_evidence

pytestmark = pytest.mark.django_db(transaction=True)

SCHEME = Path(__file__).parent / "schemes" / "rank-evidence-county.yaml"
MANUAL = ("2", "3", "4", "5", "6", "7")
ROUNDS = len(MANUAL)


@pytest.fixture
def ranked(cast, settings, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("needs real concurrent connections (runs in the PostgreSQL pass)")
    settings.MEDIA_ROOT = tmp_path / "media"
    one, two = cast.start_ranked(cast.open_test_round(SCHEME.name, "排名与佐证并发"))
    for code in MANUAL:
        actions.do_set_self_score(
            acting_user=cast.jia1_filler,
            evaluation=one,
            indicator_code=code,
            level="良",
            justification="制度健全，见佐证材料",
            expected_version=None,
        )
    return cast, one, two


def run_together(*workers: Callable[[int], None]) -> list[str]:
    """Run the workers in threads, each on its own connection, meeting at a barrier before every step."""
    barrier = threading.Barrier(len(workers))
    errors: list[str] = []

    def loop(work: Callable[[int], None]) -> None:
        try:
            for step in range(ROUNDS):
                barrier.wait(timeout=60)
                work(step)
        except Exception as exc:  # a deadlock surfaces here as OperationalError
            errors.append(f"{type(exc).__name__}: {exc}")
            barrier.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=loop, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "a worker never finished (a lock was never released)"
    return errors


def stored_scores(round_id: int) -> dict[Any, Any]:
    rows = ItemScore.objects.filter(evaluation__round_id=round_id).values_list(
        "evaluation_id", "indicator_code", "auto_score", "auto_status", "final_score"
    )
    totals = Evaluation.objects.filter(round_id=round_id).values_list("pk", "total", "grade")
    return {"rows": sorted(rows), "totals": sorted(totals)}


def test_evidence_uploads_in_one_county_while_its_peer_saves_values_neither_deadlock_nor_lose_a_score(ranked):
    cast, one, two = ranked
    two_versions = [DataValue.objects.get(evaluation=two, item_code="edu_budget_progress").version]
    two_values = ["95" if step % 2 == 0 else "70" for step in range(ROUNDS)]

    def upload(step: int) -> None:
        do_attach_evidence(
            acting_user=cast.jia1_filler,
            evaluation=one,
            indicator_code=MANUAL[step],
            name=f"佐证{step}.pdf",
            content=b"%PDF-1.4\n%evidence " + str(step).encode() + b"\n",
        )

    def save_peer(step: int) -> None:
        # Each save flips the ranking, so it re-scores the county that is uploading evidence.
        dv, _ = actions.do_save_value(
            acting_user=cast.jia2_filler,
            evaluation=two,
            item_code="edu_budget_progress",
            value=two_values[step],
            expected_version=two_versions[-1],
        )
        two_versions.append(dv.version)

    def save_own(step: int) -> None:
        dv = DataValue.objects.get(evaluation=one, item_code="edu_budget_progress")
        actions.do_save_value(
            acting_user=cast.jia1_filler,
            evaluation=one,
            item_code="edu_budget_progress",
            value=str(90 - step % 2),
            expected_version=dv.version,
        )

    errors = run_together(upload, save_peer, save_own)

    assert errors == []
    assert Evidence.objects.filter(evaluation=one).count() == ROUNDS
    peer = DataValue.objects.get(evaluation=two, item_code="edu_budget_progress")
    assert (peer.value, peer.version) == (Decimal(two_values[-1]), 1 + ROUNDS)
    # No lost update: what is stored is what scoring the final data from scratch gives.
    stored = stored_scores(one.round_id)
    with transaction.atomic():
        rescoring.rescore_round(one.round)
    assert stored_scores(one.round_id) == stored
    one.refresh_from_db()
    rank = ItemScore.objects.get(evaluation=one, indicator_code="1").auto_score
    assert rank == (10 if Decimal(90 - (ROUNDS - 1) % 2) > peer.value else 6)
    assert one.total == rank + 4 * ROUNDS  # every evidenced 良 counts 0.8 × 5


def test_removing_evidence_while_the_peer_saves_takes_the_same_round_lock(ranked):
    cast, one, two = ranked
    attached = [
        do_attach_evidence(
            acting_user=cast.jia1_filler,
            evaluation=one,
            indicator_code=code,
            name=f"{code}.pdf",
            content=b"%PDF-1.4\n%" + code.encode() + b"\n",
        )
        for code in MANUAL
    ]

    def remove(step: int) -> None:
        from lvzhi.evidence.services import do_remove_evidence

        do_remove_evidence(acting_user=cast.jia1_filler, evidence=attached[step])

    def save_peer(step: int) -> None:
        dv = DataValue.objects.get(evaluation=two, item_code="edu_budget_progress")
        actions.do_save_value(
            acting_user=cast.jia2_filler,
            evaluation=two,
            item_code="edu_budget_progress",
            value="95" if step % 2 == 0 else "70",
            expected_version=dv.version,
        )

    assert run_together(remove, save_peer) == []
    assert not Evidence.objects.filter(evaluation=one).exists()
    stored = stored_scores(one.round_id)
    with transaction.atomic():
        rescoring.rescore_round(one.round)
    assert stored_scores(one.round_id) == stored
    one.refresh_from_db()
    assert ItemScore.objects.get(evaluation=one, indicator_code="2").auto_status == "manual-pending"


def test_no_action_locks_an_evaluation_except_through_the_one_lock_order():
    src = Path(__file__).resolve().parents[2] / "src" / "lvzhi"
    own_locks = []
    for path in sorted(src.rglob("*.py")):
        if path.relative_to(src).as_posix() == "evaluations/locks.py":
            continue
        text = path.read_text(encoding="utf-8")
        for lineno, line in enumerate(text.splitlines(), 1):
            if "select_for_update" in line and (
                "Evaluation.objects" in line or "Evaluation.objects" in text.splitlines()[lineno - 2]
            ):
                own_locks.append(f"{path.relative_to(src)}:{lineno}")
    assert own_locks == [], "lock evaluations with lvzhi.evaluations.locks (round first): " + ", ".join(
        own_locks
    )
