"""Item 7: every field is in the record hash, and an anchor outside the database catches rewrites and truncation."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from typer.testing import CliRunner

from lvzhi.audit.models import AuditRecord, ChainHead
from lvzhi.audit.services import compute_hash, read_anchors, verify_chain, write_anchor
from lvzhi.cli.main import app

pytestmark = pytest.mark.django_db


def rewrite_from(seq: int, **changes) -> None:
    """What an attacker with write access to the table does: change a record, then recompute every later hash."""
    AuditRecord.objects.filter(seq=seq).update(**changes)
    prev = AuditRecord.objects.get(seq=seq).prev_hash
    for rec in AuditRecord.objects.filter(seq__gte=seq).order_by("seq"):
        rec.prev_hash = prev
        rec.hash = compute_hash(prev, rec)
        AuditRecord.objects.filter(pk=rec.pk).update(prev_hash=rec.prev_hash, hash=rec.hash)
        prev = rec.hash
    ChainHead.objects.filter(pk=1).update(hash=prev)


def truncate_after(seq: int) -> None:
    """Delete the last records and rewind the head to the record before them."""
    AuditRecord.objects.filter(seq__gt=seq).delete()
    last = AuditRecord.objects.get(seq=seq)
    ChainHead.objects.filter(pk=1).update(seq=seq, hash=last.hash)


@pytest.mark.parametrize(
    ("column", "value"),
    [("actor_id", None), ("evaluation_id", 999), ("round_id", 999), ("region_code", "990201")],
)
def test_changing_any_stored_field_breaks_the_chain(cast, column, value):
    target = AuditRecord.objects.filter(actor__isnull=False, evaluation_id__isnull=True).order_by("seq")[2]
    assert verify_chain() is None
    with connection.cursor() as cur:
        cur.execute(f"UPDATE audit_auditrecord SET {column} = %s WHERE seq = %s", [value, target.seq])
    broken = verify_chain()
    assert broken is not None and broken.seq == target.seq


def test_the_linked_user_id_is_part_of_the_hash(cast):
    rec = AuditRecord.objects.filter(actor__isnull=False).first()
    other = AuditRecord(**{f.attname: getattr(rec, f.attname) for f in AuditRecord._meta.concrete_fields})
    other.actor_id = cast.viewer.pk
    assert compute_hash(rec.prev_hash, other) != rec.hash


def test_an_edit_with_every_later_hash_recomputed_passes_the_bare_chain_but_not_the_anchor(cast, tmp_path):
    anchors = tmp_path / "anchors.jsonl"
    write_anchor(anchors)
    rewrite_from(3, object_repr="篡改后的记录")
    assert verify_chain() is None  # the chain alone cannot tell
    broken = verify_chain(read_anchors(anchors))
    assert broken is not None and "锚点" in str(broken)


def test_deleting_the_last_records_and_rewinding_the_head_is_caught_by_the_anchor(cast, tmp_path):
    anchors = tmp_path / "anchors.jsonl"
    count = AuditRecord.objects.count()
    write_anchor(anchors)
    truncate_after(count - 3)
    assert verify_chain() is None
    broken = verify_chain(read_anchors(anchors))
    assert broken is not None and f"共 {count} 条" in str(broken)


def test_records_added_after_the_anchor_keep_it_valid_and_anchors_accumulate(cast, tmp_path):
    anchors = tmp_path / "anchors.jsonl"
    write_anchor(anchors)
    cast.advance(cast.jia1, "填报中")
    write_anchor(anchors)
    assert len(read_anchors(anchors)) == 2
    assert verify_chain(read_anchors(anchors)) is None


def test_the_cli_writes_prints_and_checks_anchors(cast, tmp_path):
    runner = CliRunner()
    anchors = tmp_path / "anchors.jsonl"
    made = runner.invoke(app, ["audit", "anchor", "--file", str(anchors)])
    assert made.exit_code == 0, made.output
    printed = json.loads(made.stdout.splitlines()[0])
    head = ChainHead.objects.get(pk=1)
    assert printed["count"] == head.seq and printed["hash"] == head.hash and printed["at"]
    assert anchors.read_text().strip() == made.stdout.splitlines()[0]
    ok = runner.invoke(app, ["audit", "verify", "--anchor", str(anchors)])
    assert ok.exit_code == 0 and "1 个锚点" in ok.output
    truncate_after(head.seq - 1)
    bad = runner.invoke(app, ["audit", "verify", "--anchor", str(anchors)])
    assert bad.exit_code == 1 and "末尾记录被删除" in bad.output


def test_a_malformed_anchor_file_is_named_with_its_line(cast, tmp_path):
    anchors = tmp_path / "anchors.jsonl"
    anchors.write_text('{"seq": 1, "hash": "ab"}\nnot json\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["audit", "verify", "--anchor", str(anchors)])
    assert result.exit_code == 2 and "anchors.jsonl:2" in result.output
