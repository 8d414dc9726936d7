"""任务 pages: the user's background jobs, one job's progress (htmx polling until it ends), cancel, download."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from lvzhi.accounts import scoping
from lvzhi.evaluations.errors import ActionError
from lvzhi.jobs import services
from lvzhi.jobs.kinds import KINDS
from lvzhi.jobs.models import ReportReading
from lvzhi.site.request_types import HtmxRequest

# Kinds a person starts from the 任务 page (the Excel import starts from the data pages).
PAGE_KINDS = ("rescore_round", "bulk_reports", "read_reports", "regions_update")
MAX_UPLOAD_BYTES = 512 * 1024 * 1024


@login_required
def job_list(request: HtmxRequest) -> HttpResponse:
    jobs = list(scoping.jobs_for(request.user)[:200])
    ctx: dict[str, Any] = {
        "title": "任务",
        "jobs": jobs,
        "polling": any(not j.finished for j in jobs),
        "kinds": [
            (k, KINDS[k].label) for k in PAGE_KINDS if k != "regions_update" or scoping.is_admin(request.user)
        ],
        "rounds": scoping.rounds_for(request.user),
    }
    if request.htmx:
        return render(request, "jobs/_job_rows.html", ctx)
    return render(request, "jobs/list.html", ctx)


@login_required
def job_detail(request: HtmxRequest, job_id: str) -> HttpResponse:
    job = scoping.get_job_for(request.user, job_id)
    readings = (
        ReportReading.objects.filter(job=job).select_related("evaluation__region")
        if job.kind == "read_reports"
        else []
    )
    ctx = {"title": job.title, "job": job, "readings": readings}
    if request.htmx:
        return render(request, "jobs/_job_status.html", ctx)
    return render(request, "jobs/detail.html", ctx)


@login_required
@require_POST
def job_submit(request: HttpRequest) -> HttpResponse:
    kind = request.POST.get("kind", "")
    if kind not in PAGE_KINDS:
        messages.error(request, "请选择要执行的任务类型。")
        return redirect("jobs:list")
    upload = request.FILES.get("file")
    if kind in ("read_reports", "regions_update") and upload is None:
        messages.error(request, "此任务需要上传文件：报告压缩包（.zip）或区划文件（.csv）。")
        return redirect("jobs:list")
    if upload is not None and upload.size and upload.size > MAX_UPLOAD_BYTES:
        messages.error(request, "文件超过 512 MB，未提交。")
        return redirect("jobs:list")
    params: dict[str, Any] = {}
    if kind == "bulk_reports":
        params = {"formats": ["docx"], "feedback": True}
    try:
        job, created = services.submit(
            request.user,
            kind,
            round_id=request.POST.get("round") or None,
            params=params,
            upload=(upload.name or "upload", upload.read()) if upload is not None else None,
        )
    except (ActionError, scoping.Forbidden) as exc:
        messages.error(request, f"未提交：{exc}")
        return redirect("jobs:list")
    return submitted_redirect(request, job, created)


def submitted_redirect(request: HttpRequest, job: Any, created: bool) -> HttpResponse:
    if created:
        messages.success(request, f"已提交“{job.title}”，正在后台执行；本页会自动显示进度。")
    else:
        messages.info(
            request, f"同一文件已经提交过（{job.created_at:%Y-%m-%d %H:%M}），不会重复写入；下面是那次任务。"
        )
    return redirect("jobs:detail", job_id=job.pk)


@login_required
@require_POST
def job_cancel(request: HttpRequest, job_id: str) -> HttpResponse:
    try:
        job = services.cancel(request.user, job_id)
    except ActionError as exc:
        messages.error(request, str(exc))
        return redirect("jobs:detail", job_id=job_id)
    messages.info(
        request, "已取消。" if job.finished else "已请求取消，任务将在下一个进度点停止，不写入任何数据。"
    )
    return redirect("jobs:detail", job_id=job.pk)


@login_required
def job_download(request: HttpRequest, job_id: str) -> HttpResponseBase:
    job = scoping.get_job_for(request.user, job_id)
    if not job.output_file:
        messages.error(request, "此任务没有可下载的文件。")
        return redirect(reverse("jobs:detail", args=[job.pk]))
    name = job.result.get("file_name") or PurePosixPath(job.output_file).name
    return FileResponse(default_storage.open(job.output_file, "rb"), as_attachment=True, filename=name)
