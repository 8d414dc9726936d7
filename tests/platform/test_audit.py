"""The audit log: every action records who/what/before→after in its transaction; the hash chain detects tampering."""

from __future__ import annotations

import itertools
import threading

import pytest
from django.db import connection, transaction
from typer.testing import CliRunner

from lvzhi.audit.models import AuditRecord, ChainHead
from lvzhi.audit.services import record, verify_chain
from lvzhi.cli.main import app
from lvzhi.evaluations import actions
from lvzhi.evaluations.models import State

pytestmark = pytest.mark.django_db


def test_the_cast_setup_leaves_an_intact_chain_of_linked_records(cast):
    records = list(AuditRecord.objects.order_by("seq"))
    assert [r.seq for r in records] == list(range(1, len(records) + 1))
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(records))
    assert verify_chain() is None
    assert {"regions.upsert", "scheme.create_version", "round.open", "round.assign_expert"} <= {
        r.action for r in records
    }


def test_a_value_change_is_recorded_with_who_and_before_and_after(cast):
    cast.advance(cast.jia1, State.FILLING)
    dv, _ = actions.do_save_value(
        acting_user=cast.jia1_filler,
        evaluation=cast.jia1,
        item_code="edu_gpb_spending",
        value="100.50",
        expected_version=None,
    )
    actions.do_save_value(
        acting_user=cast.jia1_filler,
        evaluation=cast.jia1,
        item_code="edu_gpb_spending",
        value="120",
        expected_version=dv.version,
    )
    rec = AuditRecord.objects.filter(action="value.save").order_by("-seq").first()
    assert rec.actor == cast.jia1_filler and rec.actor_username == "jia1_filler"
    assert rec.before["value"] == "100.5" and rec.after["value"] == "120"
    assert rec.region_code == "990101" and "一般公共预算教育经费" in rec.object_repr


def test_a_refused_action_leaves_no_audit_record(cast):
    count = AuditRecord.objects.count()
    with pytest.raises(actions.TransitionError):
        actions.do_publish(acting_user=cast.prov_office, evaluation=cast.jia1)
    assert AuditRecord.objects.count() == count


def test_a_record_edited_directly_in_the_database_breaks_the_chain_at_that_record(cast):
    target = AuditRecord.objects.get(action="round.open")
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE audit_auditrecord SET object_repr = %s WHERE seq = %s", ["篡改后的轮次", target.seq]
        )
    broken = verify_chain()
    assert broken is not None and broken.seq == target.seq
    assert "被修改" in str(broken)


def test_an_edited_before_after_json_is_detected(cast):
    cast.advance(cast.jia1, State.FILLING)
    target = AuditRecord.objects.filter(action="evaluation.transition").order_by("-seq").first()
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE audit_auditrecord SET after = %s WHERE seq = %s", ['{"state": "已发布"}', target.seq]
        )
    assert verify_chain().seq == target.seq


def test_a_record_deleted_from_the_middle_or_the_end_is_detected(cast):
    last = AuditRecord.objects.order_by("-seq").first()
    with connection.cursor() as cur:
        cur.execute("DELETE FROM audit_auditrecord WHERE seq = %s", [last.seq])
    broken = verify_chain()
    assert broken.seq == last.seq and "末尾" in str(broken)
    with connection.cursor() as cur:
        cur.execute("DELETE FROM audit_auditrecord WHERE seq = %s", [2])
    assert verify_chain().seq == 2


def test_a_rehashed_forgery_still_fails_because_the_next_link_points_at_the_old_hash(cast):
    from lvzhi.audit.services import compute_hash

    target = AuditRecord.objects.get(seq=2)
    target.object_repr = "伪造"
    target.hash = compute_hash(target.prev_hash, target)
    AuditRecord.objects.filter(pk=target.pk).update(object_repr=target.object_repr, hash=target.hash)
    assert verify_chain().seq == 3


@pytest.mark.django_db(transaction=True)
def test_record_refuses_to_run_outside_a_transaction():
    with pytest.raises(RuntimeError, match=r"transaction\.atomic"):
        record(actor=None, action="x")


def test_the_cli_reports_an_intact_chain_and_the_first_broken_link_with_exit_1(cast):
    runner = CliRunner()
    ok = runner.invoke(app, ["audit", "verify"])
    assert ok.exit_code == 0, ok.output
    assert "审计链完整" in ok.output
    with connection.cursor() as cur:
        cur.execute("UPDATE audit_auditrecord SET actor_username = %s WHERE seq = %s", ["mallory", 3])
    bad = runner.invoke(app, ["audit", "verify"])
    assert bad.exit_code == 1
    assert "第 3 条" in bad.output


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_never_fork_the_chain(cast):
    if connection.vendor != "postgresql":
        pytest.skip("needs real concurrent connections (runs in the PostgreSQL pass)")
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for i in range(10):
                with transaction.atomic():
                    record(actor=None, action="admin.change", object_repr=f"并发测试 {n}-{i}")
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert AuditRecord.objects.filter(action="admin.change", object_repr__startswith="并发测试").count() == 40
    assert verify_chain() is None
    assert ChainHead.objects.get(pk=1).seq == AuditRecord.objects.count()
