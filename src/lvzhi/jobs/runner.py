"""Running jobs in a worker: claim, re-check the owner's permission, run, record the end; and the sweep that
finds jobs whose worker died (SIGKILL, power loss) and queues them again or marks them failed with the reason.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import traceback
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import close_old_connections, connection, transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone
from django.utils.crypto import get_random_string

from lvzhi.audit.services import record
from lvzhi.jobs.context import JobCancelled, JobContext, Outcome
from lvzhi.jobs.kinds import KINDS
from lvzhi.jobs.models import Job, JobRun, Status

log = logging.getLogger("lvzhi.jobs")

HOST = socket.gethostname()
_worker_id: list[str] = []
# Set by the worker loop: progress then goes out through a heartbeat thread with its own connection.
THREADED = threading.Event()


def worker_id() -> str:
    """host:pid:random — unique per worker process; host and pid let a sweep on this host see it died."""
    if not _worker_id or _worker_id[0].split(":")[1] != str(os.getpid()):
        _worker_id[:] = [f"{HOST}:{os.getpid()}:{get_random_string(6)}"]
    return _worker_id[0]


class _Heartbeat(threading.Thread):
    """Every few seconds: the job's heartbeat and progress out of its transaction; a cancel request in."""

    def __init__(self, ctx: JobContext, every: float = 1.0) -> None:
        super().__init__(daemon=True, name=f"heartbeat-{ctx.job.pk}")
        self.ctx = ctx
        self.every = every
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopped.wait(self.every):
                self.beat()
        finally:
            connection.close()

    def beat(self) -> None:
        fields: dict[str, Any] = {"heartbeat_at": timezone.now()}
        pending = self.ctx.take_pending()
        if pending is not None:
            fields.update(done=pending[0], total=pending[1], phase=pending[2])
        try:
            Job.objects.filter(pk=self.ctx.job.pk).update(**fields)
            if Job.objects.filter(pk=self.ctx.job.pk, cancel_requested=True).exists():
                self.ctx.cancelled = True
        except Exception:  # a busy SQLite writer: the next beat tries again
            log.debug("heartbeat of job %s skipped", self.ctx.job.pk, exc_info=True)
            close_old_connections()


def execute(job_id: str, me: str) -> str:
    """Run one delivered job unless another worker claimed it or it was cancelled; returns how it ended."""
    job = Job.objects.filter(pk=job_id).first()
    if job is None:
        return "missing"
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status=Status.QUEUED, cancel_requested=False).update(
        status=Status.RUNNING,
        attempts=F("attempts") + 1,
        worker_id=me,
        started_at=now,
        heartbeat_at=now,
        phase="开始",
    )
    JobRun.objects.create(job_id=job_id, worker_id=me, claimed=bool(claimed))
    if not claimed:
        return "skipped"
    job.refresh_from_db()
    ctx = JobContext(job, threaded=THREADED.is_set())
    beat = _Heartbeat(ctx) if ctx.threaded else None
    if beat is not None:
        beat.start()
    errors: list[str] = []
    try:
        outcome = _run(job, ctx)
    except JobCancelled:
        return _finish(job, me, Status.CANCELLED, "已按要求取消，本任务未写入任何数据。")
    except (Http404, PermissionDenied) as exc:
        return _finish(job, me, Status.FAILED, f"无权执行此任务：{exc}")
    except Exception as exc:
        message, errors = _explain(exc)
        log.warning("job %s failed: %s", job.pk, message, exc_info=not errors)
        return _finish(job, me, Status.FAILED, message, errors=errors)
    finally:
        if beat is not None:
            beat.stopped.set()
            beat.join()
    result, output = dict(outcome.result), ""
    if outcome.output is not None:
        output = ctx.save_output(*outcome.output)
        result["file_name"] = outcome.output[0]
    return _finish(job, me, Status.SUCCEEDED, outcome.message, result=result, output=output)


def _run(job: Job, ctx: JobContext) -> Outcome:
    owner = job.owner
    if owner is not None and not owner.is_active:
        raise PermissionDenied("提交任务的用户已停用")
    spec = KINDS.get(job.kind)
    if spec is None:
        raise ValueError(f"未知的任务类型 {job.kind}")
    # The worker trusts nothing the web request decided: the owner's permission is checked again now.
    spec.authorize(owner, job)
    return spec.run(ctx)


def _explain(exc: Exception) -> tuple[str, list[str]]:
    """The error of a failed job in Chinese: the listed problems of bad input, else what went wrong."""
    from lvzhi.entry.workbook import WorkbookInvalid
    from lvzhi.evaluations.errors import ActionError, ValidationFailed

    if isinstance(exc, WorkbookInvalid):
        return f"有 {len(exc.errors)} 处错误，未写入任何数据。请按下列提示修改后重新提交。", list(
            exc.errors[:500]
        )
    if isinstance(exc, ValidationFailed):
        return "数据未通过校验，未写入任何数据。", [str(i) for i in exc.issues[:500]]
    if isinstance(exc, (ActionError, ValueError)):
        return f"未完成：{exc}", []
    tail = traceback.format_exception_only(type(exc), exc)[-1].strip()
    return f"任务出错，未写入任何数据（内部错误：{tail}）。请联系系统管理员。", []


