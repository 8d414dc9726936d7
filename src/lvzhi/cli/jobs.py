"""CLI commands of background jobs: `lvzhi worker`, and `lvzhi jobs submit|watch|list|cancel`."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer

jobs_app = typer.Typer(help="后台任务 (background jobs)。", no_args_is_help=True)

KIND_NAMES = ("import_workbook", "rescore_round", "bulk_reports", "read_reports", "regions_update")


def register(app: typer.Typer) -> None:
    """Add this domain's commands to the root app."""
    app.command("worker")(worker)
    app.add_typer(jobs_app, name="jobs")


def worker(
    batch: Annotated[
        bool, typer.Option("--batch", help="执行完当前排队的任务后退出 (drain the queue, then exit)")
    ] = False,
    parent_pid: Annotated[
        int | None, typer.Option("--parent-pid", help="该进程退出时随之停止 (stop when this process is gone)")
    ] = None,
    interval: Annotated[float, typer.Option(help="队列空闲时的轮询间隔（秒）")] = 1.0,
) -> None:
    """启动后台任务工作进程（导入、计分、批量报告、定时任务） (run a job worker)."""
    import logging

    from lvzhi.cli.django_env import setup_django

    setup_django()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    from lvzhi.jobs import worker as jobs_worker

    if batch:
        jobs_worker.drain()
        return
    jobs_worker.run(interval=interval, parent_pid=parent_pid)


def _user(username: str) -> Any:
    from lvzhi.accounts.models import User

    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        typer.echo(f"用户 {username} 不存在或已停用", err=True)
        raise typer.Exit(1)
    return user


def watch_job(job_id: str, user: Any) -> Any:
    """Follow a job with a rich progress bar until it ends; returns the finished job."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from lvzhi.accounts import scoping

    job = scoping.get_job_for(user, job_id)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(),
    ) as progress:
        bar = progress.add_task(job.title, total=job.total or None)
        while not job.finished:
            progress.update(
                bar,
                description=f"{job.title} · {job.get_status_display()} {job.phase}",
                completed=job.done,
                total=job.total or None,
            )
            time.sleep(0.5)
            job.refresh_from_db()
        progress.update(bar, completed=job.total or 1, total=job.total or 1)
    return job


def _report(job: Any) -> None:
    typer.echo(f"{job.get_status_display()}：{job.message}")
    for line in job.errors[:50]:
        typer.echo(f"  - {line}")
    if job.output_file:
        typer.echo(f"结果文件：{job.output_file}（存储中）")
    if job.status != "succeeded":
        raise typer.Exit(1)


@jobs_app.command("submit")
def submit(
    kind: Annotated[str, typer.Argument(help=f"任务类型：{', '.join(KIND_NAMES)}")],
    acting: Annotated[str, typer.Option("--as", help="以该用户身份提交（按其权限检查）")],
    round_id: Annotated[int | None, typer.Option("--round", help="评价轮次编号")] = None,
    file: Annotated[Path | None, typer.Option("--file", help="上传的文件（xlsx / zip / csv）")] = None,
    wait: Annotated[bool, typer.Option("--wait/--no-wait", help="等待完成并显示进度")] = True,
) -> None:
    """提交后台任务（由工作进程执行） (submit a background job)."""
    from lvzhi.cli.django_env import setup_django

    setup_django()
    from django.http import Http404

    from lvzhi.jobs.services import submit as submit_job

    if kind not in KIND_NAMES:
        raise typer.BadParameter(f"未知的任务类型 {kind}", param_hint="KIND")
    user = _user(acting)
    upload = (file.name, file.read_bytes()) if file is not None else None
    try:
        job, created = submit_job(user, kind, round_id=round_id, upload=upload)
    except Http404 as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    except Exception as exc:
        typer.echo(f"未提交：{exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(("已提交任务 " if created else "同一文件已提交过，沿用任务 ") + str(job.pk))
    if wait:
        _report(watch_job(str(job.pk), user))


@jobs_app.command("watch")
def watch(
    job_id: Annotated[str, typer.Argument(help="任务编号")],
    acting: Annotated[str, typer.Option("--as", help="以该用户身份查看")],
) -> None:
    """显示任务进度直到结束 (follow a job's progress)."""
    from lvzhi.cli.django_env import setup_django

    setup_django()
    _report(watch_job(job_id, _user(acting)))


@jobs_app.command("list")
def list_jobs(acting: Annotated[str, typer.Option("--as", help="以该用户身份查看")]) -> None:
    """列出可见的后台任务 (list jobs)."""
    from lvzhi.cli.django_env import setup_django

    setup_django()
    from rich.console import Console
    from rich.table import Table

    from lvzhi.accounts import scoping

    table = Table(title="后台任务")
    for col in ("编号", "任务", "状态", "进度", "提交时间", "结果"):
        table.add_column(col)
    for job in scoping.jobs_for(_user(acting))[:100]:
        table.add_row(
            str(job.pk)[:8],
            job.title,
            job.get_status_display(),
            f"{job.done}/{job.total}",
            f"{job.created_at:%Y-%m-%d %H:%M}",
            job.message[:60],
        )
    Console().print(table)


@jobs_app.command("cancel")
def cancel(
    job_id: Annotated[str, typer.Argument(help="任务编号")],
    acting: Annotated[str, typer.Option("--as", help="以该用户身份取消")],
) -> None:
    """取消排队中或执行中的任务 (cancel a job)."""
    from lvzhi.cli.django_env import setup_django

    setup_django()
    from django.http import Http404

    from lvzhi.evaluations.errors import ActionError
    from lvzhi.jobs.services import cancel as cancel_job

    try:
        job = cancel_job(_user(acting), job_id)
    except (Http404, ActionError) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{job.get_status_display()}：{job.message or '已请求取消，将在下一个进度点停止'}")


def start_embedded_worker() -> None:
    """Start one job worker beside the web server for the embedded database queue (`lvzhi demo`/`serve`).

    The caller then execs gunicorn in its own process, so the worker watches that pid and stops with it.
    With the Redis queue (LVZHI_TASKS_BACKEND=rq) workers are run on their own (`lvzhi worker`), often on
    other machines, and none is started here. LVZHI_EMBEDDED_WORKER=0 turns this off.
    """
    import os
    import subprocess
    import sys

    if os.environ.get("LVZHI_TASKS_BACKEND", "database") != "database":
        return
    if os.environ.get("LVZHI_EMBEDDED_WORKER", "1") == "0":
        return
    subprocess.Popen(
        [sys.executable, "-m", "lvzhi", "worker", "--parent-pid", str(os.getpid())],
        stdin=subprocess.DEVNULL,
    )
