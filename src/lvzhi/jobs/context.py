"""What a running job's code sees: its row, the owner, its input file, progress and cancel."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection

from lvzhi.jobs.models import Job


class JobCancelled(Exception):
    """Raised at a progress point after the owner asked to cancel; the job's transaction rolls back."""


@dataclass(frozen=True)
class Outcome:
    """How a job ended well: a Chinese sentence, figures for the page, and optionally a file to download."""

    message: str
    result: dict[str, Any] = field(default_factory=dict)
    output: tuple[str, bytes] | None = None


class JobContext:
    """Progress reporting and cancel checks for one run; writes go out of the job's own transaction."""

    def __init__(self, job: Job, *, threaded: bool) -> None:
        self.job = job
        self.owner = job.owner
        self._lock = threading.Lock()
        self._pending: tuple[int, int, str] | None = None
        self.cancelled = False
        # Progress written directly only outside the job's own transaction (it would be invisible, and on
        # SQLite blocked, inside it); in a worker a heartbeat thread with its own connection writes it then.
        self._depth = len(connection.atomic_blocks)
        self.threaded = threaded

    def progress(self, done: int, total: int, phase: str = "") -> None:
        """Report n of total (and the phase in Chinese); raises JobCancelled if cancel was asked for."""
        with self._lock:
            self._pending = (done, total, phase or self.job.phase)
        if len(connection.atomic_blocks) == self._depth:
            self.flush()
        self.check_cancel()

    def check_cancel(self) -> None:
        if self.cancelled:
            raise JobCancelled()
        if len(connection.atomic_blocks) == self._depth and not self.threaded:
            self.cancelled = Job.objects.filter(pk=self.job.pk, cancel_requested=True).exists()
            if self.cancelled:
                raise JobCancelled()

    def take_pending(self) -> tuple[int, int, str] | None:
        with self._lock:
            pending, self._pending = self._pending, None
        return pending

    def flush(self) -> None:
        pending = self.take_pending()
        if pending is not None:
            done, total, phase = pending
            self.job.done, self.job.total, self.job.phase = done, total, phase
            Job.objects.filter(pk=self.job.pk).update(done=done, total=total, phase=phase)

    def input_bytes(self) -> bytes:
        with default_storage.open(self.job.input_file, "rb") as fh:
            return bytes(fh.read())

    def save_output(self, name: str, data: bytes) -> str:
        return default_storage.save(f"jobs/{self.job.pk}/{name}", ContentFile(data))
