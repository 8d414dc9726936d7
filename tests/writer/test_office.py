"""Every generated Word document opened in LibreOffice prints as our PDF does: 28 characters a line, 22 lines
a page, as many pages, the title in the same lines, CJK faces, the page number 7 mm under the 版心, the
signature never alone and the problem list on a page of its own.

All documents of the run are converted by one headless LibreOffice call (tests/writer/office.py).
"""

from __future__ import annotations

import itertools
import re
import shutil
import statistics
from pathlib import Path

import office  # tests/writer/office.py (pytest puts the test directory on the path)
import pytest

from lvzhi.writer.builder import ReportDocument
from lvzhi.writer.docx import render_docx
from lvzhi.writer.feedback import build_feedback
from lvzhi.writer.layout import title_lines
from lvzhi.writer.model import ReportContext
from lvzhi.writer.pdf import render_pdf

pytestmark = pytest.mark.skipif(
    office.soffice() is None, reason="LibreOffice 未安装（scripts/setup.sh 安装）"
)


@pytest.fixture(scope="module")
def documents(
    seed_reports: dict[str, ReportDocument], seed_contexts: dict[str, ReportContext]
) -> dict[str, ReportDocument]:
    """The five seed reports and the five feedback letters (each with its problem list attached)."""
    docs = dict(seed_reports)
    docs.update({f"{k}-反馈意见": build_feedback(ctx) for k, ctx in seed_contexts.items()})
    return docs


@pytest.fixture(scope="module")
def printed(
    documents: dict[str, ReportDocument], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, tuple[Path, Path]]:
    """name → (LibreOffice's PDF of our .docx, our PDF)."""
    out = tmp_path_factory.mktemp("office")
    lo = office.convert({k: render_docx(d) for k, d in documents.items()}, out)
    ours = {}
    for name, doc in documents.items():
        ours[name] = out / f"{name}.pdf"
        ours[name].write_bytes(render_pdf(doc))
    return {k: (lo[k], ours[k]) for k in documents}


def test_libreoffice_prints_every_document_on_as_many_pages_as_our_pdf(
    printed: dict[str, tuple[Path, Path]],
) -> None:
    counts = {k: (office.pages(lo), office.pages(ours)) for k, (lo, ours) in printed.items()}
    assert {k: a for k, (a, b) in counts.items() if a != b} == {}, counts


def test_full_lines_hold_28_characters_and_lines_stand_28_95_pt_apart(
    printed: dict[str, tuple[Path, Path]],
) -> None:
    for name, pdfs in printed.items():
        for pdf in pdfs:
            lines = office.lines(pdf)
            widths = office.full_line_widths(lines)
            # a line running to the margin holds 28 characters (29 where marks are compressed or a closing
            # mark hangs; fewer, stretched, where the next word is a number too long to fit); a short
            # letter may have no such line of Chinese text only
            assert widths or "反馈意见" in name, f"{pdf.name}: no full line of text"
            assert all(w <= 29 for w in widths), (pdf, sorted(widths))
            if widths:
                assert 27 <= statistics.median(widths) <= 29, (pdf, sorted(widths))
            pitch = office.line_pitch(lines)
            assert abs(pitch - 28.95) < 0.3, (pdf, pitch)
            assert round(225 * office.MM / pitch) == 22
            per_page: dict[int, int] = {}
            for ln in office.body_lines(lines):
                per_page[ln.page] = per_page.get(ln.page, 0) + 1
            assert max(per_page.values()) <= 22, (pdf, per_page)


def test_no_number_is_broken_across_lines(printed: dict[str, tuple[Path, Path]]) -> None:
    for lo, ours in printed.values():
        for pdf in (lo, ours):
            body = office.body_lines(office.lines(pdf))
            split = [
                (a.text[-6:], b.text[:6])
                for a, b in itertools.pairwise(body)
                if a.page == b.page and a.text[-1:].isdigit() and b.text[:1] in "0123456789.%"
            ]
            assert split == [], pdf


def test_the_title_breaks_at_the_same_phrases_in_both(
    printed: dict[str, tuple[Path, Path]], documents: dict[str, ReportDocument]
) -> None:
    for name, pdfs in printed.items():
        expected = list(title_lines(documents[name].title))
        for pdf in pdfs:
            first = [ln.text for ln in office.lines(pdf)[: len(expected)]]
            assert first == expected, pdf


def test_every_font_is_a_cjk_face_or_the_latin_digits_face(printed: dict[str, tuple[Path, Path]]) -> None:
    for lo, ours in printed.values():
        for pdf in (lo, ours):
            names = office.fonts(pdf)
            odd = {n for n in names if "CJK" not in n and "Liberation" not in n}
            assert not odd, (pdf, names)  # no fallback face (DejaVu …) printed any character
            assert any("Serif" in n and "CJK" in n for n in names) and any("Sans" in n for n in names)


def test_the_page_number_stands_7_mm_below_the_text_block_odd_right_even_left(
    printed: dict[str, tuple[Path, Path]],
) -> None:
    for lo, ours in printed.values():
        for pdf in (lo, ours):
            numbers = office.page_numbers(office.lines(pdf))
            assert len(numbers) == office.pages(pdf)
            for ln in numbers:
                gap = (ln.top - office.BLOCK_BOTTOM) / office.MM
                assert 6 <= gap <= 8, (pdf, ln)
                right_side = ln.left > 105 * office.MM
                assert right_side == (ln.page % 2 == 1), (pdf, ln)


def test_the_signature_never_stands_alone_and_the_problem_list_opens_its_own_page(
    printed: dict[str, tuple[Path, Path]], documents: dict[str, ReportDocument]
) -> None:
    for name, pdfs in printed.items():
        doc = documents[name]
        (signer,) = [b.text for b in doc.blocks if b.kind == "signature"]
        for pdf in pdfs:
            lines = office.lines(pdf)
            (sig,) = [ln for ln in lines if ln.text == signer and ln.top > office.BLOCK_TOP + 40]
            above = [ln for ln in office.body_lines(lines) if ln.page == sig.page and ln.top < sig.top]
            assert above, f"{pdf.name}: the signature stands alone on page {sig.page}"
            if any(b.kind == "attachment" for b in doc.blocks):
                (label,) = [ln for ln in lines if ln.text == "附件"]
                assert label.page == sig.page + 1
                assert label.top == min(ln.top for ln in lines if ln.page == label.page)
                assert label.left < office.MM * 28 + 4  # 顶格


def test_page_images_of_one_report_are_kept(printed: dict[str, tuple[Path, Path]]) -> None:
    """Pages 1 and 2 as LibreOffice and as we print them, in test-artifacts/writer for a person to look at."""
    lo, ours = printed["yunnan-zhaotong-2024"]
    target = office.ARTIFACTS
    shutil.rmtree(target, ignore_errors=True)
    kept = office.png(lo, target / "libreoffice") + office.png(ours, target / "lvzhi")
    assert [re.sub(r"-0*", "-", p.name) for p in kept] == [
        "libreoffice-1.png",
        "libreoffice-2.png",
        "lvzhi-1.png",
        "lvzhi-2.png",
    ]
