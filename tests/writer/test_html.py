"""The HTML preview: the same text, the GB/T 9704 print page, staff text escaped, nothing fetched from outside."""

from __future__ import annotations

import dataclasses
import io
import re

import pdfplumber

from lvzhi.writer.builder import ReportDocument, build_report
from lvzhi.writer.html import render_html
from lvzhi.writer.layout import title_lines
from lvzhi.writer.model import IndicatorPart, ReportContext


def test_the_preview_carries_every_block(seed_reports: dict[str, ReportDocument]) -> None:
    doc = seed_reports["chongqing-banan-2023"]
    page = render_html(doc)
    assert f'<h1 class="title">{"<br>".join(title_lines(doc.title))}</h1>' in page
    for block in doc.blocks:
        if block.kind in ("para", "h1", "h2"):
            assert block.text.replace("“", "&#34;") in page or block.text in page


def test_the_print_page_is_a4_with_the_official_margins(seed_reports: dict[str, ReportDocument]) -> None:
    page = render_html(seed_reports["chongqing-banan-2023"])
    assert "size: A4;" in page and "margin: 37mm 26mm 35mm 28mm;" in page
    assert 'content: "— " counter(page) " —"' in page


def test_charts_are_inlined_and_nothing_is_linked(seed_reports: dict[str, ReportDocument]) -> None:
    page = render_html(seed_reports["zhejiang-wuxing-2019"])
    assert 'src="data:image/png;base64,' in page
    assert not re.search(r"(?:src|href)=\"(?!data:)", page)


def test_staff_text_is_escaped(seed_contexts: dict[str, ReportContext]) -> None:
    ctx = seed_contexts["zhejiang-wuxing-2019"]
    first = dataclasses.replace(ctx.indicators[0], narrative="<script>alert(1)</script>加强领导。")
    ctx = dataclasses.replace(ctx, indicators=(first, *ctx.indicators[1:]))
    page = render_html(build_report(ctx, charts=False))
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;加强领导。" in page


def test_the_pdf_page_is_a4_and_text_stays_inside_the_type_area(seed_pdfs: dict[str, bytes]) -> None:
    mm = 72 / 25.4
    with pdfplumber.open(io.BytesIO(seed_pdfs["yunnan-zhaotong-2024"])) as pdf:
        page = pdf.pages[1]
        assert (round(page.width / mm), round(page.height / mm)) == (210, 297)
        body = [c for c in page.chars if not re.fullmatch(r"[—\d ]", c["text"])]  # the page number is outside
        assert min(c["x0"] for c in body) >= 28 * mm - 1
        assert max(c["x1"] for c in body) <= (210 - 26) * mm + 1
        assert min(c["top"] for c in body) >= 37 * mm - 8  # the first line's ascent may reach into the margin


def test_a_scheme_without_points_has_no_score_line_or_table() -> None:
    part = IndicatorPart("1", "党的领导", None, None, False)
    ctx = ReportContext("1", "某县", 2024, "x", "方案", None, "", (part,), {})
    doc = build_report(ctx)
    assert "本项满分" not in doc.text() and "自评得分" not in doc.text()
    assert not [b for b in doc.blocks if b.kind in ("table", "chart")]
