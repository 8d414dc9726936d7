"""Word renderer: ReportDocument → .docx in the GB/T 9704-2012 layout.

The layout lives in a template (`templates/report.docx`) that an office can open in Word and edit —
fonts, sizes, margins, the page-number footer — as named paragraph styles (公文标题, 公文正文, 一级标题 …).
The renderer only fills content in with those styles, so an edited template changes every report.
`make_template()` writes the shipped template from the numbers below (run `python -m lvzhi.writer.docx`).
"""

from __future__ import annotations

import io
import sys
from importlib import resources
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.styles.style import ParagraphStyle
from docx.text.paragraph import Paragraph

from lvzhi.writer.builder import ReportDocument

# GB/T 9704-2012: A4; 版心 156 mm × 225 mm (top 37, bottom 35, left 28, right 26); 22 lines of 28 characters.
PAGE_W, PAGE_H = Mm(210), Mm(297)
MARGINS = {"top": Mm(37), "bottom": Mm(35), "left": Mm(28), "right": Mm(26)}
LINE = Pt(28.95)  # 225 mm / 22 lines, as Word's 公文 templates round it
BODY_PT = 16  # 三号
TITLE_PT = 22  # 二号
PAGE_NUMBER_PT = 14  # 四号
LINE_PITCH_TWIPS = 579  # LINE in twentieths of a point
# Word's w:charSpace is (character pitch − font size) × 4096 pt: 156 mm / 28 = 15.793 pt against 16 pt.
CHAR_SPACE = -849

FONTS = {
    "title": "方正小标宋简体",
    "body": "仿宋_GB2312",
    "h1": "黑体",
    "h2": "楷体_GB2312",
    "page": "宋体",
}
LATIN = "Times New Roman"

STYLE = {  # block kind → template style name
    "title": "公文标题",
    "addressee": "主送机关",
    "para": "公文正文",
    "h1": "一级标题",
    "h2": "二级标题",
    "signature": "发文机关署名",
    "date": "成文日期",
    "table": "表格文字",
    "chart": "图表",
}


def template_path() -> Path:
    """The shipped, office-editable Word template."""
    return Path(str(resources.files("lvzhi.writer") / "templates" / "report.docx"))


def _fonts(style: ParagraphStyle, east_asian: str, size: int) -> None:
    style.font.name = LATIN
    style.font.size = Pt(size)
    rpr = style.element.get_or_add_rPr()
    rfonts = rpr.get_or_add_rFonts()
    rfonts.set(qn("w:eastAsia"), east_asian)
    rfonts.set(qn("w:hint"), "eastAsia")


def _style(
    doc: DocxDocument,
    name: str,
    east_asian: str,
    size: int,
    *,
    align: int | None = None,
    indent: bool = True,
    line: Pt | None = LINE,
) -> ParagraphStyle:
    styles = doc.styles
    style = (
        styles[name] if name in [s.name for s in styles] else styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    )
    assert isinstance(style, ParagraphStyle)
    style.base_style = styles["Normal"]
    _fonts(style, east_asian, size)
    fmt = style.paragraph_format
    if line is not None:
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = line
    else:
        fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    fmt.first_line_indent = Pt(2 * size) if indent else Pt(0)
    if align is not None:
        fmt.alignment = align
    return style


def _page_field(paragraph: Paragraph) -> None:
    """`— PAGE —`: the page number as a Word field, so Word numbers every page itself."""
    paragraph.add_run("— ")
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        run = paragraph.add_run()
        if kind is not None:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), kind)
            run._r.append(fld)
        elif text == " PAGE ":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)
        else:
            run.text = text or ""
    paragraph.add_run(" —")


