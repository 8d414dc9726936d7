"""The Word report: GB/T 9704 page setup, grid, styles and fonts, page numbers, score table — and an
office's edits to the template carry into every report."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.text import WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Length, Mm, Pt

from lvzhi.writer import docx as renderer
from lvzhi.writer.builder import ReportDocument


def opened(data: bytes) -> DocxDocument:
    return Document(io.BytesIO(data))


def east_asian(style: object) -> str:
    rfonts = style.element.rPr.rFonts  # type: ignore[attr-defined]
    return str(rfonts.get(qn("w:eastAsia")))


def test_every_seed_report_is_a4_with_the_official_margins(seed: str, seed_docx: dict[str, bytes]) -> None:
    section = opened(seed_docx[seed]).sections[0]
    # Word stores twentieths of a point: compare in millimetres to 0.1 mm
    sizes = [
        section.page_width,
        section.page_height,
        section.top_margin,
        section.bottom_margin,
        section.left_margin,
        section.right_margin,
    ]
    assert [round(Length(v).mm, 1) for v in sizes] == [210, 297, 37, 35, 28, 26]


def test_the_page_grid_is_22_lines_and_the_body_text_28_characters_a_line(
    seed_docx: dict[str, bytes],
) -> None:
    doc = opened(seed_docx["chongqing-banan-2023"])
    grid = doc.sections[0]._sectPr.find(qn("w:docGrid"))
    # a line grid only: LibreOffice reads Word's character grid as two cells per 16 pt character
    assert grid.get(qn("w:type")) == "lines" and grid.get(qn("w:charSpace")) is None
    line_pitch = int(grid.get(qn("w:linePitch"))) / 20  # points
    assert round(Mm(225).pt / line_pitch) == 22
    body = doc.styles["公文正文"].element.rPr
    char_pitch = 16 + int(body.find(qn("w:spacing")).get(qn("w:val"))) / 20
    assert int(Mm(156).pt / char_pitch) == 28


def test_the_document_is_chinese_and_the_title_and_tables_do_not_snap_to_the_grid(
    seed_docx: dict[str, bytes],
) -> None:
    styles = opened(seed_docx["chongqing-banan-2023"]).styles
    for name in ("Normal", "公文正文", "公文标题", "表格文字"):
        lang = styles[name].element.rPr.find(qn("w:lang"))
        # Chinese text zh-CN; digits and Latin text en-US (with zh-CN LibreOffice breaks inside numbers)
        assert (lang.get(qn("w:eastAsia")), lang.get(qn("w:val"))) == ("zh-CN", "en-US"), name
    for name in ("公文标题", "表格文字", "页码"):
        assert styles[name].element.pPr.find(qn("w:snapToGrid")).get(qn("w:val")) == "0", name
    normal = styles["Normal"].element.pPr
    assert normal.find(qn("w:autoSpaceDE")).get(qn("w:val")) == "0"  # 2023年, not 2023 年


def test_the_page_number_is_songti_in_digits_too(seed_docx: dict[str, bytes]) -> None:
    rfonts = opened(seed_docx["chongqing-banan-2023"]).styles["页码"].element.rPr.rFonts
    assert {rfonts.get(qn(f"w:{k}")) for k in ("ascii", "hAnsi", "eastAsia")} == {"宋体"}


def test_styles_carry_the_official_fonts_and_sizes(seed_docx: dict[str, bytes]) -> None:
    styles = opened(seed_docx["yunnan-zhaotong-2024"]).styles
    expected = {
        "公文标题": ("方正小标宋简体", 22),
        "公文正文": ("仿宋_GB2312", 16),
        "一级标题": ("黑体", 16),
        "二级标题": ("楷体_GB2312", 16),
        "主送机关": ("仿宋_GB2312", 16),
    }
    for name, (font, size) in expected.items():
        assert (east_asian(styles[name]), styles[name].font.size) == (font, Pt(size)), name
    body = styles["公文正文"].paragraph_format
    assert body.line_spacing_rule == WD_LINE_SPACING.EXACTLY and body.line_spacing == Pt(28.95)
    assert body.first_line_indent == Pt(32)  # two characters


def test_each_block_uses_its_style(
    seed_docx: dict[str, bytes], seed_reports: dict[str, ReportDocument]
) -> None:
    doc = opened(seed_docx["yunnan-zhaotong-2024"])
    paragraphs = [(p.style.name, p.text.replace("\n", "")) for p in doc.paragraphs if p.text]
    blocks = [
        (renderer.STYLE[b.kind], b.text)
        for b in seed_reports["yunnan-zhaotong-2024"].blocks
        if b.kind not in ("table", "chart")
    ]
    assert [p for p in paragraphs if p[0] != "表格文字"] == blocks


def test_page_numbers_are_page_fields_between_dashes_odd_right_even_left(seed_docx: dict[str, bytes]) -> None:
    doc = opened(seed_docx["qinghai-haidong-2020"])
    assert doc.settings.odd_and_even_pages_header_footer
    section = doc.sections[0]
    for footer, side in ((section.footer, "right"), (section.even_page_footer, "left")):
        (p,) = footer.paragraphs
        assert p.text == "— 1 —"
        assert "PAGE" in "".join(t.text for t in p._p.iter(qn("w:instrText")))
        assert p.style.font.size == Pt(14)  # 四号
        assert p.alignment is not None and side.upper() in str(p.alignment)


def test_the_score_table_lists_every_indicator_and_the_total(seed_docx: dict[str, bytes]) -> None:
    (table,) = opened(seed_docx["chongqing-banan-2023"]).tables
    rows = [[c.text for c in r.cells] for r in table.rows]
    assert rows[0] == ["序号", "评价指标", "分值", "自评得分"]
    assert [r[1] for r in rows[1:]] == [
        "全面加强党的领导",
        "全面落实优先发展",
        "统筹推进协调发展",
        "加强领导强化联动",
        "合计",
    ]
    assert rows[-1][2] == "100"


def test_the_shipped_template_is_what_make_template_builds(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.docx"
    renderer.make_template(fresh)
    shipped, built = Document(str(renderer.template_path())), Document(str(fresh))
    for name in renderer.STYLE.values():
        assert east_asian(shipped.styles[name]) == east_asian(built.styles[name])
        assert shipped.styles[name].font.size == built.styles[name].font.size


def test_an_office_can_change_the_body_font_in_the_template(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, seed_reports: dict[str, ReportDocument]
) -> None:
    edited = tmp_path / "edited.docx"
    template = renderer.make_template()
    template.add_paragraph("示例文字，生成时应被删除。")
    body = template.styles["公文正文"]
    body.element.rPr.rFonts.set(qn("w:eastAsia"), "仿宋")
    body.font.size = Pt(15)
    template.save(str(edited))
    monkeypatch.setattr(renderer, "template_path", lambda: edited)
    doc = opened(renderer.render_docx(seed_reports["yunnan-zhaotong-2024"]))
    assert (east_asian(doc.styles["公文正文"]), doc.styles["公文正文"].font.size) == ("仿宋", Pt(15))
    assert "示例文字" not in "".join(p.text for p in doc.paragraphs)


def test_the_chart_is_embedded_as_a_picture(seed_docx: dict[str, bytes]) -> None:
    doc = opened(seed_docx["zhejiang-wuxing-2019"])  # fully scored: a chart of its shares
    assert any(r.reltype.endswith("/image") for r in doc.part.rels.values())


def test_a_template_missing_a_style_is_named_in_the_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, seed_reports: dict[str, ReportDocument]
) -> None:
    broken = tmp_path / "broken.docx"
    template = renderer.make_template()
    style = template.styles["二级标题"].element
    style.getparent().remove(style)
    template.save(str(broken))
    monkeypatch.setattr(renderer, "template_path", lambda: broken)
    with pytest.raises(ValueError, match="缺少样式: 二级标题"):
        renderer.render_docx(seed_reports["yunnan-zhaotong-2024"])


def test_no_chart_when_no_indicator_is_fully_scored(seed_docx: dict[str, bytes]) -> None:
    # 巴南区: every section still waits for judgements, so no share can be charted (the table says 待评定)
    doc = opened(seed_docx["chongqing-banan-2023"])
    assert not any(r.reltype.endswith("/image") for r in doc.part.rels.values())
