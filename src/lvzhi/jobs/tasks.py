"""The one task the queue carries: run the job with this id (the job row holds everything else)."""

from __future__ import annotations

from django_tasks import task


@task()
def run_job(job_id: str) -> str:
    from lvzhi.jobs.runner import execute, worker_id

    return execute(job_id, worker_id())
