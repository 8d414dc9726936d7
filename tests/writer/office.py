"""LibreOffice as a test instrument: convert many .docx in one headless call, then measure the PDFs it
prints (and ours) with poppler — lines, characters per line, line pitch, fonts, page-number position.

The machine has two cores shared by many: every conversion of a test run goes through one `soffice` call.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from lvzhi.writer.fontconf import alias_file
from lvzhi.writer.layout import width

ROOT = Path(__file__).resolve().parents[2]
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
