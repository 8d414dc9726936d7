"""The five seed regions as the writer sees them: their data files, reconstructed schemes and built reports."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from lvzhi.writer.builder import ReportDocument, build_report
from lvzhi.writer.files import contexts_from_files
from lvzhi.writer.model import ReportContext

DATA = Path(__file__).resolve().parents[2] / "src" / "lvzhi" / "data" / "seeds"
# seed data file → the scheme reconstructed from the same report
SEEDS = {
    "chongqing-banan-2023": "chongqing-2023-county",
    "qinghai-haidong-2020": "qinghai-2020-city",
    "yunnan-zhaotong-2024": "yunnan-2024-city",
    "zhejiang-wuxing-2019": "zhejiang-2019-county",
    "heilongjiang-county-2024": "heilongjiang-2024-county",
}
SIGNED = date(2024, 5, 19)


@pytest.fixture(scope="session")
def seed_contexts() -> dict[str, ReportContext]:
    out = {}
    for data, scheme in SEEDS.items():
        (ctx,) = contexts_from_files(scheme, DATA / f"{data}.json", when=SIGNED)
        out[data] = ctx
    return out


@pytest.fixture(scope="session")
def seed_reports(seed_contexts: dict[str, ReportContext]) -> dict[str, ReportDocument]:
    return {k: build_report(ctx) for k, ctx in seed_contexts.items()}


@pytest.fixture(scope="session")
def seed_docx(seed_reports: dict[str, ReportDocument]) -> dict[str, bytes]:
    from lvzhi.writer.docx import render_docx

    return {k: render_docx(doc) for k, doc in seed_reports.items()}


@pytest.fixture(scope="session")
def seed_pdfs(seed_reports: dict[str, ReportDocument]) -> dict[str, bytes]:
    from lvzhi.writer.pdf import render_pdf

    return {k: render_pdf(doc) for k, doc in seed_reports.items()}


@pytest.fixture(params=list(SEEDS))
def seed(request: pytest.FixtureRequest) -> str:
    """Each seed region in turn (its data file's stem)."""
    return str(request.param)
