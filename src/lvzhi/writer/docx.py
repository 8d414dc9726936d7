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

from lvzhi.writer import layout
from lvzhi.writer.builder import ReportDocument

# GB/T 9704-2012: A4; 版心 156 mm × 225 mm (top 37, bottom 35, left 28, right 26); 22 lines of 28 characters.
PAGE_W, PAGE_H = Mm(210), Mm(297)
MARGINS = {"top": Mm(37), "bottom": Mm(35), "left": Mm(28), "right": Mm(26)}
LINE = Pt(28.95)  # 225 mm / 22 lines, as Word's 公文 templates round it
BODY_PT = 16  # 三号
TITLE_PT = 22  # 二号
PAGE_NUMBER_PT = 14  # 四号
TABLE_PT, TABLE_LINE_PT = 12, 18  # 小四 in lines of 1.5 (the print CSS uses the same)
LINE_PITCH_TWIPS = 579  # LINE in twentieths of a point
# 28 characters in 156 mm (442.2 pt): at most 15.793 pt per character against the 16 pt face; character
# spacing comes in twentieths of a point, so −0.25 pt (28 × 15.75 = 441 pt). Word's character grid (docGrid linesAndChars) would do it, but LibreOffice reads that grid as
# two cells per 16 pt character (about 14 a line); a line-only grid plus −5 twentieths of a point of
# character spacing in the body styles gives 28 a line in Word, WPS and LibreOffice alike (and the print
# CSS uses the same letter-spacing).
CHAR_SPACING_TWIPS = -5
PAGE_NUMBER_GAP = Mm(7)  # GB/T 9704 7.5: the page number's line sits 7 mm below the 版心
# Chinese text in zh-CN; Latin text (digits) in en-US, as Chinese Word documents carry it: with zh-CN for
# the Latin script LibreOffice breaks lines inside numbers (11|86900人).
LANGUAGE, LATIN_LANGUAGE = "zh-CN", "en-US"

FONTS = {
    "title": "方正小标宋简体",
    "body": "仿宋_GB2312",
    "h1": "黑体",
    "h2": "楷体_GB2312",
    "page": "宋体",
}
LATIN = "Times New Roman"
# Styles whose text must not be stretched onto the line grid: the 35 pt title would take two grid lines,
# the 12 pt table text one grid line per text line.
NO_SNAP = ("title", "table", "chart", "page")

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
    "attachments": "附件说明",
    "attachment": "附件标识",
}


def template_path() -> Path:
    """The shipped, office-editable Word template."""
    return Path(str(resources.files("lvzhi.writer") / "templates" / "report.docx"))


def _set(parent: object, tag: str, **attrs: str) -> None:
    """Give `parent` (an lxml element) exactly one child `tag` carrying `attrs` (w: attributes)."""
    el = parent.find(qn(tag))  # type: ignore[attr-defined]
    if el is None:
        el = OxmlElement(tag)
        parent.append(el)  # type: ignore[attr-defined]
    for key, value in attrs.items():
        el.set(qn(f"w:{key}"), value)


def _fonts(style: ParagraphStyle, east_asian: str, size: int, latin: str = LATIN) -> None:
    style.font.name = latin
    style.font.size = Pt(size)
    rpr = style.element.get_or_add_rPr()
    rfonts = rpr.get_or_add_rFonts()
    rfonts.set(qn("w:eastAsia"), east_asian)
    rfonts.set(qn("w:hint"), "eastAsia")
    # the language decides line breaking and the proofing dictionary in every office suite
    _set(rpr, "w:lang", val=LATIN_LANGUAGE, eastAsia=LANGUAGE)


