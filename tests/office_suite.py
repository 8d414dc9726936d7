"""LibreOffice as a test instrument: convert many .docx in one headless call, then measure the PDFs it
prints (and ours) with poppler — lines, characters per line, line pitch, fonts, page-number position.

The machine has two cores shared by many: every conversion of a test run goes through one `soffice` call.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import statistics
import subprocess
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from lvzhi.writer.fontconf import alias_file
from lvzhi.writer.layout import width

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts" / "writer"
MM = 72 / 25.4  # points per millimetre
PAGE_H = 297 * MM
BLOCK_TOP, BLOCK_BOTTOM = 37 * MM, (297 - 35) * MM  # the 版心 (GB/T 9704)
BLOCK_LEFT, BLOCK_RIGHT = 28 * MM, (210 - 26) * MM


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(docx: dict[str, bytes], out: Path) -> dict[str, Path]:
    """Every document converted to PDF by LibreOffice in one call; name → PDF path.

    LibreOffice runs with the project's font aliases (仿宋_GB2312 … → Noto CJK), as WeasyPrint does, and a
    private profile so that concurrent runs never share one.
    """
    exe = soffice()
    assert exe is not None, "LibreOffice 未安装：请运行 scripts/setup.sh"
    src = out / "docx"
    src.mkdir(parents=True, exist_ok=True)
    for name, data in docx.items():
        (src / f"{name}.docx").write_bytes(data)
    profile = Path(tempfile.mkdtemp(prefix="lo-profile-"))
    env = dict(os.environ, FONTCONFIG_FILE=str(alias_file()))
    try:
        subprocess.run(
            [
                exe,
                f"-env:UserInstallation={profile.as_uri()}",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                str(out / "lo"),
                *(str(src / f"{n}.docx") for n in docx),
            ],
            check=True,
            capture_output=True,
            env=env,
            timeout=600,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return {n: out / "lo" / f"{n}.pdf" for n in docx}


@dataclass(frozen=True)
class Line:
    page: int
    top: float  # points from the page's top
    bottom: float
    left: float
    right: float
    text: str  # the words joined without spaces (pdftotext splits scripts into words)
    size: float  # the glyph height: tells 16 pt body text from 12 pt table text


def lines(pdf: Path) -> list[Line]:
    """Every text line of the PDF with its box (pdftotext -bbox-layout)."""
    xml = subprocess.run(
        ["pdftotext", "-bbox-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    xml = re.sub(r"<!DOCTYPE[^>]*>", "", xml)
    root = ElementTree.fromstring(xml)
    out = []
    for p, page in enumerate(root.iter("{http://www.w3.org/1999/xhtml}page"), 1):
        for line in page.iter("{http://www.w3.org/1999/xhtml}line"):
            words = list(line.iter("{http://www.w3.org/1999/xhtml}word"))
            text = "".join(w.text or "" for w in words)
            top, bottom = float(line.get("yMin", 0)), float(line.get("yMax", 0))
            left, right = float(line.get("xMin", 0)), float(line.get("xMax", 0))
            out.append(Line(p, top, bottom, left, right, text, bottom - top))
    return out


def pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))  # type: ignore[union-attr]


def fonts(pdf: Path) -> set[str]:
    """Font names in the PDF without the subset prefix (ABCDEF+)."""
    out = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True, text=True).stdout
    return {re.sub(r"^[A-Z]{6}\+", "", row.split()[0]) for row in out.splitlines()[2:] if row.strip()}


_PAGE_NUMBER = re.compile(r"^—\d+—$")


def page_numbers(all_lines: list[Line]) -> list[Line]:
    return [ln for ln in all_lines if _PAGE_NUMBER.match(ln.text)]


def body_lines(all_lines: list[Line], points: float = 16) -> list[Line]:
    """Lines of 三号 (16 pt) text inside the 版心: not the title, not table text, not the page number.

    A line's box height is the face's ascent plus descent; the 14 pt page number gives its ratio to the
    point size, whichever renderer and face printed it.
    """
    numbers = page_numbers(all_lines)
    ratio = numbers[0].size / 14 if numbers else 1.44
    return [
        ln
        for ln in all_lines
        if abs(ln.size - points * ratio) < 0.8
        and not _PAGE_NUMBER.match(ln.text)
        and ln.bottom < BLOCK_BOTTOM + 2
    ]


def full_line_widths(all_lines: list[Line]) -> list[float]:
    """Widths (in characters) of the body lines of Chinese text only that run to the right margin.

    The first line of a paragraph is indented two characters, counted in. Lines holding digits or Latin
    letters are left out: their width depends on the Latin face.
    """
    out = []
    for ln in body_lines(all_lines):
        starts = ln.left < BLOCK_LEFT + 34  # at the margin or two characters in: a line of a paragraph
        if starts and ln.text and not re.search(r"[\x00-\x7f]", ln.text) and ln.right > BLOCK_RIGHT - 8:
            out.append(width(ln.text) + (2 if ln.left > BLOCK_LEFT + 16 else 0))
    return out


def line_pitch(all_lines: list[Line]) -> float:
    """The most common distance (points) between consecutive body lines on a page."""
    gaps: Counter[float] = Counter()
    body = body_lines(all_lines)
    for a, b in itertools.pairwise(body):
        if a.page == b.page and b.top > a.top:
            gaps[round(b.top - a.top, 1)] += 1
    return gaps.most_common(1)[0][0]


def png(pdf: Path, prefix: Path, first: int = 1, last: int = 2, dpi: int = 60) -> list[Path]:
    """Pages `first`…`last` as PNG files `prefix-N.png` (pdftoppm)."""
    prefix.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["pdftoppm", "-png", "-r", str(dpi), "-f", str(first), "-l", str(last), str(pdf), str(prefix)],
        check=True,
    )
    return sorted(prefix.parent.glob(f"{prefix.name}-*.png"))


# ---- the checks: each returns what is wrong (empty when the documents print as they should) ----------

Printed = dict[str, tuple[Path, Path]]  # name → (LibreOffice's PDF of our .docx, our PDF)


def print_both(documents: dict[str, Any], out: Path) -> Printed:
    """Every document as LibreOffice prints our .docx (one soffice call) and as we print it."""
    from lvzhi.writer.docx import render_docx
    from lvzhi.writer.pdf import render_pdf

    lo = convert({k: render_docx(d) for k, d in documents.items()}, out)
    ours = {}
    for name, doc in documents.items():
        ours[name] = out / f"{name}.pdf"
        ours[name].write_bytes(render_pdf(doc))
    return {k: (lo[k], ours[k]) for k in documents}


def page_count_problems(printed: Printed) -> list[str]:
    counts = {k: (pages(lo), pages(ours)) for k, (lo, ours) in printed.items()}
    return [f"{k}: LibreOffice {a} pages, ours {b}" for k, (a, b) in counts.items() if a != b]


def grid_problems(printed: Printed) -> list[str]:
    """28 characters on a full line (29 where marks compress or a closing mark hangs; fewer, stretched,
    where the next word is a number too long to fit), lines 28.95 pt apart, at most 22 a page."""
    out = []
    for name, pdfs in printed.items():
        for pdf in pdfs:
            found = lines(pdf)
            widths = full_line_widths(found)
            if not widths and "反馈意见" not in name:  # a short letter may have no full line of Chinese
                out.append(f"{pdf}: no full line of text")
            if any(w > 29 for w in widths) or (widths and not 27 <= statistics.median(widths) <= 29):
                out.append(f"{pdf}: line widths {sorted(widths)}")
            pitch = line_pitch(found)
            if abs(pitch - 28.95) >= 0.3 or round(225 * MM / pitch) != 22:
                out.append(f"{pdf}: line pitch {pitch}")
            per_page = Counter(ln.page for ln in body_lines(found))
            if max(per_page.values()) > 22:
                out.append(f"{pdf}: lines per page {dict(per_page)}")
    return out


def split_number_problems(printed: Printed) -> list[str]:
    out = []
    for pdfs in printed.values():
        for pdf in pdfs:
            body = body_lines(lines(pdf))
            out += [
                f"{pdf}: {a.text[-6:]}|{b.text[:6]}"
                for a, b in itertools.pairwise(body)
                if a.page == b.page and a.text[-1:].isdigit() and b.text[:1] in "0123456789.%"
            ]
    return out


def title_problems(printed: Printed, documents: dict[str, Any]) -> list[str]:
    from lvzhi.writer.layout import title_lines

    out = []
    for name, pdfs in printed.items():
        expected = list(title_lines(documents[name].title))
        for pdf in pdfs:
            first = [ln.text for ln in lines(pdf)[: len(expected)]]
            if first != expected:
                out.append(f"{pdf}: title lines {first} ≠ {expected}")
    return out


def font_problems(printed: Printed) -> list[str]:
    out = []
    for pdfs in printed.values():
        for pdf in pdfs:
            names = fonts(pdf)
            odd = {n for n in names if "CJK" not in n and "Liberation" not in n}
            if odd:  # a fallback face (DejaVu …) printed some character
                out.append(f"{pdf}: fonts {sorted(odd)}")
            if not (any("Serif" in n and "CJK" in n for n in names) and any("Sans" in n for n in names)):
                out.append(f"{pdf}: no serif and sans CJK faces in {sorted(names)}")
    return out


def page_number_problems(printed: Printed) -> list[str]:
    out = []
    for pdfs in printed.values():
        for pdf in pdfs:
            found = page_numbers(lines(pdf))
            if len(found) != pages(pdf):
                out.append(f"{pdf}: {len(found)} page numbers on {pages(pdf)} pages")
            for ln in found:
                gap = (ln.top - BLOCK_BOTTOM) / MM
                right_side = ln.left > 105 * MM
                if not 6 <= gap <= 8 or right_side != (ln.page % 2 == 1):
                    out.append(f"{pdf}: page number {ln}")
    return out


def signature_problems(printed: Printed, documents: dict[str, Any]) -> list[str]:
    out = []
    for name, pdfs in printed.items():
        doc = documents[name]
        (signer,) = [b.text for b in doc.blocks if b.kind == "signature"]
        for pdf in pdfs:
            found = lines(pdf)
            sig = [ln for ln in found if ln.text == signer and ln.top > BLOCK_TOP + 40]
            if len(sig) != 1:
                out.append(f"{pdf}: signature lines {sig}")
                continue
            above = [ln for ln in body_lines(found) if ln.page == sig[0].page and ln.top < sig[0].top]
            if not above:
                out.append(f"{pdf}: the signature stands alone on page {sig[0].page}")
            if any(b.kind == "attachment" for b in doc.blocks):
                label = [ln for ln in found if ln.text == "附件"]
                first_on_page = label and label[0].top == min(
                    ln.top for ln in found if ln.page == label[0].page
                )
                if not (len(label) == 1 and label[0].page == sig[0].page + 1 and first_on_page):
                    out.append(f"{pdf}: the attachment does not open its own page")
                elif label[0].left >= MM * 28 + 4:
                    out.append(f"{pdf}: the 附件 label is not 顶格")
    return out


def all_problems(printed: Printed, documents: dict[str, Any]) -> list[str]:
    return (
        page_count_problems(printed)
        + grid_problems(printed)
        + split_number_problems(printed)
        + title_problems(printed, documents)
        + font_problems(printed)
        + page_number_problems(printed)
        + signature_problems(printed, documents)
    )
