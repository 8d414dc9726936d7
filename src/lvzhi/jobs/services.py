"""Submitting and cancelling jobs: actions taking the acting user, one transaction, one audit record each."""

from __future__ import annotations

import hashlib
from pathlib import PurePosixPath
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from lvzhi.accounts import scoping
from lvzhi.audit.services import record
from lvzhi.evaluations.errors import ActionError
from lvzhi.jobs.kinds import KINDS
from lvzhi.jobs.models import FINISHED, Job, Status


def _region_code(job: Job) -> str:
    return job.round.owner_region.code if job.round is not None else ""


def enqueue(job: Job) -> None:
    """Put the job's id on the queue; with the database queue inside the caller's transaction (atomic with
    the job row), with Redis after commit (a job row left without a queue entry is pushed again by
    the workers' sweep, see runner.sweep)."""
    from lvzhi.jobs.tasks import run_job

    def push() -> None:
        result = run_job.enqueue(str(job.pk))
        Job.objects.filter(pk=job.pk).update(task_id=str(result.id))
        job.task_id = str(result.id)

    if settings.LVZHI_TASKS_BACKEND == "database":
        push()
    else:
        transaction.on_commit(push, robust=True)


def idempotency_key(kind: str, target: str, data: bytes) -> str:
    """Content hash + what the content is for: the same file submitted twice for one target is one job."""
    return f"{kind}:{target}:{hashlib.sha256(data).hexdigest()}"


def submit(
    user: Any,
    kind: str,
    *,
    round_id: Any = None,
    params: dict[str, Any] | None = None,
    upload: tuple[str, bytes] | None = None,
) -> tuple[Job, bool]:
    """Queue a job for `user` (permission checked now and again in the worker); returns (job, created).

    An upload already submitted for the same target by the same user returns that job (created False),
    unless it failed or was cancelled.
    """
    spec = KINDS[kind]
    rnd = scoping.get_round_for(user, round_id) if spec.needs_round else None
    job = Job(kind=kind, owner=user, round=rnd, params=params or {})
    spec.authorize(user, job)
    what = f"：{upload[0]}" if upload else (f"：{rnd}" if rnd else "")
    job.title = f"{spec.label}{what}"[:255]
    if upload is not None:
        name, data = upload
        target = f"{rnd.pk if rnd else '-'}:{user.pk}"
        job.idempotency_key = idempotency_key(kind, target, data)
        same = _live_job(job.idempotency_key)
        if same is not None:
            return same, False
        job.input_name = PurePosixPath(name.replace("\\", "/")).name[:255] or "upload"
        suffix = "".join(PurePosixPath(job.input_name).suffixes[-2:])[:20]
        job.input_file = default_storage.save(f"jobs/{job.pk}/input{suffix}", ContentFile(data))
    try:
        with transaction.atomic():
            job.save(force_insert=True)
            record(
                actor=user,
                action="job.submit",
                obj=job,
                region_code=_region_code(job),
                after={"kind": kind, "input": job.input_name, "params": job.params},
            )
            enqueue(job)
    except IntegrityError:
        # The same upload submitted at the same moment from another request: that one is the job.
        same = _live_job(job.idempotency_key or "")
        if same is None:
            raise
        return same, False
    return job, True


def _live_job(key: str) -> Job | None:
    return (
        Job.objects.filter(idempotency_key=key).exclude(status__in=[Status.FAILED, Status.CANCELLED]).first()
    )


def submit_system(kind: str, title: str, params: dict[str, Any]) -> Job:
    """Queue a job the system runs itself (scheduled work): no owner, visible to administrators."""
    job = Job(kind=kind, owner=None, title=title[:255], params=params)
    with transaction.atomic():
        job.save(force_insert=True)
        record(actor=None, action="job.submit", obj=job, after={"kind": kind, "params": params})
        enqueue(job)
    return job


def cancel(user: Any, job_id: Any) -> Job:
    """Cancel a queued job at once, or ask a running one to stop at its next progress point."""
    job = scoping.get_job_for(user, job_id)
    if job.status in FINISHED:
        raise ActionError(f"任务“{job}”已{job.get_status_display()}，无法取消")
    with transaction.atomic():
        now = timezone.now()
        stopped = Job.objects.filter(pk=job.pk, status=Status.QUEUED).update(
            status=Status.CANCELLED,
            cancel_requested=True,
            finished_at=now,
            message="已取消（尚未开始执行，未写入任何数据）。",
        )
        if not stopped:
            Job.objects.filter(pk=job.pk, status=Status.RUNNING).update(cancel_requested=True)
        record(
            actor=user,
            action="job.cancel",
            obj=job,
            region_code=_region_code(job),
            before={"status": job.status},
            after={"cancel_requested": True},
        )
    job.refresh_from_db()
    return job
