"""Round trip: the report reader, run on each generated seed report (its .docx text), finds no inconsistency,
reads every figure as the datum it came from, and finds every top-level indicator as a section."""

from __future__ import annotations

import io
from decimal import Decimal

from docx import Document

from lvzhi.reader.model import Analysis
from lvzhi.reader.pipeline import analyse
from lvzhi.writer.builder import ReportDocument
from lvzhi.writer.model import ReportContext, Stat

# the reader's base units: 元 for money, 平方米 for areas
BASE = {
    "万元": Decimal(10_000),
    "亿元": Decimal(100_000_000),
    "元": Decimal(1),
    "平方公里": Decimal(1_000_000),
}


def docx_text(data: bytes) -> str:
    """The text of a .docx as an office would copy it: paragraphs, then table rows, one per line."""
    doc = Document(io.BytesIO(data))
    # a title's line breaks (w:br) are layout, not text
    lines = [p.text.replace("\n", "") for p in doc.paragraphs]
    for table in doc.tables:
        lines += ["\t".join(c.text for c in row.cells) for row in table.rows]
    return "\n".join(lines) + "\n"


def in_base_unit(value: Decimal, unit: str) -> Decimal:
    return value * BASE.get(unit, Decimal(1))


def stated_values(s: Stat) -> set[Decimal]:
    """What the sentence about a statistic may state: the value, last year's, the change."""
    out = {in_base_unit(s.value, s.unit)}
    if s.previous is not None:
        out |= {in_base_unit(s.previous, s.unit), abs(s.value - s.previous)}
        if s.growth is not None:
            out.add(abs(s.growth))
        elif s.previous:
            out.add(abs((s.value - s.previous) / s.previous * 100).quantize(Decimal("0.01")))
    return out


def figure_lines(doc: ReportDocument, text: str) -> list[tuple[int, int]]:
    """(start, end) in `text` of each paragraph whose numbers are all generated from the data."""
    spans = []
    for block in doc.blocks:
        if block.role == "figures":
            start = text.index(block.text)
            spans.append((start, start + len(block.text)))
    return spans


def analysed(seed: str, seed_docx: dict[str, bytes]) -> tuple[str, Analysis]:
    text = docx_text(seed_docx[seed])
    return text, analyse(text)


def test_the_docx_carries_the_report_text(
    seed: str, seed_docx: dict[str, bytes], seed_reports: dict[str, ReportDocument]
) -> None:
    text = docx_text(seed_docx[seed])
    for block in seed_reports[seed].blocks:
        if block.kind not in ("table", "chart"):
            assert block.text in text


def test_the_reader_finds_no_inconsistency(seed: str, seed_docx: dict[str, bytes]) -> None:
    _, analysis = analysed(seed, seed_docx)
    assert [f for f in analysis.findings if f.severity == "error"] == []
    assert all(c.consistent for c in analysis.checks)


def test_the_reader_checks_the_growth_rates_it_can(
    seed: str, seed_docx: dict[str, bytes], seed_contexts: dict[str, ReportContext]
) -> None:
    _, analysis = analysed(seed, seed_docx)
    # a growth with both years' figures printed; a derived last-year figure is not printed, so no check
    compared = [
        s
        for s in seed_contexts[seed].stats.values()
        if s.previous and s.unit != "%" and not s.previous_derived
    ]
    assert len([c for c in analysis.checks if c.kind == "growth"]) == len(compared)


def test_every_figure_the_reader_reads_is_a_datum(
    seed: str,
    seed_docx: dict[str, bytes],
    seed_reports: dict[str, ReportDocument],
    seed_contexts: dict[str, ReportContext],
) -> None:
    text, analysis = analysed(seed, seed_docx)
    ctx = seed_contexts[seed]
    allowed = set().union(*(stated_values(s) for s in ctx.stats.values()))
    spans = figure_lines(seed_reports[seed], text)
    read = [c for c in analysis.claims if any(a <= c.start < b for a, b in spans)]
    assert read, "no figures read"
    wrong = [(c.surface, c.value) for c in read if c.value not in allowed and c.year != c.value]
    assert wrong == []


def test_every_datum_is_read_back_exactly(
    seed: str, seed_docx: dict[str, bytes], seed_contexts: dict[str, ReportContext]
) -> None:
    _, analysis = analysed(seed, seed_docx)
    values = {c.value for c in analysis.claims}
    missing = [
        (s.name, s.value)
        for s in seed_contexts[seed].stats.values()
        # yes/no items, implied values (never printed) and events that did not happen (未发生…) state
        # no figure
        if s.unit != "是否"
        and s.printed
        and not (s.adverse and s.value == 0)
        and in_base_unit(s.value, s.unit) not in values
    ]
    assert missing == []


def test_every_top_level_indicator_is_a_section(
    seed: str, seed_docx: dict[str, bytes], seed_contexts: dict[str, ReportContext]
) -> None:
    _, analysis = analysed(seed, seed_docx)
    titles = {s.title for s in analysis.sections if s.level == 2}
    assert [p.name for p in seed_contexts[seed].indicators if p.name not in titles] == []
    assert [s.title for s in analysis.sections if s.level == 1] == [
        "基本情况",
        "履职情况",
        "存在的主要问题",
        "下步工作打算",
    ]