def make_template(path: Path | None = None) -> DocxDocument:
    """Build the GB/T 9704 template: page setup, grid, styles and the page-number footers."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = PAGE_W, PAGE_H
    section.top_margin, section.bottom_margin = MARGINS["top"], MARGINS["bottom"]
    section.left_margin, section.right_margin = MARGINS["left"], MARGINS["right"]
    section.footer_distance = Mm(28)  # the page number sits 7 mm below the 版心 (GB/T 9704 7.5)
    section.start_type = WD_SECTION.NEW_PAGE
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        section._sectPr.append(grid)
    grid.set(qn("w:type"), "linesAndChars")
    grid.set(qn("w:linePitch"), str(LINE_PITCH_TWIPS))
    grid.set(qn("w:charSpace"), str(CHAR_SPACE))

    normal = doc.styles["Normal"]
    assert isinstance(normal, ParagraphStyle)
    _fonts(normal, FONTS["body"], BODY_PT)
    _style(doc, STYLE["para"], FONTS["body"], BODY_PT, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    title = _style(
        doc,
        STYLE["title"],
        FONTS["title"],
        TITLE_PT,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        indent=False,
        line=Pt(35),
    )
    title.paragraph_format.space_after = LINE  # one blank line between title and addressee
    _style(doc, STYLE["addressee"], FONTS["body"], BODY_PT, align=WD_ALIGN_PARAGRAPH.LEFT, indent=False)
    _style(doc, STYLE["h1"], FONTS["h1"], BODY_PT, align=WD_ALIGN_PARAGRAPH.LEFT)
    _style(doc, STYLE["h2"], FONTS["h2"], BODY_PT, align=WD_ALIGN_PARAGRAPH.LEFT)
    signer = _style(
        doc, STYLE["signature"], FONTS["body"], BODY_PT, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False
    )
    signer.paragraph_format.space_before = Pt(2 * 28.95)  # 正文之后空二行
    signer.paragraph_format.right_indent = Pt(4 * BODY_PT)
    dated = _style(doc, STYLE["date"], FONTS["body"], BODY_PT, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    dated.paragraph_format.right_indent = Pt(4 * BODY_PT)  # 成文日期右空四字
    _style(doc, STYLE["table"], FONTS["body"], 12, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, line=None)
    _style(
        doc, STYLE["chart"], FONTS["body"], BODY_PT, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, line=None
    )
    page = _style(doc, "页码", FONTS["page"], PAGE_NUMBER_PT, indent=False, line=None)

    # 单页码居右空一字，双页码居左空一字 (GB/T 9704 7.5).
    doc.settings.odd_and_even_pages_header_footer = True
    odd = section.footer.paragraphs[0]
    odd.style = page
    odd.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    odd.paragraph_format.right_indent = Pt(PAGE_NUMBER_PT)
    _page_field(odd)
    even = section.even_page_footer.paragraphs[0]
    even.style = page
    even.alignment = WD_ALIGN_PARAGRAPH.LEFT
    even.paragraph_format.left_indent = Pt(PAGE_NUMBER_PT)
    _page_field(even)
    if path is not None:
        doc.save(str(path))
    return doc


def _open_template() -> DocxDocument:
    path = template_path()
    doc = Document(str(path)) if path.exists() else make_template()
    body = doc.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):  # keep the page setup, drop any sample text an office left in
            body.remove(child)
    return doc


def render_docx(document: ReportDocument) -> bytes:
    """The report as a .docx file (bytes)."""
    doc = _open_template()
    doc.core_properties.title = document.title
    # Look each style id up once: python-docx resolves a style name by scanning every style per paragraph.
    ids = {s.name: s.style_id for s in doc.styles if s.type == WD_STYLE_TYPE.PARAGRAPH}
    missing = [name for name in STYLE.values() if name not in ids]
    if missing or "Table Grid" not in [s.name for s in doc.styles]:
        raise ValueError(
            f"Word 模板 {template_path()} 缺少样式: {'、'.join(missing) or 'Table Grid'}"
            f" (the template lacks styles; regenerate it with `python -m lvzhi.writer.docx`)"
        )
    body = doc.element.body

    def paragraph(text: str, style: str) -> Paragraph:
        p = body.add_p()
        p.style = ids[style]
        para = Paragraph(p, doc._body)
        if text:
            para.add_run(text)
        return para

    for block in document.blocks:
        style = STYLE.get(block.kind, STYLE["para"])
        if block.kind == "table":
            table = doc.add_table(rows=len(block.rows), cols=len(block.rows[0]))
            table.style = doc.styles["Table Grid"]
            table.alignment = WD_TABLE_ALIGNMENT.CENTER
            # row by row: table.cell(r, c) rebuilds the cell grid on every call
            for r, (row_cells, row) in enumerate(zip(table.rows, block.rows, strict=True)):
                for cell, value in zip(row_cells.cells, row, strict=True):
                    first = cell.paragraphs[0]
                    first._p.style = ids[style]
                    first.add_run(value).bold = r == 0
        elif block.kind == "chart":
            paragraph("", style).add_run().add_picture(io.BytesIO(block.image), width=Mm(140))
            paragraph(block.text, STYLE["table"])
        else:
            paragraph(block.text, style)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


if __name__ == "__main__":  # regenerate the shipped template
    make_template(Path(sys.argv[1]) if len(sys.argv) > 1 else template_path())
