"""Every generated Word document opened in LibreOffice prints as our PDF does: 28 characters a line, 22 lines
a page, as many pages, the title in the same lines, CJK faces, the page number 7 mm under the 版心, the
signature never alone and the problem list on a page of its own.

All documents of the run are converted by one headless LibreOffice call (tests/office_suite.py, shared with
the reports built from the database in tests/platform/test_report_office.py).
"""

from __future__ import annotations

import re
import shutil

import pytest

import office_suite as office  # tests/office_suite.py
from lvzhi.writer.builder import ReportDocument
from lvzhi.writer.feedback import build_feedback
from lvzhi.writer.model import ReportContext

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
def printed(documents: dict[str, ReportDocument], tmp_path_factory: pytest.TempPathFactory) -> office.Printed:
    return office.print_both(documents, tmp_path_factory.mktemp("office"))


def test_libreoffice_prints_every_document_on_as_many_pages_as_our_pdf(printed: office.Printed) -> None:
    assert office.page_count_problems(printed) == []


def test_full_lines_hold_28_characters_and_lines_stand_28_95_pt_apart(printed: office.Printed) -> None:
    assert office.grid_problems(printed) == []


def test_no_number_is_broken_across_lines(printed: office.Printed) -> None:
    assert office.split_number_problems(printed) == []


def test_the_title_breaks_at_the_same_phrases_in_both(
    printed: office.Printed, documents: dict[str, ReportDocument]
) -> None:
    assert office.title_problems(printed, documents) == []


def test_every_font_is_a_cjk_face_or_the_latin_digits_face(printed: office.Printed) -> None:
    assert office.font_problems(printed) == []


def test_the_page_number_stands_7_mm_below_the_text_block_odd_right_even_left(
    printed: office.Printed,
) -> None:
    assert office.page_number_problems(printed) == []


def test_the_signature_never_stands_alone_and_the_problem_list_opens_its_own_page(
    printed: office.Printed, documents: dict[str, ReportDocument]
) -> None:
    assert office.signature_problems(printed, documents) == []


def test_page_images_of_one_report_are_kept(printed: office.Printed) -> None:
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
