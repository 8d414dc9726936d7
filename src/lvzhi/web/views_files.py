"""Files in and out: the Excel template and its import, evidence upload, download and removal.

Everything goes through the entry and evidence services (scoping, validation, audit are theirs).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from lvzhi.accounts import scoping
from lvzhi.entry import services as entry
from lvzhi.entry.prefill import figures, report_title
from lvzhi.entry.report_files import ReportUnreadable, report_text
from lvzhi.evaluations import actions
from lvzhi.evaluations.errors import ActionError, ValidationFailed
from lvzhi.evaluations.gateway import catalogue
from lvzhi.evidence import services as evidence
from lvzhi.evidence import storage
from lvzhi.site.downloads import content_type_of, download
from lvzhi.site.request_types import HtmxRequest
from lvzhi.web.evaluation_page import score_row_response
from lvzhi.web.nexturl import safe_next
from lvzhi.web.templatetags.lvzhi_web import domid

MAX_WORKBOOK_BYTES = (
    60 * 1024 * 1024
)  # the import itself refuses anything over its own limit, with the reason


@login_required
def workbook_template(request: HttpRequest, round_id: int) -> HttpResponse:
    """The round's .xlsx template: one region's item rows (?region=code) or every region the user fills."""
    data, filename = entry.template_for(request.user, round_id, request.GET.get("region") or None)
    return download(data, filename)


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


@login_required
@require_POST
def evidence_upload(request: HtmxRequest, pk: int, code: str) -> HttpResponse:
    """Attach one or several uploaded files to one indicator; from the page (htmx) the row comes back in place."""
    ev = scoping.get_evaluation_for(request.user, pk)
    back = safe_next(request, reverse("web:scores", args=[ev.pk]))
    uploads = request.FILES.getlist("file")
    done: list[str] = []
    refused: list[str] = []
    if not uploads:
        refused.append("请先选择要上传的证明材料文件（可一次选择多个）。")
    limit = storage.max_bytes()
    for upload in uploads:
        name = upload.name or "文件"
        if upload.size and upload.size > limit:
            refused.append(f"“{name}”超过 {limit // 1024 // 1024} MB 上限，未上传：请压缩后再上传")
            continue
        try:
            evidence.do_attach_evidence(
                acting_user=request.user,
                evaluation=ev,
                indicator_code=code,
                name=name,
                content=upload,  # streamed to the store only after permission and state are checked
                note=request.POST.get("note", ""),
            )
            done.append(name)
        except (ActionError, PermissionDenied, storage.FileRefused) as exc:
            refused.append(f"“{name}”未上传：{exc}")
    notes = [f"已上传 {len(done)} 个文件：{'、'.join(done)}"] if done else []
    if request.htmx:
        return score_row_response(request, ev, code, notes=notes, error="；".join(refused))
    for note in notes:
        messages.success(request, note)
    for problem in refused:
        messages.error(request, problem)
    return redirect(back + f"#score-{domid(code)}")


@login_required
def evidence_download(request: HttpRequest, evidence_id: int) -> FileResponse:
    """The evidence file, if its evaluation is visible to the user."""
    row = evidence.get_evidence_for(request.user, evidence_id)
    content_type = content_type_of(row.name)
    return FileResponse(
        storage.open_stored(row.file.sha256),
        as_attachment=True,
        filename=row.name,
        content_type=content_type,
    )


@login_required
@require_POST
def evidence_remove(request: HtmxRequest, evidence_id: int) -> HttpResponse:
    """Detach an evidence file from its indicator; from the page (htmx) the row comes back in place."""
    row = evidence.get_evidence_for(request.user, evidence_id)
    back = safe_next(request, reverse("web:scores", args=[row.evaluation_id]))
    notes: list[str] = []
    error = ""
    try:
        evidence.do_remove_evidence(acting_user=request.user, evidence=row)
        notes.append(f"已删除证明材料“{row.name}”")
    except (ActionError, PermissionDenied) as exc:
        error = f"未删除：{exc}"
    if request.htmx:
        ev = scoping.get_evaluation_for(request.user, row.evaluation_id)
        return score_row_response(request, ev, row.indicator_code, notes=notes, error=error)
    for note in notes:
        messages.success(request, note)
    if error:
        messages.error(request, error)
    return redirect(back)


@login_required
@require_POST
def prefill_from_report(request: HttpRequest, pk: int) -> HttpResponse:
    """Read an uploaded report and prefill the statistics it states, each with its sentence, unconfirmed."""

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
    try:
        outcome = actions.do_prefill_values(
            acting_user=request.user,
            evaluation=ev,
            figures=[actions.Prefill(f.code, f.value, f.sentence, f.doubt) for f in found],
            source_document=title,
        )
    except ValidationFailed as exc:
        names = {code: spec.name for code, spec in catalogue().items()}
        listed = "；".join(f"“{names.get(i.code, i.code)}”：{i.message}" for i in exc.issues)
        messages.error(request, f"未预填任何数据，以下数据有问题：{listed}")
        return redirect(back)
    except ActionError as exc:
        messages.error(request, f"未预填任何数据：{exc}")
        return redirect(back)
    if outcome.written:
        messages.success(
            request, f"已从《{title}》预填 {len(outcome.written)} 项（黄色底，附原句），请核对后确认。"
        )
    else:
        messages.info(request, f"《{title}》中没有找到可以预填的新数据。")
    if outcome.kept:
        messages.info(request, f"另有 {len(outcome.kept)} 项已由人工填写或确认，未覆盖。")
    return redirect(back)
