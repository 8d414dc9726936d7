"""Evidence actions (attach, remove: each one transaction with its audit record) and scoped queries."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, BinaryIO

from django.core.files import File
from django.core.files.storage import FileSystemStorage
from django.db import IntegrityError, transaction

from lvzhi.accounts.scoping import Forbidden, NotFound, Perm, can, evaluations_for, get_evaluation_for
from lvzhi.audit.services import acting_user_or_none, record
from lvzhi.evaluations import gateway, rescoring
from lvzhi.evaluations.errors import ActionError, NotEditable
from lvzhi.evaluations.locks import lock_evaluation
from lvzhi.evaluations.models import Evaluation
from lvzhi.evaluations.workflow import EDITABLE_STATES
from lvzhi.evidence import storage
from lvzhi.evidence.models import Evidence, StoredFile
from lvzhi.evidence.storage import FileRefused
from lvzhi.site.errors import parse_id

__all__ = [
    "FileRefused",
    "Reuse",
    "do_attach_evidence",
    "do_remove_evidence",
    "evidence_for",
    "get_evidence_for",
    "reuse_for",
]


@dataclass(frozen=True)
class Reuse:
    """Another place the same file was offered as evidence."""

    evaluation_id: int
    region: str
    year: int
    round: str
    indicator_code: str
    name: str


def _check_editable(acting_user: Any, ev: Evaluation) -> None:
    if not can(acting_user, ev, Perm.FILL):
        raise Forbidden(f"您没有为“{ev}”上传或删除证明材料的权限")
    if ev.state not in EDITABLE_STATES:
        raise NotEditable(f"“{ev}”当前状态为“{ev.state}”，证明材料已锁定，不能修改")


def _snapshot(evidence: Evidence) -> dict[str, Any]:
    return {
        "indicator": evidence.indicator_code,
        "name": evidence.name,
        "sha256": evidence.file.sha256,
        "size": evidence.file.size,
        "kind": evidence.file.kind,
        "note": evidence.note,
    }


def _other_uses(evidence: Evidence) -> list[Evidence]:
    return list(
        Evidence.objects.filter(file_id=evidence.file_id)
        .exclude(pk=evidence.pk)
        .exclude(evaluation_id=evidence.evaluation_id)
        .select_related("evaluation__region", "evaluation__round")
        .order_by("evaluation__round__year", "evaluation__region__code")
    )


def do_attach_evidence(
    *,
    acting_user: Any,
    evaluation: Evaluation,
    indicator_code: str,
    name: str,
    content: bytes | BinaryIO | File[bytes],
    note: str = "",
) -> Evidence:
    """Store an uploaded file by its sha256 and attach it to one indicator of the evaluation (audited).

    Order matters, so a refused upload writes nothing: permission and state are checked before the content
    is read; the content is streamed to a staging file (never more than the size limit) and checked there;
    it moves under its hash only as the last step of the transaction that records it. A staging file left by
    a crash, or a stored file whose transaction then failed to commit, is removed by cleanup_orphan_files.
    """
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:255]
    current = Evaluation.objects.select_related("round", "region").get(pk=evaluation.pk)
    _check_editable(acting_user, current)
    info = gateway.scheme_info(current.round.scheme_version.yaml_text)
    if not any(leaf.code == indicator_code for leaf in info.leaves):
        raise ActionError(f"方案中没有代码为 {indicator_code} 的末级指标")
    staged = storage.stage(name, content)
    try:
        with transaction.atomic():
            ev = lock_evaluation(evaluation)
            _check_editable(acting_user, ev)
            evidence = _attach_row(acting_user, ev, indicator_code, name, note, staged)
            storage.publish(staged)
            return evidence
    finally:
        storage.discard(staged)  # nothing left once published; the refused or failed upload's copy otherwise


def _attach_row(
    acting_user: Any, ev: Evaluation, indicator_code: str, name: str, note: str, staged: storage.Staged
) -> Evidence:
    stored, _ = StoredFile.objects.get_or_create(
        sha256=staged.sha256,
        defaults={"size": staged.size, "kind": storage.EXTENSIONS[Path(name).suffix.lower()]},
    )
    if Evidence.objects.filter(evaluation=ev, indicator_code=indicator_code, file=stored).exists():
        raise ActionError(f"“{name}”已作为指标 {indicator_code} 的证明材料上传过（内容相同）")
    try:
        with transaction.atomic():
            evidence = Evidence.objects.create(
                evaluation=ev,
                indicator_code=indicator_code,
                file=stored,
                name=name,
                note=note,
                uploaded_by=acting_user_or_none(acting_user),
            )
    except IntegrityError as exc:  # a concurrent upload of the same file won the race
        raise ActionError(f"“{name}”已作为指标 {indicator_code} 的证明材料上传过（内容相同）") from exc
    after = _snapshot(evidence)
    # A count only: the record is read by everyone who may view this evaluation, and the other uses may
    # lie outside their scope (pages show reuse per reader through reuse_for).
    after["reused_elsewhere"] = len(_other_uses(evidence))
    record(
        actor=acting_user,
        action="evidence.attach",
        obj=evidence,
        object_repr=f"{ev} · {indicator_code} · {name}",
        region_code=ev.region.code,
        after=after,
    )
    rescoring.rescore(ev)
    return evidence


@dataclass(frozen=True)
class Cleanup:
    """What cleanup_orphan_files removed (or, in a dry run, would remove)."""

    files: tuple[str, ...]  # local paths (staging, local disk) or object names
    bytes: int


def cleanup_orphan_files(*, older_than: timedelta = timedelta(hours=1), dry_run: bool = False) -> Cleanup:
    """Remove files in the evidence store that no stored-file row names, older than `older_than`.

    For the periodic clean-up job (lvzhi.evidence.services.cleanup_orphan_files, default arguments) and for
    `lvzhi evidence cleanup`. Removes staging files of uploads that never finished (a crash, a killed
    worker), temporary writes, and files whose transaction failed to commit after the file was moved into
    place. The age limit leaves alone an upload in progress right now. Files that rows name — evidence
    and rectification files, current or detached (the audit log refers to them) — are never touched.
    """
    cutoff = time.time() - older_than.total_seconds()
    known = set(StoredFile.objects.values_list("sha256", flat=True))
    removed: list[str] = []
    total = 0
    for path in storage.staged_files():  # staging is on this machine's disk
        try:
            stat = path.stat()
        except FileNotFoundError:
            continue
        if stat.st_mtime > cutoff:
            continue
        if not dry_run:
            path.unlink(missing_ok=True)
        removed.append(str(path))
        total += stat.st_size
    store = storage.backend()
    for name, file_name in storage.stored_files():
        if file_name in known:
            continue
        try:
            modified, size = store.get_modified_time(name).timestamp(), store.size(name)
        except FileNotFoundError:
            continue
        if modified > cutoff:
            continue
        if not dry_run:
            store.delete(name)
        # On the local disk its path (as the CLI lists it); in an object store its name.
        removed.append(store.path(name) if isinstance(store, FileSystemStorage) else name)
        total += size
    return Cleanup(tuple(removed), total)


def do_remove_evidence(*, acting_user: Any, evidence: Evidence) -> None:
    """Detach a file from its indicator (the stored content stays: other uses and the audit refer to it)."""
    with transaction.atomic():
        ev = lock_evaluation(evidence.evaluation)
        _check_editable(acting_user, ev)
        row = Evidence.objects.select_for_update().select_related("file").filter(pk=evidence.pk).first()
        if row is None:
            raise NotFound("证明材料")
        before = _snapshot(row)
        record(
            actor=acting_user,
            action="evidence.remove",
            obj=row,
            object_repr=f"{ev} · {row.indicator_code} · {row.name}",
            region_code=ev.region.code,
            before=before,
        )
        row.delete()
        rescoring.rescore(ev)


def evidence_for(user: Any, evaluation_id: Any) -> list[Evidence]:
    """The evaluation's evidence, if the user may see the evaluation (else NotFound)."""
    ev = get_evaluation_for(user, evaluation_id)
    return list(Evidence.objects.filter(evaluation=ev).select_related("file", "uploaded_by"))


