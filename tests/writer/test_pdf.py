"""The PDF report: rendered by WeasyPrint with the Noto CJK faces the alias file maps the official font
names to, every font embedded, every character of the text covered by the font (no tofu), and pdftoppm
renders it. One PDF per seed region, built once for the whole module (PDF rendering is the slow part)."""

from __future__ import annotations

import functools
import io
import re
import subprocess
from pathlib import Path

import pdfplumber
from fontTools.ttLib import TTCollection

from lvzhi.writer.builder import ReportDocument
from lvzhi.writer.fontconf import font_face


def pdffonts(pdf: bytes, tmp_path: Path) -> list[list[str]]:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    return [line.split() for line in out.splitlines()[2:]]


def covered(family: str) -> frozenset[int]:
    return _cmap(*font_face(family))


@functools.cache
def _cmap(path: Path, index: int) -> frozenset[int]:
    return frozenset(TTCollection(str(path), lazy=True).fonts[index].getBestCmap())


def test_every_font_is_embedded_noto_cjk(seed: str, seed_pdfs: dict[str, bytes], tmp_path: Path) -> None:
    fonts = pdffonts(seed_pdfs[seed], tmp_path)
    assert fonts, "no fonts in the PDF"
    for row in fonts:
        name, emb = row[0], row[-5]
        assert "Noto" in name and "CJK" in name, name
        assert emb == "yes", name


def test_body_and_headings_use_different_faces(seed_pdfs: dict[str, bytes], tmp_path: Path) -> None:
    names = {row[0].split("+")[-1] for row in pdffonts(seed_pdfs["yunnan-zhaotong-2024"], tmp_path)}
    assert {"Noto-Serif-CJK-SC", "Noto-Sans-CJK-SC"} <= names  # 仿宋 body, 黑体 headings


def test_every_character_of_the_text_has_a_glyph(seed: str, seed_reports: dict[str, ReportDocument]) -> None:
    text = set(re.sub(r"\s", "", seed_reports[seed].text()))
    for family in ("仿宋_GB2312", "黑体", "方正小标宋简体", "楷体_GB2312"):
        cmap = covered(family)
        assert sorted(c for c in text if ord(c) not in cmap) == [], family


def test_the_pdf_text_is_the_report_text(
    seed: str, seed_pdfs: dict[str, bytes], seed_reports: dict[str, ReportDocument]
) -> None:
    with pdfplumber.open(io.BytesIO(seed_pdfs[seed])) as pdf:
        pages = [p.extract_text() or "" for p in pdf.pages]
        fonts = {c["fontname"].split("+")[-1] for p in pdf.pages for c in p.chars}
    # a paragraph may run over a page break, where the page number sits in the extracted text
    got = re.sub(r"—\d+—", "", re.sub(r"\s", "", "".join(pages)))
    for block in seed_reports[seed].blocks:
        if block.kind in ("para", "h1", "h2", "title", "signature", "date"):
            assert re.sub(r"\s", "", block.text) in got, block.text
    assert all("CJK" in f for f in fonts), fonts
    assert all(f"—{i}—" in re.sub(r"\s", "", page) for i, page in enumerate(pages, 1))  # page numbers


def test_pdftoppm_renders_the_first_page(seed_pdfs: dict[str, bytes], tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(seed_pdfs["chongqing-banan-2023"])
    subprocess.run(
        ["pdftoppm", "-r", "30", "-gray", "-f", "1", "-l", "1", str(path), str(tmp_path / "p")], check=True
    )
    (image,) = tmp_path.glob("p*.pgm")
    data = image.read_bytes()
    pixels = data.split(b"\n", 3)[3]  # after the P5 header (magic, size, maxval)
    assert min(pixels) < 64  # ink on the page
    assert image.stat().st_size > 1000
