"""Files in and out: the Excel template and its import, evidence upload, download and removal.

Everything goes through the entry and evidence services (scoping, validation, audit are theirs).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from lvzhi.accounts import scoping
from lvzhi.entry import services as entry
from lvzhi.evaluations.errors import ActionError
from lvzhi.evaluations.models import Evaluation
from lvzhi.evidence import services as evidence
from lvzhi.evidence import storage
from lvzhi.evidence.models import Evidence
from lvzhi.web.nexturl import safe_next

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_WORKBOOK_BYTES = (
    60 * 1024 * 1024
)  # the import itself refuses anything over its own limit, with the reason


def _attachment(data: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


@login_required
def workbook_template(request: HttpRequest, round_id: int) -> HttpResponse:
    """The round's .xlsx template: one region's item rows (?region=code) or every region the user fills."""
    data, filename = entry.template_for(request.user, round_id, request.GET.get("region") or None)
    return _attachment(data, filename, XLSX)


@login_required
@require_POST
def workbook_import(request: HttpRequest, round_id: int) -> HttpResponse:
    """Import a filled template: all cells checked first, nothing written on any error (listed per cell)."""
    back = safe_next(request, reverse("web:home"))
    upload = request.FILES.get("workbook")
    if upload is None:
        messages.error(request, "请先选择填好的 Excel 文件（.xlsx）再导入。")
        return redirect(back)
    if upload.size and upload.size > MAX_WORKBOOK_BYTES:
        messages.error(
            request, f"文件 {upload.size // 1024 // 1024} MB 太大，未导入：请只保留模板中的工作表后再导入。"
        )
        return redirect(back)
    # The work (checking every cell, writing, re-scoring the round) runs as a background job: this page
    # returns at once and the job's page shows its progress, then its result or every bad cell.
    from lvzhi.jobs import services as jobs
    from lvzhi.jobs.views import submitted_redirect

    try:
        job, created = jobs.submit(
            request.user,
            "import_workbook",
            round_id=round_id,
            upload=(upload.name or "工作簿.xlsx", upload.read()),
        )
    except (ActionError, PermissionDenied) as exc:
        messages.error(request, f"未导入：{exc}")
        return redirect(back)
    return submitted_redirect(request, job, created)


def evidence_context(user: Any, ev: Evaluation) -> dict[str, Any]:
    """Evidence of the evaluation by indicator, each with where else the same file was used."""
    by_code: dict[str, list[tuple[Evidence, list[evidence.Reuse], int]]] = {}
    for row in evidence.evidence_for(user, ev.pk):
        shown, hidden = evidence.reuse_for(user, row)
        by_code.setdefault(row.indicator_code, []).append((row, shown, hidden))
    return {"evidence": by_code, "evidence_enabled": True}


@login_required
@require_POST
def evidence_upload(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """Attach an uploaded file to one indicator."""
    ev = scoping.get_evaluation_for(request.user, pk)
    back = safe_next(request, reverse("web:scores", args=[ev.pk]))
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "请先选择要上传的证明材料文件。")
        return redirect(back)
    if upload.size and upload.size > storage.max_bytes():
        messages.error(
            request,
            f"“{upload.name}”超过 {storage.max_bytes() // 1024 // 1024} MB 上限，未上传：请压缩后再上传。",
        )
        return redirect(back)
    try:
        evidence.do_attach_evidence(
            acting_user=request.user,
            evaluation=ev,
            indicator_code=code,
            name=upload.name or "文件",
            content=upload,  # streamed to the store only after permission and state are checked
            note=request.POST.get("note", ""),
        )
        messages.success(request, f"已上传“{upload.name}”作为指标 {code} 的证明材料。")
    except (ActionError, PermissionDenied, storage.FileRefused) as exc:
        messages.error(request, f"未上传：{exc}")
    return redirect(back + f"#score-{code.replace('.', '_')}")


@login_required
def evidence_download(request: HttpRequest, evidence_id: int) -> FileResponse:
    """The evidence file, if its evaluation is visible to the user."""
    row = evidence.get_evidence_for(request.user, evidence_id)
    content_type = storage.CONTENT_TYPES.get(row.file.kind, "application/octet-stream")
    return FileResponse(
        storage.path_for(row.file.sha256).open("rb"),
        as_attachment=True,
        filename=row.name,
        content_type=content_type,
    )


@login_required
@require_POST
def evidence_remove(request: HttpRequest, evidence_id: int) -> HttpResponse:
    """Detach an evidence file from its indicator."""
    row = evidence.get_evidence_for(request.user, evidence_id)
    back = safe_next(request, reverse("web:scores", args=[row.evaluation_id]))
    try:
        evidence.do_remove_evidence(acting_user=request.user, evidence=row)
        messages.success(request, f"已删除证明材料“{row.name}”。")
    except (ActionError, PermissionDenied) as exc:
        messages.error(request, f"未删除：{exc}")
    return redirect(back)


@login_required
@require_POST
def prefill_from_report(request: HttpRequest, pk: int) -> HttpResponse:
    """Read an uploaded report and prefill the statistics it states, each with its sentence, unconfirmed."""
    from lvzhi.evaluations import actions
    from lvzhi.evaluations.gateway import catalogue
    from lvzhi.evaluations.models import DataValue, Source
    from lvzhi.web.prefill import figures, report_title
    from lvzhi.web.views_report import ReportUnreadable, report_text

    ev = scoping.get_evaluation_for(request.user, pk, scoping.Perm.FILL)
    back = reverse("web:data", args=[ev.pk])
    upload = request.FILES.get("report")
    try:
        if upload is None:
            raise ReportUnreadable("请先选择要上传的自评报告。")
        text = report_text(upload)
    except ReportUnreadable as exc:
        messages.error(request, str(exc))
        return redirect(back)
    title = report_title(text, upload.name or "自评报告")[:255]
    found = figures(text, ev.round.year, only=set(entry.item_codes_for(ev)))
    current = {v.item_code: v for v in DataValue.objects.filter(evaluation=ev)}
    names = {code: spec.name for code, spec in catalogue().items()}
    written, kept, refused = 0, 0, []
    for f in found:
        dv = current.get(f.code)
        if dv is not None and dv.value is not None and dv.confirmed:
            kept += 1  # never overwrite what a person entered or confirmed
            continue
        try:
            actions.do_save_value(
                acting_user=request.user,
                evaluation=ev,
                item_code=f.code,
                value=f.value,
                expected_version=dv.version if dv else None,
                source=Source.PREFILL,
                source_sentence=f.sentence,
                source_document=title,
                # Unconfirmed until a person checks it; a value far from last year's is flagged on its row.
                confirm_change=True,
            )
            written += 1
        except ActionError as exc:
            refused.append(f"“{names.get(f.code, f.code)}”：{exc}")
    if written:
        messages.success(request, f"已从《{title}》预填 {written} 项（黄色底，附原句），请核对后确认。")
    else:
        messages.info(request, f"《{title}》中没有找到可以预填的新数据。")
    if kept:
        messages.info(request, f"另有 {kept} 项已由人工填写或确认，未覆盖。")
    if refused:
        messages.error(request, "以下数据未能预填：" + "；".join(refused))
    return redirect(back)
