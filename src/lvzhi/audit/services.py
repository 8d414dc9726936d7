"""Append to and verify the hash-chained audit log.

Each record's hash = sha256(previous hash + canonical JSON of the record). Appends are serialised by
locking the single chain-head row (select_for_update: a row lock on PostgreSQL; on SQLite the write
transaction itself is exclusive), so two concurrent actions can never fork the chain.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from lvzhi.audit.codes import require_registered
from lvzhi.audit.models import AuditRecord, ChainHead

GENESIS = "0" * 64


@dataclass(frozen=True)
class ChainBreak:
    """The first record at which the chain no longer verifies."""

    seq: int
    reason: str

    def __str__(self) -> str:
        return f"审计链在第 {self.seq} 条记录处断裂：{self.reason}"


def to_json_value(value: Any) -> Any:
    """Plain JSON data as it will come back from the database (Decimals and dates become strings)."""
    if value is None:
        return None
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def _canonical(fields: dict[str, Any]) -> str:
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _fields(rec: AuditRecord) -> dict[str, Any]:
    return {
        "seq": rec.seq,
        "at": rec.at.astimezone(UTC).isoformat(),
        "actor": rec.actor_username,
        "action": rec.action,
        "object_type": rec.object_type,
        "object_id": rec.object_id,
        "object_repr": rec.object_repr,
        "region": rec.region_code,
        "before": rec.before,
        "after": rec.after,
    }


def compute_hash(prev_hash: str, rec: AuditRecord) -> str:
    """sha256 over the previous hash and the record's canonical JSON."""
    return hashlib.sha256((prev_hash + _canonical(_fields(rec))).encode("utf-8")).hexdigest()


def record(
    *,
    actor: Any,
    action: str,
    obj: Any = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    region_code: str = "",
    before: Any = None,
    after: Any = None,
) -> AuditRecord:
    """Append one audit record; must run inside the caller's transaction."""
    conn = transaction.get_connection()
    if not conn.in_atomic_block:
        raise RuntimeError("audit.record() must run inside the action's transaction.atomic() block")
    require_registered(action)
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:255]
    head, _ = ChainHead.objects.select_for_update().get_or_create(pk=1)
    username = getattr(actor, "username", "") if actor is not None else ""
    rec = AuditRecord(
        seq=head.seq + 1,
        # Truncated to microseconds already; stored as is on both databases.
        at=timezone.now(),
        actor=actor if getattr(actor, "pk", None) else None,
        actor_username=username or "系统",
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:255],
        region_code=region_code,
        before=to_json_value(before),
        after=to_json_value(after),
        prev_hash=head.hash or GENESIS,
    )
    rec.hash = compute_hash(rec.prev_hash, rec)
    rec.save()
    head.seq = rec.seq
    head.hash = rec.hash
    head.save(update_fields=["seq", "hash"])
    return rec


def _records(chunk: int = 2000) -> Iterator[AuditRecord]:
    return AuditRecord.objects.order_by("seq").iterator(chunk_size=chunk)


def verify_chain() -> ChainBreak | None:
    """Recompute every hash in order; return the first broken link, or None when the chain is intact."""
    prev_hash = GENESIS
    expected_seq = 1
    for rec in _records():
        if rec.seq != expected_seq:
            return ChainBreak(expected_seq, f"缺少第 {expected_seq} 条记录（记录被删除）")
        if rec.prev_hash != prev_hash:
            return ChainBreak(rec.seq, "前一条记录的哈希不符（记录被删除或替换）")
        if compute_hash(prev_hash, rec) != rec.hash:
            return ChainBreak(rec.seq, "记录内容与其哈希不符（记录被修改）")
        prev_hash = rec.hash
        expected_seq += 1
    head = ChainHead.objects.filter(pk=1).first()
    last_seq = expected_seq - 1
    if head is not None and (head.seq != last_seq or (head.hash or GENESIS) != prev_hash):
        return ChainBreak(
            last_seq + 1, f"链头记载共 {head.seq} 条记录，实际只有 {last_seq} 条（末尾记录被删除）"
        )
    return None


def record_many(*, actor: Any, entries: list[dict[str, Any]]) -> int:
    """Append many records under one lock of the chain head (bulk actions); each entry takes record()'s keywords."""
    conn = transaction.get_connection()
    if not conn.in_atomic_block:
        raise RuntimeError("audit.record_many() must run inside the action's transaction.atomic() block")
    if not entries:
        return 0
    for e in entries:
        require_registered(e["action"])
    head, _ = ChainHead.objects.select_for_update().get_or_create(pk=1)
    username = (getattr(actor, "username", "") if actor is not None else "") or "系统"
    prev = head.hash or GENESIS
    seq = head.seq
    now = timezone.now()
    records = []
    for e in entries:
        seq += 1
        obj = e.get("obj")
        rec = AuditRecord(
            seq=seq,
            at=now,
            actor=actor if getattr(actor, "pk", None) else None,
            actor_username=username,
            action=e["action"],
            object_type=e.get("object_type") or (obj._meta.label_lower if obj is not None else ""),
            object_id=e.get("object_id") or (str(obj.pk) if obj is not None else ""),
            object_repr=(e.get("object_repr") or (str(obj) if obj is not None else ""))[:255],
            region_code=e.get("region_code", ""),
            before=to_json_value(e.get("before")),
            after=to_json_value(e.get("after")),
            prev_hash=prev,
        )
        rec.hash = compute_hash(prev, rec)
        prev = rec.hash
        records.append(rec)
    AuditRecord.objects.bulk_create(records, batch_size=500)
    head.seq, head.hash = seq, prev
    head.save(update_fields=["seq", "hash"])
    return len(records)