def _finish(
    job: Job,
    me: str,
    status: str,
    message: str,
    *,
    result: dict[str, Any] | None = None,
    errors: list[str] | None = None,
    output: str = "",
) -> str:
    with transaction.atomic():
        # Only the worker that holds the claim ends the job (a sweep may have given it to another).
        ended = Job.objects.filter(pk=job.pk, status=Status.RUNNING, worker_id=me).update(
            status=status,
            message=message,
            result=result or {},
            errors=errors or [],
            output_file=output,
            finished_at=timezone.now(),
            heartbeat_at=timezone.now(),
            **({"done": F("total")} if status == Status.SUCCEEDED else {}),
        )
        if ended:
            record(
                actor=job.owner,
                action=f"job.{status}",
                obj=job,
                region_code=job.round.owner_region.code if job.round is not None else "",
                after={"message": message, "errors": len(errors or []), "output": output},
            )
    return status


# ---------------------------------------------------------------------------------------------- the sweep


def _alive_here(wid: str) -> bool | None:
    """Whether the worker process is alive, when it ran on this host (None: another host, cannot tell)."""
    parts = wid.split(":")
    if len(parts) < 2 or parts[0] != HOST or not parts[1].isdigit():
        return None
    stat = Path(f"/proc/{parts[1]}/stat")
    try:
        # A killed child not yet waited for is a zombie: dead, though its pid still answers signals.
        return stat.read_text().split(") ", 1)[1][:1] not in ("Z", "X")
    except (FileNotFoundError, IndexError):
        return False
    except OSError:
        return True


def reap(now: Any = None) -> list[str]:
    """Running jobs whose worker is gone: queued again (attempts left) or failed with the reason."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.LVZHI_JOB_STALE_SECONDS)
    lost: list[str] = []
    for job in Job.objects.filter(status=Status.RUNNING).select_related("round__owner_region", "owner"):
        alive = _alive_here(job.worker_id)
        if alive or (alive is None and job.heartbeat_at and job.heartbeat_at > stale):
            continue
        why = "工作进程在执行中意外终止（进程已不存在）" if alive is False else "工作进程超过时限没有响应"
        again = job.attempts < job.max_attempts and not job.cancel_requested
        with transaction.atomic():
            fields: dict[str, Any]
            if again:
                fields = {"status": Status.QUEUED, "phase": "", "done": 0, "task_id": ""}
                message = f"{why}；第 {job.attempts} 次执行未完成，未写入任何数据，已重新排队。"
            else:
                fields = {"status": Status.FAILED, "finished_at": now}
                message = f"{why}；已执行 {job.attempts} 次仍未完成，未写入任何数据。请重新提交。"
            taken = Job.objects.filter(pk=job.pk, status=Status.RUNNING, worker_id=job.worker_id).update(
                message=message, **fields
            )
            if not taken:
                continue
            _forget_delivery(job)
            record(
                actor=job.owner,
                action="job.requeued" if again else "job.failed",
                obj=job,
                region_code=job.round.owner_region.code if job.round is not None else "",
                before={"worker": job.worker_id, "attempts": job.attempts},
                after={"message": message},
            )
            if again:
                from lvzhi.jobs.services import enqueue

                enqueue(job)
        lost.append(str(job.pk))
    return lost


def _forget_delivery(job: Job) -> None:
    """The database queue keeps a dead worker's task 'running' forever; close it so the queue tells the truth."""
    if settings.LVZHI_TASKS_BACKEND != "database" or not job.task_id:
        return
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(id=job.task_id, status="RUNNING").update(
        status="FAILED",
        finished_at=timezone.now(),
        exception_class_path="lvzhi.jobs.WorkerLost",
        traceback=f"worker {job.worker_id} died",
    )


def sweep(schedule: bool = True) -> dict[str, list[str]]:
    """One round of upkeep, done by every worker: lost jobs, jobs never put on the queue, scheduled work."""
    from lvzhi.jobs.schedule import due
    from lvzhi.jobs.services import enqueue

    unqueued: list[str] = []
    cutoff = timezone.now() - timedelta(seconds=30)
    for job in Job.objects.filter(status=Status.QUEUED, task_id="", created_at__lt=cutoff):
        # The web process died between its commit and the push to Redis: push it now.
        with transaction.atomic():
            enqueue(job)
        unqueued.append(str(job.pk))
    return {"lost": reap(), "unqueued": unqueued, "scheduled": due() if schedule else []}