def _style(
    doc: DocxDocument,
    name: str,
    east_asian: str,
    size: int,
    *,
    align: int | None = None,
    indent: bool = True,
    line: Pt | None = LINE,
    snap: bool = True,
    spacing: bool = True,
    latin: str = LATIN,
) -> ParagraphStyle:
    styles = doc.styles
    style = (
        styles[name] if name in [s.name for s in styles] else styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    )
    assert isinstance(style, ParagraphStyle)
    style.base_style = styles["Normal"]
    _fonts(style, east_asian, size, latin)
    if spacing and size == BODY_PT:
        _set(style.element.get_or_add_rPr(), "w:spacing", val=str(CHAR_SPACING_TWIPS))
    if not snap:
        _set(style.element.get_or_add_pPr(), "w:snapToGrid", val="0")
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
    # The footer's one line (exactly 四号 high) ends this far above the paper's edge, so that its top is
    # PAGE_NUMBER_GAP below the 版心.
    section.footer_distance = Mm(MARGINS["bottom"].mm - PAGE_NUMBER_GAP.mm) - Pt(PAGE_NUMBER_PT)
    section.start_type = WD_SECTION.NEW_PAGE
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        section._sectPr.append(grid)
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(LINE_PITCH_TWIPS))
    if grid.get(qn("w:charSpace")) is not None:
        del grid.attrib[qn("w:charSpace")]

    normal = doc.styles["Normal"]
    assert isinstance(normal, ParagraphStyle)
    _fonts(normal, FONTS["body"], BODY_PT)
    # No extra space between Chinese and Latin text or digits (Word, WPS and LibreOffice add a quarter
    # character by default; official documents and our PDF do not): "2020年度", not "2020 年度".
    npr = normal.element.get_or_add_pPr()
    _set(npr, "w:autoSpaceDE", val="0")
    _set(npr, "w:autoSpaceDN", val="0")
    _style(doc, STYLE["para"], FONTS["body"], BODY_PT, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    title = _style(
        doc,
        STYLE["title"],
        FONTS["title"],
        TITLE_PT,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        indent=False,
        line=Pt(35),
        snap=False,
    )
    title.paragraph_format.space_after = LINE  # one blank line between title and addressee
    title.paragraph_format.keep_with_next = True
    _style(doc, STYLE["addressee"], FONTS["body"], BODY_PT, align=WD_ALIGN_PARAGRAPH.LEFT, indent=False)
    for kind in ("h1", "h2"):
        heading = _style(doc, STYLE[kind], FONTS[kind], BODY_PT, align=WD_ALIGN_PARAGRAPH.LEFT)
        heading.paragraph_format.keep_with_next = True
    # 附件说明: 正文下空一行左空二字 (GB/T 9704 7.3.4)
    notes = _style(doc, STYLE["attachments"], FONTS["body"], BODY_PT, align=WD_ALIGN_PARAGRAPH.LEFT)
    notes.paragraph_format.space_before = LINE
    # 附件 label: 黑体 顶格 on the first line of a new page; the attachment's title on the third
    label = _style(
        doc, STYLE["attachment"], FONTS["h1"], BODY_PT, align=WD_ALIGN_PARAGRAPH.LEFT, indent=False
    )
    label.paragraph_format.page_break_before = True
    label.paragraph_format.space_after = LINE
    label.paragraph_format.keep_with_next = True
    # The signer's and the date's right indents depend on their lengths: set per paragraph by the renderer.
    signer = _style(
        doc, STYLE["signature"], FONTS["body"], BODY_PT, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False
    )
    signer.paragraph_format.space_before = Pt(2 * 28.95)  # room for the seal: 正文之后空二行
    signer.paragraph_format.keep_with_next = True
    _style(doc, STYLE["date"], FONTS["body"], BODY_PT, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    _style(
        doc,
        STYLE["table"],
        FONTS["body"],
        12,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        indent=False,
        line=Pt(TABLE_LINE_PT),
        snap=False,
    )
    _style(
        doc,
        STYLE["chart"],
        FONTS["body"],
        BODY_PT,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        indent=False,
        line=None,
        snap=False,
    )
    # 页码: 四号半角宋体阿拉伯数字 — the digits in 宋体 too, one line exactly 四号 high
    page = _style(
        doc,
        "页码",
        FONTS["page"],
        PAGE_NUMBER_PT,
        indent=False,
        line=Pt(PAGE_NUMBER_PT),
        snap=False,
        latin=FONTS["page"],
    )

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


def _line_break() -> object:
    run = OxmlElement("w:r")
    run.append(OxmlElement("w:br"))
    return run


def _table(doc: DocxDocument, rows: tuple[tuple[str, ...], ...], style_id: str, width: int) -> None:
    """A bordered table, its columns as wide as their content needs (layout.column_shares), the header
    row repeated on every page and no row split across pages."""
    table = doc.add_table(rows=len(rows), cols=len(rows[0]))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    widths = [int(width * share) for share in layout.column_shares(rows)]
    for col, w in zip(table.columns, widths, strict=True):
        col.width = w
    # row by row: table.cell(r, c) rebuilds the cell grid on every call
    for r, (row_cells, row) in enumerate(zip(table.rows, rows, strict=True)):
        tr_pr = row_cells._tr.get_or_add_trPr()
        _set(tr_pr, "w:cantSplit")
        if r == 0:
            _set(tr_pr, "w:tblHeader")
        for cell, value, w in zip(row_cells.cells, row, widths, strict=True):
            cell.width = w
            first = cell.paragraphs[0]
            first._p.style = style_id
            first.add_run(value).bold = r == 0
            if r and len(value) > 8:  # running text reads left-aligned; short figures stay centred
                first.alignment = WD_ALIGN_PARAGRAPH.LEFT


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

    section = doc.sections[0]
    width = (section.page_width or PAGE_W) - (section.left_margin or 0) - (section.right_margin or 0)
    for i, block in enumerate(document.blocks):
        style = STYLE.get(block.kind, STYLE["para"])
        if block.kind == "table":
            _table(doc, block.rows, ids[style], width)
        elif block.kind == "chart":
            picture = paragraph("", style)
            picture.paragraph_format.keep_with_next = True  # the caption stays under its chart
            picture.add_run().add_picture(io.BytesIO(block.image), width=Mm(140))
            paragraph(block.text, STYLE["table"])
        elif block.kind == "title":
            # the same lines as the PDF (layout.title_lines), each break a line break inside one paragraph
            para = paragraph("", style)
            for n, line in enumerate(layout.title_lines(block.text)):
                run = para.add_run(line)
                if n:
                    run._r.addprevious(_line_break())
        else:
            para = paragraph(block.text, style)
            if block.kind in ("signature", "date"):
                para.paragraph_format.right_indent = Pt(block.indent * BODY_PT)
            nxt = document.blocks[i + 1].kind if i + 1 < len(document.blocks) else ""
            if nxt in ("signature", "attachments"):
                # the signature never stands alone on a page: it keeps the last lines of the text with it
                para.paragraph_format.keep_with_next = True
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


if __name__ == "__main__":  # regenerate the shipped template
    make_template(Path(sys.argv[1]) if len(sys.argv) > 1 else template_path())
