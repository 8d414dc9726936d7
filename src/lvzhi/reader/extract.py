"""Plain text out of a report file: .txt in any common encoding, .html, .docx and text-layer .pdf.

Every offset the reader reports indexes into ``Extracted.text``; ``lvzhi check --text`` prints exactly that.
Unreadable input (scanned PDF, empty, binary, too large, unknown type) raises :class:`ExtractError` with a
Chinese message naming the file.
"""

from __future__ import annotations

import codecs
import io
import re
import statistics
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import charset_normalizer

MAX_BYTES = 50 * 1024 * 1024
"""Largest file read; reports are a few hundred kB, anything bigger is not a report (or a scanned one)."""

SUFFIX_KIND = {
    ".txt": "txt",
    ".text": "txt",
    ".html": "html",
    ".htm": "html",
    ".shtml": "html",
    ".docx": "docx",
    ".pdf": "pdf",
}


UNSUPPORTED = {
    ".doc": "旧版 Word 文档(.doc)，请在 Word 或 WPS 中另存为 .docx 后再读取",
    ".wps": "WPS 文档(.wps)，请另存为 .docx 后再读取",
    ".xls": "表格文件，不是报告正文",
    ".xlsx": "表格文件，不是报告正文",
    ".ppt": "演示文稿，不是报告正文",
    ".jpg": "图片，请提供文字版报告",
    ".jpeg": "图片，请提供文字版报告",
    ".png": "图片，请提供文字版报告",
    ".zip": "压缩包，请解压后逐个读取",
    ".rar": "压缩包，请解压后逐个读取",
}
"""Suffixes refused with advice, unless the content shows a supported kind (a .doc that is really a docx)."""


class ExtractError(ValueError):
    """The file cannot be turned into report text; the message (Chinese) names the file and the reason."""


@dataclass(frozen=True)
class Extracted:
    """The plain text of a report, the encoding it was decoded from and the input kind (txt/html/docx/pdf)."""

    text: str
    encoding: str
    kind: str

    def __str__(self) -> str:
        return self.text


def extract(path: str | Path) -> Extracted:
    """Read a report file of any supported kind into plain text."""
    p = Path(path)
    name = str(path)
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise ExtractError(f"无法打开文件“{name}”：{exc.strerror or exc} (cannot open file)") from exc
    if p.is_dir():
        raise ExtractError(f"“{name}”是目录，不是报告文件 (is a directory)")
    if size > MAX_BYTES:
        raise ExtractError(
            f"文件“{name}”有 {size / 1024 / 1024:.1f} MB，超过 {MAX_BYTES // 1024 // 1024} MB 上限，不像是一份报告 (file too large)"
        )
    raw = p.read_bytes()
    if not raw.strip():
        raise ExtractError(f"文件“{name}”是空文件 (empty file)")
    kind = _kind(p.suffix.lower(), raw)
    if kind == "txt" and p.suffix.lower() in UNSUPPORTED:
        raise ExtractError(f"文件“{name}”是{UNSUPPORTED[p.suffix.lower()]} (unsupported file type)")
    if kind == "pdf":
        text, enc = _pdf(raw, name), "pdf"
    elif kind == "docx":
        text, enc = _docx(raw, name), "docx"
    elif kind == "html":
        text, enc = _html(raw, name)
    else:
        text, enc = decode_text(raw, name)
    text = _tidy(text)
    if not text.strip():
        raise ExtractError(f"文件“{name}”中没有可读取的文字 (no text)")
    return Extracted(text, enc, kind)


def _kind(suffix: str, raw: bytes) -> str:
    # Content wins over the suffix: offices rename files (a .txt that is really a web page, a .doc that is a docx).
    head = raw[:1024].lstrip()
    if raw.startswith(b"%PDF-"):
        return "pdf"
    if raw.startswith(b"PK\x03\x04"):
        return "docx"
    if suffix in SUFFIX_KIND and SUFFIX_KIND[suffix] in ("pdf", "docx"):
        return SUFFIX_KIND[suffix]
    low = head.lower()
    if (
        SUFFIX_KIND.get(suffix) == "html"
        or low.startswith((b"<!doctype html", b"<html"))
        or (b"<html" in low and b"<body" in raw[:65536].lower())
    ):
        return "html"
    return "txt"


