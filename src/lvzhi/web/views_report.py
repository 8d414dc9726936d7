"""报告: generate, preview and download an evaluation's report; read any uploaded report and show findings."""

from __future__ import annotations

from typing import Any

from csp.decorators import csp
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.clickjacking import xframe_options_sameorigin

from lvzhi.accounts import scoping
from lvzhi.entry.report_files import ReportUnreadable, report_text
from lvzhi.evaluations import reporting, rescoring
from lvzhi.site.downloads import download
from lvzhi.site.request_types import HtmxRequest
from lvzhi.web.annotate import annotated_html, marks_for
from lvzhi.web.evaluation_page import page_context, score_rows

REPORT_FORMATS = ("docx", "pdf")


@login_required
def report(request: HttpRequest, pk: int) -> HttpResponse:
    """报告: the self-evaluation report drafted from the evaluation, previewed, downloadable as docx/pdf."""
    ev = scoping.get_evaluation_for(request.user, pk)
    ctx = page_context(request, ev, "report")
    ctx.update({"rows": score_rows(ev), "summary": rescoring.summary_for(ev)})
    return render(request, "web/eval_report.html", ctx)


@login_required
@xframe_options_sameorigin
# The writer's report is a self-contained document (its own <style>, inline column widths, charts as data:
# images): its own policy allows exactly that, no script at all, and framing by our own pages only.
@csp(  # type: ignore[arg-type]  # django-csp types the view as taking the request only
    {
        "default-src": ["'none'"],
        "style-src": ["'unsafe-inline'"],
        "img-src": ["data:"],
        "frame-ancestors": ["'self'"],
        "base-uri": ["'none'"],
        "form-action": ["'none'"],
    }
)
def report_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The drafted report as HTML, shown in a frame of the 报告 page."""
    ev = scoping.get_evaluation_for(request.user, pk)
    return HttpResponse(reporting.render(ev, "html"), content_type="text/html; charset=utf-8")


@login_required
def report_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The drafted report as a docx or pdf file."""
    ev = scoping.get_evaluation_for(request.user, pk)
    if fmt not in REPORT_FORMATS:
        raise Http404("只能下载 docx 或 pdf 格式")
    data = reporting.render(ev, fmt)
    return download(data, f"{ev.region.name}{ev.round.year}年度履行教育职责自评报告.{fmt}")


@login_required
def reader(request: HtmxRequest) -> HttpResponse:
    """报告阅读: upload any report and see the reader's findings on its text."""
    ctx: dict[str, Any] = {"title": "报告阅读"}
    if request.method == "POST":
        upload = request.FILES.get("report")
        try:
            if upload is None:
                raise ReportUnreadable("请先选择要上传的报告文件。")
            text = report_text(upload)
            if not text.strip():
                raise ReportUnreadable("文件中没有可读取的文字（可能是扫描件）：请上传文字版报告。")
            from lvzhi.reader.pipeline import analyse
            from lvzhi.rectification.queries import evaluations_where

            analysis = analyse(text)
            marks = marks_for(analysis)
            ctx.update(
                {
                    "name": upload.name,
                    "analysis": analysis,
                    "html": annotated_html(text, marks),
                    "n_claims": len(analysis.claims),
                    "n_checks": len(analysis.checks),
                    "bad_checks": [c for c in analysis.checks if c.alarm],
                    # Inconsistent checks are listed on their own above; the other findings follow.
                    "findings": [f for f in analysis.findings if not f.kind.startswith("inconsistent_")],
                    "n_chars": len(text),
                    # Offices and experts may record a finding as a problem to rectify (整改台账).
                    "may_raise": evaluations_where(request.user, "raise").exists(),
                }
            )
        except ReportUnreadable as exc:
            ctx["error"] = str(exc)
        if request.htmx:
            return render(request, "web/_reader_result.html", ctx)
    return render(request, "web/reader.html", ctx)
