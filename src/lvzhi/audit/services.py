"""Append to and verify the hash-chained audit log.

Each record's hash = sha256(previous hash + canonical JSON of every field of the record). Anchors (the head's
count and hash written to a file outside the database, daily and on demand) make truncation and rewriting
detectable too (see write_anchor). Appends are serialised by
locking the single chain-head row (select_for_update: a row lock on PostgreSQL; on SQLite the write
transaction itself is exclusive), so two concurrent actions can never fork the chain.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import Any

from django.conf import settings
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
    # Every stored column except the hash itself (prev_hash enters as the prefix of the hashed text):
    # a change to any of them, the linked user id and the evaluation/round the record is about included,
    # breaks the record's hash.
    return {
        "seq": rec.seq,
        "at": rec.at.astimezone(UTC).isoformat(),
        "actor": rec.actor_username,
        "actor_id": rec.actor_id,
        "action": rec.action,
        "object_type": rec.object_type,
        "object_id": rec.object_id,
        "object_repr": rec.object_repr,
        "region": rec.region_code,
        "evaluation_id": rec.evaluation_id,
        "round_id": rec.round_id,
        "before": rec.before,
        "after": rec.after,
    }


def compute_hash(prev_hash: str, rec: AuditRecord) -> str:
    """sha256 over the previous hash and the record's canonical JSON."""
    return hashlib.sha256((prev_hash + _canonical(_fields(rec))).encode("utf-8")).hexdigest()


def subject_of(obj: Any) -> tuple[int | None, int | None]:
    """(evaluation id, round id) of the object a record is about, for deciding who may read the record.

    An evaluation, or anything hanging off one (a value, a score, evidence, a problem and its measures and
    progress), is about that evaluation; a round or an expert assignment is about the round.
    """
    if obj is None:
        return None, None
    if obj._meta.label_lower == "evaluations.evaluation":
        return obj.pk, obj.round_id
    for path in ("evaluation", "problem__evaluation", "measure__problem__evaluation"):
        holder = obj
        for step in path.split("__")[:-1]:
            holder = getattr(holder, step, None)
            if holder is None:
                break
        ev_id = getattr(holder, "evaluation_id", None) if holder is not None else None
        if ev_id is not None:
            return ev_id, None
    if obj._meta.label_lower == "evaluations.round":
        return None, obj.pk
    return None, getattr(obj, "round_id", None)


def _new_record(actor: Any, seq: int, at: Any, prev_hash: str, entry: dict[str, Any]) -> AuditRecord:
    """One record from record()'s keywords, hashed onto prev_hash."""
    require_registered(entry["action"])
    obj = entry.get("obj")
    evaluation_id, round_id = subject_of(obj)
    username = getattr(actor, "username", "") if actor is not None else ""
    rec = AuditRecord(
        seq=seq,
        # Truncated to microseconds already; stored as is on both databases.
        at=at,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_username=username or "系统",
        action=entry["action"],
        object_type=entry.get("object_type") or (obj._meta.label_lower if obj is not None else ""),
        object_id=entry.get("object_id") or (str(obj.pk) if obj is not None else ""),
        object_repr=(entry.get("object_repr") or (str(obj) if obj is not None else ""))[:255],
        region_code=entry.get("region_code", ""),
        evaluation_id=evaluation_id,
        round_id=round_id,
        before=to_json_value(entry.get("before")),
        after=to_json_value(entry.get("after")),
        prev_hash=prev_hash,
    )
    rec.hash = compute_hash(prev_hash, rec)
    return rec


def acting_user_or_none(user: Any) -> Any:
    """The acting user as a stored "by" field holds it: None for the system (an action run without a saved
    user, as in `lvzhi init`), which no foreign key can name."""
    return user if getattr(user, "pk", None) else None


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
    entry = {
        "action": action,
        "obj": obj,
        "object_type": object_type,
        "object_id": object_id,
        "object_repr": object_repr,
        "region_code": region_code,
        "before": before,
        "after": after,
    }
    head, _ = ChainHead.objects.select_for_update().get_or_create(pk=1)
    rec = _new_record(actor, head.seq + 1, timezone.now(), head.hash or GENESIS, entry)
    rec.save()
    head.seq = rec.seq
    head.hash = rec.hash
    head.save(update_fields=["seq", "hash"])
    return rec


def _records(chunk: int = 2000) -> Iterator[AuditRecord]:
    return AuditRecord.objects.order_by("seq").iterator(chunk_size=chunk)


