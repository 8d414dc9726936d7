"""The files of one region's report set (report in each format, optionally the feedback letter and problem
list), by file name: one place for the CLI's `lvzhi report build` and the platform's bulk-report job."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lvzhi.writer.builder import ReportDocument
    from lvzhi.writer.model import ReportContext

FORMATS = ("docx", "pdf", "html")


@dataclass
class Bundle:
    files: dict[str, bytes] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def report_bundle(
    ctx: ReportContext, formats: Sequence[str], *, feedback: bool = False, charts: bool = True
) -> Bundle:
    """Render the report of `ctx` in `formats` (docx, pdf, html) and, with `feedback`, its letter and list."""
    from lvzhi.writer.builder import build_report
    from lvzhi.writer.docx import render_docx
    from lvzhi.writer.feedback import build_feedback, problem_list_document, problem_list_xlsx
    from lvzhi.writer.html import render_html

    pdf: Callable[[ReportDocument], bytes] | None = None
    if "pdf" in formats:  # weasyprint takes a while to load: only when a pdf is wanted
        from lvzhi.writer.pdf import render_pdf as pdf
    out = Bundle()
    doc = build_report(ctx, charts=charts)
    out.warnings += [f"{ctx.region_name}: {w}" for w in doc.warnings]
    stem = f"{ctx.region_code}-{ctx.year}-自评报告"
    if "docx" in formats:
        out.files[f"{stem}.docx"] = render_docx(doc)
    if "html" in formats:
        out.files[f"{stem}.html"] = render_html(doc).encode("utf-8")
    if pdf is not None:
        out.files[f"{stem}.pdf"] = pdf(doc)
    if feedback:
        letter = build_feedback(ctx)
        base = f"{ctx.region_code}-{ctx.year}"
        out.files[f"{base}-反馈意见.docx"] = render_docx(letter)
        if pdf is not None:
            out.files[f"{base}-反馈意见.pdf"] = pdf(letter)
        out.files[f"{base}-问题清单.docx"] = render_docx(problem_list_document(ctx))
        out.files[f"{base}-问题清单.xlsx"] = problem_list_xlsx(ctx)
    return out
