"""Upgrading an existing audit log to the every-field hash: re-hashed only when the old chain verifies."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from lvzhi.audit.services import verify_chain

migration = importlib.import_module("lvzhi.audit.migrations.0003_record_subject_and_full_hash")
BEFORE = [("audit", "0002_chain_head_row")]
AFTER = [("audit", "0003_record_subject_and_full_hash")]


def old_chain(apps, n: int, tamper_at: int | None = None) -> None:
    AuditRecord = apps.get_model("audit", "AuditRecord")
    prev = migration.GENESIS
    for seq in range(1, n + 1):
        rec = AuditRecord(
            seq=seq,
            at=datetime(2024, 5, seq, tzinfo=UTC),
            actor_username="banan",
            action="value.save",
            object_type="evaluations.datavalue",
            object_id=str(1000 + seq),
            object_repr=f"第{seq}项",
            region_code="990101",
            before=None,
            after={"value": str(seq)},
            prev_hash=prev,
        )
        rec.hash = migration._hash(prev, migration._old_fields(rec))
        if seq == tamper_at:
            rec.object_repr = "改过"
        rec.save()
        prev = rec.hash
    apps.get_model("audit", "ChainHead").objects.update_or_create(pk=1, defaults={"seq": n, "hash": prev})


@pytest.fixture
def back_to_latest():
    """Whatever a test does to the schema, the database ends at the latest migrations with an empty log."""
    yield
    from lvzhi.audit.models import AuditRecord, ChainHead

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        with connection.cursor() as cur:
            cur.execute("DELETE FROM audit_auditrecord")
            cur.execute("UPDATE audit_chainhead SET seq = 0, hash = ''")
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    AuditRecord.objects.all().delete()
    ChainHead.objects.update(seq=0, hash="")


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_an_intact_old_chain_is_rehashed_and_verifies_with_every_field(back_to_latest):
    apps = migrate(BEFORE)
    old_chain(apps, 5)
    migrate(AFTER)
    assert verify_chain() is None


@pytest.mark.django_db(transaction=True)
def test_a_tampered_old_chain_stops_the_upgrade_instead_of_being_laundered(back_to_latest):
    apps = migrate(BEFORE)
    old_chain(apps, 5, tamper_at=3)
    with pytest.raises(RuntimeError, match="第 3 条"):
        migrate(AFTER)