def get_evidence_for(user: Any, evidence_id: Any) -> Evidence:
    """One evidence row if its evaluation is visible to the user, else NotFound."""
    pk = parse_id(evidence_id)
    if pk is None:
        raise NotFound("证明材料")
    visible = evaluations_for(user).values("pk")
    row = (
        Evidence.objects.select_related("file", "evaluation__region", "evaluation__round")
        .filter(pk=pk, evaluation__in=visible)
        .first()
    )
    if row is None:
        raise NotFound("证明材料")
    return row


def reuse_for(user: Any, evidence: Evidence) -> tuple[list[Reuse], int]:
    """Other regions/years where the same file was used: the ones this user may see, and how many it may not."""
    others = _other_uses(evidence)
    visible = set(
        evaluations_for(user).filter(pk__in=[o.evaluation_id for o in others]).values_list("pk", flat=True)
    )
    shown = [
        Reuse(
            o.evaluation_id,
            o.evaluation.region.name,
            o.evaluation.round.year,
            o.evaluation.round.name,
            o.indicator_code,
            o.name,
        )
        for o in others
        if o.evaluation_id in visible
    ]
    return shown, len(others) - len(shown)


def evidence_names(evaluation_ids: list[int]) -> Mapping[tuple[int, str], tuple[str, ...]]:
    """For scoring: the file names attached to each (evaluation id, indicator code)."""
    found: dict[tuple[int, str], tuple[str, ...]] = {}
    for ev_id, code, name in Evidence.objects.filter(evaluation_id__in=evaluation_ids).values_list(
        "evaluation_id", "indicator_code", "name"
    ):
        found[(ev_id, code)] = (*found.get((ev_id, code), ()), name)
    return found
