"""Real worker processes on one queue: the database queue on PostgreSQL, and the Redis queue.

Each test starts `lvzhi worker` processes against the test database (they need real concurrent connections,
so the PostgreSQL pass runs them; on SQLite they are skipped) and, for Redis, a queue in the Redis database
named by LVZHI_TEST_REDIS_URL (default redis://127.0.0.1:6379/5; skipped when no server answers).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from decimal import Decimal

import pytest
from django.db import connection
from jobs_support import filled_item_template, start_worker, stop, wait_until, worker_env

from lvzhi.audit.models import AuditRecord
from lvzhi.evaluations.models import DataValue
from lvzhi.jobs import services
from lvzhi.jobs.models import Job, JobRun, Status

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

REDIS_URL = os.environ.get("LVZHI_TEST_REDIS_URL", "redis://127.0.0.1:6379/5")
N = 200
KIND = "rescore_round"


@pytest.fixture
def postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL: worker processes share the test database (runs in the PostgreSQL pass)"
        )


@pytest.fixture
def redis_queue() -> str:
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"no Redis server answers at {REDIS_URL}")
    client.flushdb()  # this test's own Redis database: the queue starts empty
    return REDIS_URL


def submit_in_process(env: dict[str, str], round_id: int, username: str, n: int) -> None:
    """Submit n re-score jobs from a process configured like a web node with this queue."""
    code = (
        "import django; django.setup()\n"
        "from lvzhi.accounts.models import User\n"
        "from lvzhi.jobs.services import submit\n"
        f"user = User.objects.get(username={username!r})\n"
        f"for _ in range({n}): submit(user, 'rescore_round', round_id={round_id})\n"
    )
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=300)


def run_two_workers(env: dict[str, str], cast) -> None:
    workers = [start_worker(env), start_worker(env)]
    try:
        wait_until(
            lambda: Job.objects.filter(kind=KIND, status__in=[Status.SUCCEEDED, Status.FAILED]).count() == N,
            timeout=300,
            what=f"{N} jobs to finish",
        )
    finally:
        for w in workers:
            stop(w)
    # The workers also start the day's scheduled work on their own; those jobs are not counted here.
    jobs = list(Job.objects.filter(kind=KIND))
    assert len(jobs) == N and {j.status for j in jobs} == {Status.SUCCEEDED}, Counter(j.message for j in jobs)
    runs = list(JobRun.objects.filter(job__kind=KIND).values_list("job_id", "worker_id", "claimed"))
    # None twice: each job was delivered once and claimed once; none lost: all N ran.
    assert Counter(job_id for job_id, _, _ in runs) == {j.pk: 1 for j in jobs}
    assert all(claimed for _, _, claimed in runs)
    assert len({worker for _, worker, _ in runs}) == 2, "both workers took jobs from the one queue"
    assert AuditRecord.objects.filter(action="round.rescore").count() == N


def test_two_workers_on_the_database_queue_run_200_jobs_none_twice_none_lost(postgres, cast, tmp_path):
    env = worker_env(tmp_path)
    submit_in_process(env, cast.round.pk, "prov_office", N)
    run_two_workers(env, cast)


def test_two_workers_on_the_redis_queue_run_200_jobs_none_twice_none_lost(
    postgres, redis_queue, cast, tmp_path
):
    env = worker_env(tmp_path, LVZHI_TASKS_BACKEND="rq", LVZHI_REDIS_URL=redis_queue)
    submit_in_process(env, cast.round.pk, "prov_office", N)
    assert not Job.objects.filter(
        kind=KIND, task_id=""
    ).exists()  # every job reached Redis from the submitting process
    run_two_workers(env, cast)


# Holds the import inside its transaction, after every value is written and before the commit.
HOLD = """
import pathlib, time
from lvzhi.evaluations import rescoring
_real = rescoring.rescore_round
def rescore_round(rnd):
    _real(rnd)
    pathlib.Path({marker!r}).write_text("written, not committed")
    time.sleep(120)
rescoring.rescore_round = rescore_round
"""


def test_a_worker_killed_mid_import_leaves_the_database_as_before_and_the_job_is_retried(
    postgres, cast, tmp_path
):
    env = worker_env(tmp_path)
    data = filled_item_template(cast, cast.jia1_filler, "990101", {"kg_public_share": "61.5"})
    job, _ = services.submit(
        cast.jia1_filler, "import_workbook", round_id=cast.round.pk, upload=("甲.xlsx", data)
    )
    imports = AuditRecord.objects.exclude(action__startswith="job.")  # the workers' scheduled jobs aside
    before = (DataValue.objects.count(), imports.count())
    marker = tmp_path / "held"
    doomed = start_worker(env, prelude=HOLD.format(marker=str(marker)))
    try:
        wait_until(marker.exists, timeout=120, what="the import to reach its commit")
        doomed.send_signal(signal.SIGKILL)
        doomed.wait(timeout=30)
    finally:
        stop(doomed)
    job.refresh_from_db()
    assert job.status == Status.RUNNING  # as the dead worker left it
    # Nothing half-written: the values, the import's audit records, the scores are as before.
    assert (DataValue.objects.count(), imports.count()) == before
    # A worker (re)starting finds the job's worker dead on this host and runs the job again.
    healthy = start_worker(env)
    try:
        wait_until(lambda: Job.objects.get(pk=job.pk).finished, timeout=120, what="the retried import")
    finally:
        stop(healthy)
    job.refresh_from_db()
    assert job.status == Status.SUCCEEDED and job.attempts == 2, job.message
    assert DataValue.objects.get(evaluation=cast.jia1, item_code="kg_public_share").value == Decimal("61.5")
    assert AuditRecord.objects.filter(action="value.import").count() == 1
    assert list(AuditRecord.objects.filter(object_id=str(job.pk)).values_list("action", flat=True)) == [
        "job.submit",
        "job.requeued",
        "job.succeeded",
    ]
    assert len(set(JobRun.objects.filter(job=job, claimed=True).values_list("worker_id", flat=True))) == 2
