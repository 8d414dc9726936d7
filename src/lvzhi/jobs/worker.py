"""The worker process: the queue backend's own worker loop (django-tasks-db's, or RQ's SimpleWorker), plus
an upkeep thread that sweeps lost jobs, pushes jobs that never reached the queue and starts scheduled work."""

from __future__ import annotations

import logging
import os
import signal
import threading
import time

from django.conf import settings
from django.db import connection

from lvzhi.jobs import runner

log = logging.getLogger("lvzhi.jobs")


def _database_worker(*, interval: float, max_jobs: int | None) -> None:
    from django_tasks_db.management.commands.db_worker import Worker

    worker = Worker(
        queue_names=["default"],
        interval=interval,
        batch=False,
        backend_name="default",
        startup_delay=True,
        max_tasks=max_jobs,
        worker_id=runner.worker_id()[:64],
        excluded_queue_names=[],
    )
    if threading.current_thread() is threading.main_thread():
        worker.configure_signals()
    worker.run()


def _rq_worker(*, batch: bool, max_jobs: int | None) -> None:
    import django_rq
    from rq.worker import SimpleWorker

    # SimpleWorker runs the job in this process (no fork per job), so the heartbeat, the claim and a
    # SIGKILL all concern one process, as with the database worker.
    worker = django_rq.get_worker(
        "default",
        job_class="django_tasks_rq.backend.Job",
        worker_class=SimpleWorker,  # type: ignore[arg-type]  # django-rq types it with rq's own Worker class
        name=runner.worker_id(),
    )
    worker.work(burst=batch, with_scheduler=False, max_jobs=max_jobs, logging_level="WARNING")


def _drain_database() -> None:
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult
    from django_tasks_db.utils import exclusive_transaction

    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=runner.worker_id()[:64],
        excluded_queue_names=[],
    )
    # The library's claim and run, without its loop: the loop closes "old" connections, which would
    # close a caller's open transaction (a test's, or a command running inside one).
    while True:
        with exclusive_transaction():
            task = DBTaskResult.objects.ready().filter(backend_name="default").get_locked()
            if task is not None:
                task.claim(worker.worker_id)
        if task is None:
            return
        worker.run_task(task)


def drain() -> None:
    """Run every job queued now in this process and return (tests, `lvzhi worker --batch`); scheduled work
    is left to the running workers."""
    runner.sweep(schedule=False)
    if settings.LVZHI_TASKS_BACKEND == "rq":
        _rq_worker(batch=True, max_jobs=None)
    else:
        _drain_database()


def _upkeep(stop: threading.Event, every: float, parent_pid: int | None) -> None:
    try:
        while not stop.wait(every):
            if parent_pid is not None and os.getppid() != parent_pid:
                # Started by `lvzhi demo`/`serve`, whose web server is gone: stop after the current job.
                log.warning("parent process %s gone: stopping the worker", parent_pid)
                os.kill(os.getpid(), signal.SIGTERM)
                return
            try:
                found = runner.sweep()
                if any(found.values()):
                    log.info("upkeep: %s", found)
            except Exception:
                log.exception("upkeep failed; trying again in %.0f s", every)
    finally:
        connection.close()


def run(
    *,
    interval: float = 1.0,
    max_jobs: int | None = None,
    parent_pid: int | None = None,
    upkeep_every: float = 10.0,
) -> None:
    """Work until stopped (SIGTERM/SIGINT finish the current job first)."""
    runner.THREADED.set()
    log.info("worker %s on the %s queue", runner.worker_id(), settings.LVZHI_TASKS_BACKEND)
    # Lost jobs are looked for at once: a worker restarted after a crash picks its own job up again.
    for attempt in range(5):
        try:
            runner.sweep()
            break
        except Exception:
            log.exception("first upkeep failed (attempt %d)", attempt + 1)
            time.sleep(1)
    stop = threading.Event()
    thread = threading.Thread(
        target=_upkeep, args=(stop, upkeep_every, parent_pid), daemon=True, name="upkeep"
    )
    thread.start()
    try:
        if settings.LVZHI_TASKS_BACKEND == "rq":
            _rq_worker(batch=False, max_jobs=max_jobs)
        else:
            _database_worker(interval=interval, max_jobs=max_jobs)
    finally:
        stop.set()