# ---------------------------------------------------------------- plain text

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\ufffd]")


def decode_text(raw: bytes, name: str = "文本") -> tuple[str, str]:
    """Decode bytes of a text report: BOM, then strict UTF-8 / GB18030, then charset-normalizer's guess."""
    text: str | None = None
    encoding = ""
    for bom, enc in _BOMS:
        if raw.startswith(bom):
            try:
                text, encoding = raw.decode(enc), enc
            except UnicodeDecodeError as exc:
                raise ExtractError(
                    f"文件“{name}”以 {enc} 标记开头，但第 {exc.start} 字节处无法按 {enc} 解码 (bad {enc})"
                ) from exc
            break
    if text is None and b"\x00" in raw[:4096]:
        # NUL bytes: UTF-16 without a BOM (the zero byte of ASCII characters shows the byte order), or binary.
        sample = raw[:4096]
        enc = "utf-16-le" if sample[1::2].count(0) >= sample[0::2].count(0) else "utf-16-be"
        try:
            candidate = raw[: len(raw) - len(raw) % 2].decode(enc)
        except UnicodeDecodeError:
            candidate = ""
        if not candidate or not _mostly_cjk_or_ascii(candidate) or _CONTROL.search(candidate[:4096]):
            raise ExtractError(f"文件“{name}”是二进制文件，不是文字报告 (binary file)")
        text, encoding = candidate, enc
    if text is None:
        # Strict attempts first: UTF-8 is unambiguous when it decodes, and GB18030 covers GBK/GB2312, the
        # encodings of older government sites; only then the statistical guess.
        for enc in ("utf-8", "gb18030"):
            try:
                text, encoding = raw.decode(enc), enc
                break
            except UnicodeDecodeError:
                continue
    if text is None:
        best = charset_normalizer.from_bytes(raw).best()
        if best is None:
            raise ExtractError(f"无法识别文件“{name}”的文字编码，请另存为 UTF-8 (unknown encoding)")
        text, encoding = str(best), str(best.encoding)
    if encoding == "gb18030" and not _mostly_cjk_or_ascii(text):
        best = charset_normalizer.from_bytes(raw).best()
        if best is not None and best.encoding not in ("gb18030", "gbk", "gb2312"):
            text, encoding = str(best), str(best.encoding)
    head = text[:100_000]
    if head and len(_CONTROL.findall(head)) > max(3, len(head) // 100):
        raise ExtractError(f"文件“{name}”含大量控制字符，是二进制文件而非文字报告 (binary file)")
    return text, encoding


def _mostly_cjk_or_ascii(text: str) -> bool:
    sample = text[:20000]
    good = sum(1 for ch in sample if ch < "\x80" or "\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef")
    return good >= 0.95 * len(sample)


# ---------------------------------------------------------------- HTML

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
_CHROME_TAGS = (
    "script",
    "style",
    "noscript",
    "nav",
    "header",
    "footer",
    "aside",
    "form",
    "iframe",
    "button",
    "select",
    "input",
    "template",
    "svg",
    "object",
    "embed",
)
_CHROME_ATTR = re.compile(
    r"(^|[\s_\-])(nav|navbar|menu|footer|foot|header|head|top|breadcrumb|crumb|bread|location|position|share|"
    r"sidebar|side|banner|copyright|bottom|links?|toolbar|search|login|fontsize|print|related|pager?)([\s_\-]|\d|$)",
    re.I,
)
_BLOCK = {
    "p",
    "div",
    "li",
    "tr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "section",
    "article",
    "ul",
    "ol",
    "blockquote",
    "pre",
    "dd",
    "dt",
    "dl",
    "center",
    "tbody",
    "thead",
    "body",
}
_CJK = re.compile(r"[\u3400-\u9fff]")


# Real pages nest a few dozen elements deep; the clean-up below looks at each element's text, which costs
# depth × size, so a page nested thousands deep would take minutes. Measured first, in one linear pass
# (libxml2's pull parser itself reports at most 256 levels, so the limit must stay below that).
MAX_HTML_DEPTH = 200


def _check_html_depth(text: str, name: str) -> None:
    from lxml import etree

    parser = etree.HTMLPullParser(events=("start", "end"))
    depth = deepest = 0
    for start in range(0, len(text), 1 << 16):
        parser.feed(text[start : start + (1 << 16)])
        for event, _ in parser.read_events():
            depth += 1 if event == "start" else -1
            deepest = max(deepest, depth)
        if deepest > MAX_HTML_DEPTH:
            raise ExtractError(
                f"文件“{name}”的网页结构嵌套超过 {MAX_HTML_DEPTH} 层，不像是一份报告 (HTML nested too deep)"
            )


def _html(raw: bytes, name: str) -> tuple[str, str]:
    from bs4 import BeautifulSoup, Comment

    m = _META_CHARSET.search(raw[:8192])
    text: str | None = None
    encoding = ""
    if m and not raw.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        declared = m.group(1).decode("ascii").lower()
        # Sites declare gb2312/gbk but use characters beyond it; GB18030 is their superset.
        enc = (
            "gb18030"
            if declared in ("gb2312", "gbk", "gb_2312-80", "x-gbk", "gb18030", "cp936")
            else declared
        )
        try:
            text, encoding = raw.decode(enc), enc
        except (LookupError, UnicodeDecodeError):
            text = None
    if text is None:
        text, encoding = decode_text(raw, name)
    _check_html_depth(text, name)
    soup = BeautifulSoup(text, "lxml")
    for c in soup.find_all(string=lambda s: isinstance(s, Comment)):
        c.extract()
    for tag in soup.find_all(_CHROME_TAGS):
        tag.decompose()
    for tag in soup.find_all(True):
        if tag.decomposed or tag.attrs is None:
            continue
        attrs = " ".join([str(tag.get("id") or ""), *(tag.get("class") or [])])
        if attrs.strip() and _CHROME_ATTR.search(attrs) and not _is_article(tag):
            tag.decompose()
    root = _article(soup)
    title = ""
    heading = soup.find(["h1", "h2"])
    if heading is not None and root is not None and heading not in root.descendants:
        title = heading.get_text(" ", strip=True)
    body = _block_text(root) if root is not None else ""
    out = f"{title}\n\n{body}" if title and title not in body[:200] else body
    out = re.sub(r"[ \t\u3000]+\n", "\n", out)
    out = re.sub(r"\n[ \t]*\n(\s*\n)+", "\n\n", out)
    return out.strip() + "\n", encoding


def _is_article(tag: Any) -> bool:
    # A chrome-looking class on the element that holds the report itself must not remove it.
    return len(_CJK.findall(tag.get_text())) > 400


def _article(soup: Any) -> Any:
    # The article is the element whose own paragraphs hold the most CJK text: count each text node for its
    # nearest block ancestor only, then pick that block's parent if the text is split over sibling <p>s.
    scores: Counter[int] = Counter()
    nodes: dict[int, Any] = {}
    for s in soup.find_all(string=True):
        n = len(_CJK.findall(s))
        if not n:
            continue
        parent = s.parent
        # Old sites lay pages out in tables: a cell holding <br>-separated text is a block of its own.
        while parent is not None and parent.name not in _BLOCK and parent.name not in ("td", "th"):
            parent = parent.parent
        if parent is None:
            continue
        container = (
            parent.parent if parent.name in ("p", "li", "h1", "h2", "h3", "h4", "h5", "h6") else parent
        )
        if container is None:
            container = parent
        while container.name in ("tr", "tbody", "thead", "ul", "ol") and container.parent is not None:
            container = container.parent
        scores[id(container)] += n
        nodes[id(container)] = container
    if not scores:
        return soup.body or soup
    best = nodes[scores.most_common(1)[0][0]]
    return best


def _block_text(root: Any) -> str:
    from bs4.element import NavigableString, Tag

    parts: list[str] = []

    def walk(node: Any) -> None:
        for child in node.children:
            if isinstance(child, NavigableString):
                parts.append(re.sub(r"[ \t\r\n]+", " ", str(child)))
            elif isinstance(child, Tag):
                if child.name == "br":
                    parts.append("\n")
                    continue
                block = child.name in _BLOCK
                if block:
                    parts.append("\n")
                walk(child)
                if child.name in ("td", "th"):
                    parts.append("\t")
                if block:
                    parts.append("\n")

    walk(root)
    return "".join(parts)


# ---------------------------------------------------------------- DOCX


# The XML of a long report's docx unpacks to a few MB; python-docx holds every part as a tree (about ten
# times its size in memory), so a small file unpacking to far more is refused before it is parsed.
MAX_DOCX_XML = 30 * 1024 * 1024
MAX_DOCX_RATIO = 100


def _check_docx_size(raw: bytes, name: str) -> None:
    try:
        infos = zipfile.ZipFile(io.BytesIO(raw)).infolist()
    except (zipfile.BadZipFile, ValueError) as exc:
        raise ExtractError(f"文件“{name}”不是有效的 Word(docx) 文档或已损坏 (bad docx: {exc})") from exc
    xml = [i for i in infos if i.filename.endswith((".xml", ".rels"))]
    unpacked = sum(i.file_size for i in xml)
    packed = max(1, sum(i.compress_size for i in xml))
    if unpacked > MAX_DOCX_XML or (unpacked > 1024 * 1024 and unpacked / packed > MAX_DOCX_RATIO):
        raise ExtractError(
            f"文件“{name}”解压后的文档内容有 {unpacked / 1048576:.0f} MB（压缩比 {unpacked / packed:.0f}），"
            f"超过 {MAX_DOCX_XML // 1048576} MB 上限，疑似压缩炸弹 (docx unpacks too large)"
        )


def _docx(raw: bytes, name: str) -> str:
    import docx
    from docx.table import Table

    _check_docx_size(raw, name)
    try:
        document = docx.Document(io.BytesIO(raw))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ExtractError(f"文件“{name}”不是有效的 Word(docx) 文档或已损坏 (bad docx: {exc})") from exc
    except Exception as exc:  # python-docx raises lxml/opc errors of several types on damaged packages
        raise ExtractError(f"文件“{name}”无法按 Word(docx) 读取 (bad docx: {type(exc).__name__})") from exc
    label = _numbering(document)
    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                cells: list[str] = []
                for cell in row.cells:
                    t = cell.text.strip()
                    # Merged cells repeat the same text in each grid cell; keep it once.
                    if not cells or cells[-1] != t:
                        cells.append(t)
                lines.append("\t".join(cells))
        else:
            lines.append(label(block) + block.text)
    return "\n".join(lines)


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_CN_DIGITS = "零一二三四五六七八九"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def _chinese(n: int) -> str:
    if n < 10:
        return _CN_DIGITS[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")
    return str(n)


def _format_counter(n: int, fmt: str) -> str:
    if fmt.startswith(("chineseCounting", "ideographDigital", "japaneseCounting", "taiwaneseCounting")):
        return _chinese(n)
    if fmt.startswith("decimalEnclosedCircle") and 1 <= n <= len(_CIRCLED):
        return _CIRCLED[n - 1]
    if fmt in ("lowerLetter", "upperLetter"):
        letter = chr(ord("a") + (n - 1) % 26)
        return letter.upper() if fmt == "upperLetter" else letter
    if fmt == "decimalFullWidth":
        return str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    return str(n)


def _numbering(document: Any) -> Any:
    """A function giving each paragraph the label Word's automatic numbering shows (一、 (一) 1. ①), or ""."""
    # Headings numbered by Word (not typed) are absent from paragraph.text; without them the reader would
    # see no section tree. Counters follow each list (numId) and restart deeper levels, as Word does.
    try:
        root = document.part.numbering_part.element
    except (KeyError, NotImplementedError, AttributeError):
        return lambda _p: ""
    abstract_of = {}
    for num in root.findall(_W + "num"):
        ref = num.find(_W + "abstractNumId")
        if ref is not None:
            abstract_of[num.get(_W + "numId")] = ref.get(_W + "val")
    levels: dict[str, dict[int, tuple[str, str, int]]] = {}
    for absn in root.findall(_W + "abstractNum"):
        table: dict[int, tuple[str, str, int]] = {}
        for lvl in absn.findall(_W + "lvl"):
            fmt, text, start = lvl.find(_W + "numFmt"), lvl.find(_W + "lvlText"), lvl.find(_W + "start")
            table[int(lvl.get(_W + "ilvl") or 0)] = (
                fmt.get(_W + "val") if fmt is not None else "decimal",
                text.get(_W + "val") if text is not None else "",
                int(start.get(_W + "val") or 1) if start is not None else 1,
            )
        levels[str(absn.get(_W + "abstractNumId"))] = table
    counters: dict[str, dict[int, int]] = {}

    def num_pr(paragraph: Any) -> tuple[str, int] | None:
        ppr = paragraph._p.pPr
        node = ppr.find(_W + "numPr") if ppr is not None else None
        style = paragraph.style
        while node is None and style is not None:
            sppr = style.element.find(_W + "pPr")
            node = sppr.find(_W + "numPr") if sppr is not None else None
            style = style.base_style
        if node is None:
            return None
        num_id, ilvl = node.find(_W + "numId"), node.find(_W + "ilvl")
        if num_id is None or num_id.get(_W + "val") in (None, "0"):
            return None
        return str(num_id.get(_W + "val")), int(ilvl.get(_W + "val") or 0) if ilvl is not None else 0

    def label(paragraph: Any) -> str:
        found = num_pr(paragraph)
        if found is None or not paragraph.text.strip():
            return ""
        num_id, ilvl = found
        table = levels.get(abstract_of.get(num_id, ""), {})
        if ilvl not in table:
            return ""
        count = counters.setdefault(num_id, {})
        count[ilvl] = count.get(ilvl, table[ilvl][2] - 1) + 1
        for deeper in [k for k in count if k > ilvl]:
            del count[deeper]
        fmt, text, _ = table[ilvl]
        if fmt in ("bullet", "none"):
            return ""

        def level(m: re.Match[str]) -> str:
            k = int(m.group(1)) - 1
            lfmt, _, lstart = table.get(k, ("decimal", "", 1))
            return _format_counter(count.get(k, lstart), lfmt)

        return re.sub(r"%(\d)", level, text)

    return label


# ---------------------------------------------------------------- PDF

_PAGE_NO = re.compile(
    r"^[\s\-—–_·.]*(第\s*)?[0-9０-９]+(\s*页)?(\s*[/／]\s*(共\s*)?[0-9０-９]+\s*页?)?[\s\-—–_·.]*$|^[\s\-—–]*[ivxlcIVXLC]+[\s\-—–]*$"
)
_HEADING_START = re.compile(
    r"^\s*([一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|\d{1,2}[.．、]\D|[（(]\d{1,2}[）)]|[①-⑳])"
)
_CJKISH = r"\u3000-\u303f\u3400-\u9fff\uff00-\uffef"
_SPACE_BETWEEN = re.compile(
    rf"(?<=[{_CJKISH}])[ \u00a0\u3000]+(?=[{_CJKISH}0-9%])|(?<=[0-9%.])[ \u00a0\u3000]+(?=[{_CJKISH}%])"
)


def _pdf(raw: bytes, name: str) -> str:
    import pdfplumber

    try:
        pdf = pdfplumber.open(io.BytesIO(raw))
    except Exception as exc:  # pdfminer raises many types on damaged files
        raise ExtractError(f"文件“{name}”不是有效的 PDF 或已损坏 (bad pdf: {type(exc).__name__})") from exc
    pages: list[list[tuple[str, float, float]]] = []
    try:
        with pdf:
            if getattr(pdf.doc, "is_extractable", True) is False:
                raise ExtractError(f"PDF“{name}”禁止提取文字 (extraction not allowed)")
            for page in pdf.pages:
                lines = page.extract_text_lines(layout=False, strip=True, return_chars=False)
                heights = sorted(float(ln["bottom"]) - float(ln["top"]) for ln in lines)
                body = heights[len(heights) // 2] if heights else 0.0
                # Running headers/footers are set smaller than the body; drop small lines at a page edge
                # (this also covers one-page reports, where repetition cannot tell).
                kept = [
                    ln
                    for i, ln in enumerate(lines)
                    if not (
                        (i < 1 or i >= len(lines) - 1)
                        and float(ln["bottom"]) - float(ln["top"]) < 0.75 * body
                    )
                ]
                pages.append([(ln["text"], float(ln["x0"]), float(ln["x1"])) for ln in kept])
    except ExtractError:
        raise
    except Exception as exc:
        raise ExtractError(f"PDF“{name}”读取失败 (bad pdf: {type(exc).__name__}: {exc})") from exc
    if not any(len(_CJK.findall(t)) + len(re.findall(r"\w", t)) for pg in pages for t, _, _ in pg):
        raise ExtractError(
            f"PDF“{name}”没有文字层（可能是扫描件），请提供文字版 PDF、Word 或 txt (scanned pdf, no text layer)"
        )
    pages = _drop_running(pages)
    # Flatten with each page's margins and character width, then decide line by line whether the next line
    # continues the paragraph: it does unless it is indented, starts a numbered heading, or this line stops
    # short of the right margin by more than the next line's first word would have needed.
    # Margins are the document's (median over fuller pages), so that a last page of short lines is not
    # mistaken for full-width text.
    full = [pg for pg in pages if len(pg) >= 5] or [pg for pg in pages if pg]
    doc_left = statistics.median(min(x0 for _, x0, _ in pg) for pg in full) if full else 0.0
    doc_right = statistics.median(max(x1 for _, _, x1 in pg) for pg in full) if full else 0.0
    flat: list[tuple[str, float, float, float, float, float]] = []
    for page_lines in pages:
        if page_lines:
            left = min(doc_left, min(x0 for _, x0, _ in page_lines))
            right = max(doc_right, max(x1 for _, _, x1 in page_lines))
            em = _char_width(page_lines)
            flat.extend((_unspace(t), x0, x1, left, right, em) for t, x0, x1 in page_lines)
    return "\n".join(_paragraphs(flat))


def _paragraphs(flat: list[tuple[str, float, float, float, float, float]]) -> list[str]:
    out: list[str] = []
    ended = True
    for i, (text, x0, x1, left, right, em) in enumerate(flat):
        starts_new = ended or x0 - left > 1.2 * em or _HEADING_START.match(text) is not None
        if starts_new:
            out.append(text)
        else:
            out[-1] += _joiner(out[-1], text) + text
        nxt = flat[i + 1][0] if i + 1 < len(flat) else ""
        first = re.match(r"[0-9A-Za-z.%]+|.", nxt)
        token = first.group(0) if first else ""
        # Digits and Latin letters are narrower than a CJK em, but % and wide fonts vary: be generous.
        need = em * (0.7 * len(token) if token.isascii() else len(token))
        ended = right - x1 > need + em
    return out


def _unspace(line: str) -> str:
    """Remove the spaces PDF extraction puts between CJK characters, digits and units."""
    pairs = max(len(line) - 1, 1)
    if line.count(" ") > 0.3 * pairs:
        # Letter-spaced (or justified) line: every character came out as its own word, digits included.
        line = re.sub(r"(?<=\S) (?=\S)", "", line)
    return _SPACE_BETWEEN.sub("", line)


def _char_width(lines: list[tuple[str, float, float]]) -> float:
    widths = sorted((x1 - x0) / len(t) for t, x0, x1 in lines if len(t) >= 8)
    return widths[len(widths) // 2] if widths else 10.0


def _joiner(prev: str, nxt: str) -> str:
    # Latin words broken across lines need their space back; CJK text joins directly.
    a, b = prev.rstrip("\x00")[-1:], nxt[:1]
    return " " if a.isascii() and a.isalpha() and b.isascii() and b.isalpha() else ""


def _drop_running(pages: list[list[tuple[str, float, float]]]) -> list[list[tuple[str, float, float]]]:
    """Remove page numbers and running headers/footers: lines repeated at the top or bottom of most pages."""

    def key(t: str) -> str:
        return re.sub(r"[0-9０-９]+", "#", t.replace(" ", ""))

    edge: Counter[str] = Counter()
    for lines in pages:
        for t, _, _ in {*lines[:2], *lines[-2:]}:
            edge[key(t)] += 1
    # A line at the edge of every page (two-page reports) or of most pages (longer ones) is a running
    # header/footer; page numbers are caught by pattern even on a single page.
    repeated = {k for k, n in edge.items() if len(pages) >= 2 and n >= max(2, len(pages) * 0.6)}
    out = []
    for lines in pages:
        kept = []
        for i, (t, x0, x1) in enumerate(lines):
            at_edge = i < 2 or i >= len(lines) - 2
            if at_edge and (_PAGE_NO.match(t) or key(t) in repeated):
                continue
            kept.append((t, x0, x1))
        out.append(kept)
    return out


# ---------------------------------------------------------------- common


def _tidy(text: str) -> str:
    # One newline convention for every input, so offsets are the same whatever the source platform.
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
