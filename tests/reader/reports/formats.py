"""Build the other input formats of a test report from its text: a GBK web page with site chrome, a .docx
and a text-layer .pdf with running header and page numbers — as offices actually publish them.

Used by tests/reader/test_extract.py and test_further_reports.py; the files are generated in tmp dirs so the
repository holds only the texts and their annotations.
"""

from __future__ import annotations

import html
import io
from pathlib import Path

REPORTS = Path(__file__).resolve().parent

# A page as saved from a county government site: gb2312 declared (GBK bytes), navigation, breadcrumb, a
# script, a font-size toolbar, a share box and a footer with an ICP number around the article.
PAGE = """<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN">
<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>{title}_某县人民政府门户网站</title>
<style>body {{ font-size: 14px }} .nav li {{ float: left }}</style>
<script type="text/javascript">var _hmt = _hmt || []; document.write("统计代码");</script>
</head><body>
<div class="top"><a href="/">首页</a> | <a href="/wza">无障碍浏览</a> | 设为首页 | 加入收藏</div>
<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/zwgk">政务公开</a></li>
<li><a href="/jyxx">教育信息</a></li><li><a href="/hdjl">互动交流</a></li></ul></div>
<div class="location">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk">政务公开</a> &gt; 教育督导</div>
<div class="article">
<div class="art-title"><h1>{title}</h1></div>
<div class="toolbar">发布时间：2023-03-22 来源：县教育局 浏览次数：1024 【字体：大 中 小】【打印】</div>
<div class="TRS_Editor">
{body}
</div>
<div class="share">分享到：微信 微博 QQ空间</div>
</div>
<div class="footer"><p>主办：某县人民政府办公室 承办：某县大数据中心</p>
<p>网站标识码：5100000001 蜀ICP备05012345号 川公网安备 51000002000123号</p></div>
<script>window.onload = function () {{ console.log("页面加载完毕") }};</script>
</body></html>
"""

PDF_CSS = (
    "@page { size: A4; margin: 2.2cm 2cm;"
    " @top-center { content: '某县教育督导文件'; font-family: 'Noto Serif CJK SC'; font-size: 9pt }"
    " @bottom-center { content: '— ' counter(page) ' —'; font-family: 'Noto Serif CJK SC'; font-size: 9pt } }"
    " body { font-family: 'Noto Serif CJK SC'; font-size: 15pt; line-height: 1.8; text-align: justify }"
    " p { margin: 0; text-indent: 2em }"
)


def report_text(name: str) -> str:
    """A test report's text as committed (UTF-8)."""
    return (REPORTS / name).read_text(encoding="utf-8")


def _lines(text: str) -> list[str]:
    return [line.strip("\u3000 ") for line in text.split("\n") if line.strip()]


def gbk_page(text: str) -> bytes:
    """The report as a government web page encoded in GBK (declared gb2312), title in <h1>."""
    title, *rest = _lines(text)
    body = "\n".join(f"<p>\u3000\u3000{html.escape(line)}</p>" for line in rest)
    return PAGE.format(title=html.escape(title), body=body).encode("gbk")


def docx_bytes(text: str, table: list[list[str]] | None = None) -> bytes:
    """The report as a Word document, one paragraph per line; ``table`` is inserted after the second line."""
    import docx

    document = docx.Document()
    for i, line in enumerate(_lines(text)):
        document.add_paragraph(line)
        if table and i == 1:
            grid = document.add_table(rows=len(table), cols=len(table[0]))
            for r, row in enumerate(table):
                for c, value in enumerate(row):
                    grid.cell(r, c).text = value
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def pdf_bytes(text: str) -> bytes:
    """The report as an A4 PDF with a text layer, a running header and page numbers '— n —'."""
    import weasyprint

    body = "".join(f"<p>{html.escape(line)}</p>" for line in _lines(text))
    page = f"<html><head><meta charset='utf-8'><style>{PDF_CSS}</style></head><body>{body}</body></html>"
    return bytes(weasyprint.HTML(string=page).write_pdf())


def numbered_docx(entries: list[tuple[int | None, str]]) -> bytes:
    """A .docx whose headings are numbered by Word (一、 / (一) / 1.), not typed: (level or None, text) pairs."""
    import docx
    from docx.oxml import parse_xml

    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    levels = [("chineseCounting", "%1、"), ("chineseCounting", "(%2)"), ("decimal", "%3.")]
    lvl_xml = "".join(
        f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text}"/></w:lvl>'
        for i, (fmt, text) in enumerate(levels)
    )
    document = docx.Document()
    numbering = document.part.numbering_part.element
    numbering.insert(0, parse_xml(f'<w:abstractNum {w} w:abstractNumId="90">{lvl_xml}</w:abstractNum>'))
    numbering.append(parse_xml(f'<w:num {w} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))
    for level, text in entries:
        paragraph = document.add_paragraph(text)
        if level is not None:
            ppr = paragraph._p.get_or_add_pPr()
            ppr.append(parse_xml(f'<w:numPr {w}><w:ilvl w:val="{level}"/><w:numId w:val="90"/></w:numPr>'))
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()
