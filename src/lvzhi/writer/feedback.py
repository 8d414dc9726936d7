"""The supervisor's side: the feedback letter (反馈意见) and the problem list (问题清单, docx and xlsx).

Both are drafted from the same ReportContext as the self-evaluation report, read from the reviewing body's
side: the issuer writes to the region, lists the problems found and sets the rectification deadline.
"""

from __future__ import annotations

import dataclasses
import io
from datetime import date, timedelta

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from lvzhi.writer import number_style as numbers
from lvzhi.writer.builder import Block, ReportDocument, _cite, _enumerate, scope, signature_blocks
from lvzhi.writer.cells import neutralise_row
from lvzhi.writer.model import ProblemItem, ReportContext, issuer_name

LIST_HEADER = ("序号", "问题", "所属指标", "依据", "整改措施", "整改时限")
LIST_NAME = "问题清单"
DEFAULT_DAYS = 90  # rectification period when a problem sets no deadline


def _you(region_name: str) -> str:
    """`你区` / `你市` / `你县` — how a supervisor addresses the region."""
    kind = scope(region_name)
    return f"你{kind}" if kind else "你地"


def with_deadlines(ctx: ReportContext, deadline: date | None = None) -> list[ProblemItem]:
    """The problems, each with a deadline (the given one, or DEFAULT_DAYS after the letter's date)."""
    due = deadline or ctx.date + timedelta(days=DEFAULT_DAYS)
    return [p if p.deadline else dataclasses.replace(p, deadline=due) for p in ctx.problems]


def build_feedback(ctx: ReportContext, issuer: str = "", deadline: date | None = None) -> ReportDocument:
    """The feedback letter (反馈意见) to one region, as blocks (render with render_docx / render_pdf).

    The letter is issued and signed by the office that ran the evaluation (`issuer`, else the context's
    `office`), not by the body that issued the scheme; the problem list follows as its attachment, on a
    page of its own after the signature (GB/T 9704 附件).
    """
    issuer = issuer or ctx.office or issuer_name(ctx.issuer) or "教育督导委员会办公室"
    you = _you(ctx.region_name)
    problems = with_deadlines(ctx, deadline)
    title = f"关于{ctx.region_name}{ctx.year}年度履行教育职责评价的反馈意见"
    blocks = [
        Block("title", title),
        Block("addressee", f"{ctx.region_name}人民政府："),
        Block(
            "para",
            f"根据{_cite(ctx)}，{issuer}对{you}{ctx.year}年度履行教育职责情况进行了评价。"
            "现将评价意见反馈如下。",
        ),
        Block("h1", "一、总体评价"),
    ]
    if ctx.complete and ctx.score_total is not None and ctx.total_points is not None:
        grade = f"，等次为{ctx.grade_name}" if ctx.grade_name else ""
        blocks.append(
            Block(
                "para",
                f"经评价，{you}{ctx.year}年度履行教育职责得分{numbers.score(ctx.score_total)}"
                f"（满分{numbers.score(ctx.total_points)}）{grade}。",
            )
        )
    else:
        blocks.append(Block("para", f"{you}部分指标尚待评定，得分和等次在评定完成后另行通知。"))
    full = [p.name for p in ctx.indicators if p.complete and p.points is not None and p.score == p.points]
    if full:
        blocks.append(Block("para", f"{you}在{'、'.join(full)}等方面履职到位，相关指标得满分。"))
    blocks.append(Block("h1", "二、存在的主要问题"))
    if problems:
        blocks.extend(Block("para", t) for t in _enumerate(p.text for p in problems))
    else:
        blocks.append(Block("para", "评价中未发现量化指标失分。"))
    blocks.append(Block("h1", "三、整改要求"))
    if problems:
        last = max(p.deadline for p in problems if p.deadline is not None)
        blocks.append(
            Block(
                "para",
                f"请{you}对照问题清单逐项制定整改措施，明确责任单位和完成时限，"
                f"于{numbers.cn_date(last)}前将整改情况书面报送{issuer}。",
            )
        )
        blocks.append(Block("attachments", f"附件：{LIST_NAME}"))
    else:
        blocks.append(Block("para", f"请{you}巩固已有成效，持续提升履职水平。"))
    blocks.extend(signature_blocks(issuer, ctx.date))
    if problems:
        blocks.append(Block("attachment", "附件"))
        blocks.append(Block("title", f"{ctx.region_name}{ctx.year}年度履行教育职责评价{LIST_NAME}"))
        blocks.append(Block("table", rows=problem_rows(problems)))
    return ReportDocument(title, blocks)


def problem_rows(problems: list[ProblemItem]) -> tuple[tuple[str, ...], ...]:
    """The 问题清单 as table rows, header first."""
    rows: list[tuple[str, ...]] = [LIST_HEADER]
    for i, p in enumerate(problems, 1):
        due = numbers.cn_date(p.deadline) if p.deadline else ""
        rows.append((str(i), p.text, p.indicator, p.evidence, p.measure, due))
    return tuple(rows)


def problem_list_document(ctx: ReportContext, deadline: date | None = None) -> ReportDocument:
    """The 问题清单 on its own, as a document (for render_docx)."""
    title = f"{ctx.region_name}{ctx.year}年度履行教育职责评价问题清单"
    rows = problem_rows(with_deadlines(ctx, deadline))
    return ReportDocument(title, [Block("title", title), Block("table", rows=rows)])


def problem_list_xlsx(ctx: ReportContext, deadline: date | None = None) -> bytes:
    """The 问题清单 as an Excel workbook (one row per problem; deadline as a real date cell)."""
    problems = with_deadlines(ctx, deadline)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "问题清单"
    ws.append(neutralise_row([f"{ctx.region_name}{ctx.year}年度履行教育职责评价问题清单"]))
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(LIST_HEADER))
    ws["A1"].font = Font(name="黑体", size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.append(list(LIST_HEADER))
    for i, p in enumerate(problems, 1):
        ws.append(neutralise_row([i, p.text, p.indicator, p.evidence, p.measure, p.deadline]))
        ws.cell(row=ws.max_row, column=6).number_format = "yyyy年m月d日"
    thin = Side(style="thin")
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.border = Border(left=thin, right=thin, top=thin, bottom=thin)
            cell.alignment = Alignment(wrap_text=True, vertical="center")
            cell.font = Font(name="仿宋_GB2312", size=11, bold=cell.row == 2)
    for col, width in enumerate((6, 40, 22, 36, 36, 16), 1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = "A3"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