@dataclass(frozen=True)
class Anchor:
    """The chain's head at one moment, kept outside the database: (count, head hash, when)."""

    seq: int
    hash: str
    at: str

    def line(self) -> str:
        return json.dumps(
            {"seq": self.seq, "count": self.seq, "hash": self.hash, "at": self.at}, sort_keys=True
        )


def default_anchor_file() -> Path:
    """Where `lvzhi audit anchor` appends (LVZHI_AUDIT_ANCHOR_FILE, else var/audit-anchors.jsonl)."""
    configured = getattr(settings, "LVZHI_AUDIT_ANCHOR_FILE", "")
    return Path(configured) if configured else Path(settings.VAR_DIR) / "audit-anchors.jsonl"


def write_anchor(path: Path | None = None) -> Anchor:
    """Append the chain head (count, hash, time) to the anchor file and return it.

    For the daily scheduled job (lvzhi.audit.services.write_anchor, no arguments needed) and for
    `lvzhi audit anchor`. The file is only ever appended to; keep a copy elsewhere too (print it, mail it,
    or point LVZHI_AUDIT_ANCHOR_FILE at storage the database administrator cannot rewrite): an anchor proves
    that nothing up to its record changed or vanished, which a chain alone cannot (whoever can rewrite the
    table can recompute every later hash, or delete the tail and rewind the head).
    """
    head = ChainHead.objects.filter(pk=1).first()
    anchor = Anchor(
        seq=head.seq if head else 0,
        hash=(head.hash if head else "") or GENESIS,
        at=timezone.now().astimezone(UTC).isoformat(timespec="seconds"),
    )
    target = path or default_anchor_file()
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("a", encoding="utf-8") as fh:
        fh.write(anchor.line() + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    return anchor


def read_anchors(path: Path) -> list[Anchor]:
    """The anchors of a file written by write_anchor; ValueError (Chinese, with the line) on a malformed line."""
    anchors = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            anchors.append(Anchor(int(data["seq"]), str(data["hash"]), str(data.get("at", ""))))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{n}: 不是有效的审计锚点记录（{exc}）") from None
    return anchors


def verify_chain(anchors: Iterable[Anchor] = ()) -> ChainBreak | None:
    """Recompute every hash in order; return the first broken link, or None when the chain is intact.

    With anchors, also prove that each anchored record is still there with the anchored hash: editing a
    record and recomputing every later hash, or deleting the last records and rewinding the head, changes
    or removes an anchored record.
    """
    pending = sorted(anchors, key=lambda a: a.seq)
    pending_at = 0
    prev_hash = GENESIS
    expected_seq = 1
    while pending_at < len(pending) and pending[pending_at].seq == 0:
        if pending[pending_at].hash != GENESIS:
            return ChainBreak(0, "锚点记载的空链哈希不符")
        pending_at += 1
    for rec in _records():
        if rec.seq != expected_seq:
            return ChainBreak(expected_seq, f"缺少第 {expected_seq} 条记录（记录被删除）")
        if rec.prev_hash != prev_hash:
            return ChainBreak(rec.seq, "前一条记录的哈希不符（记录被删除或替换）")
        if compute_hash(prev_hash, rec) != rec.hash:
            return ChainBreak(rec.seq, "记录内容与其哈希不符（记录被修改）")
        while pending_at < len(pending) and pending[pending_at].seq == rec.seq:
            anchor = pending[pending_at]
            if anchor.hash != rec.hash:
                return ChainBreak(
                    rec.seq, f"与 {anchor.at} 的锚点不符：该记录或之前的记录被修改后重新计算了哈希"
                )
            pending_at += 1
        prev_hash = rec.hash
        expected_seq += 1
    last_seq = expected_seq - 1
    if pending_at < len(pending):
        anchor = pending[pending_at]
        return ChainBreak(
            last_seq + 1,
            f"{anchor.at} 的锚点记载共 {anchor.seq} 条记录，现在只有 {last_seq} 条（末尾记录被删除）",
        )
    head = ChainHead.objects.filter(pk=1).first()
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
    prev = head.hash or GENESIS
    seq = head.seq
    now = timezone.now()
    records = []
    for e in entries:
        seq += 1
        rec = _new_record(actor, seq, now, prev, e)
        prev = rec.hash
        records.append(rec)
    AuditRecord.objects.bulk_create(records, batch_size=500)
    head.seq, head.hash = seq, prev
    head.save(update_fields=["seq", "hash"])
    return len(records)
