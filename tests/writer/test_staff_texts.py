"""A report built with the staff's own texts reads as a finished report: no placeholder left, no
inconsistency for the reader to find, and a warning when it runs over the length limit. The staff texts
here are 吴兴区's own (its 2019 self-evaluation report, seed 003), section by section."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from lvzhi.reader.pipeline import analyse
from lvzhi.writer.builder import ReportDocument, build_report
from lvzhi.writer.files import contexts_from_files

DATA = Path(__file__).resolve().parents[2] / "src" / "lvzhi" / "data" / "seeds"


def wuxing_texts(report: str) -> dict[str, object]:
    """吴兴区's texts from its report: the five parts of 主要工作成效 for indicators 1–5, 教育优先 for 6,
    its problems and its closing plan."""
    body = report.split("二、主要工作成效")[1]
    results, rest = body.split("三、主要经验做法")
    parts = re.split(r"\n\s*(?=[1-5]\.)", results.strip())
    narratives = {str(i): re.sub(r"^[1-5]\.", "", p.strip()) for i, p in enumerate(parts, 1)}
    priority = rest.split("1.树立教育优先战略观，")[0] if "1.树立教育优先战略观，" in rest else rest
    narratives["6"] = re.split(r"\n\s*2\.", priority.strip())[0].lstrip("1.")
    issues = rest.split("四、存在的主要问题及改进措施")[1]
    problems = [
        {"indicator": "", "text": m.strip()}
        for m in re.findall(r"[一二三]是([^。]*有待进一步[^。]*。)", issues)
    ]
    plan = re.search(r"今后，?,?([^。]*。)", issues)
    return {"narratives": narratives, "problems": problems, "plans": [plan.group(1)] if plan else []}


@pytest.fixture(scope="module")
def with_texts(seeds_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> ReportDocument:
    report = (seeds_dir / "003_0435f6d3190c0ba4.txt").read_text(encoding="utf-8")
    texts = tmp_path_factory.mktemp("texts") / "texts.json"
    texts.write_text(json.dumps({"330502": wuxing_texts(report)}, ensure_ascii=False), encoding="utf-8")
    (ctx,) = contexts_from_files(
        "zhejiang-2019-county", DATA / "zhejiang-wuxing-2019.json", texts=texts, when=date(2020, 8, 24)
    )
    return build_report(ctx)


def test_a_report_with_staff_texts_has_no_placeholder_and_no_inconsistency(
    with_texts: ReportDocument,
) -> None:
    text = with_texts.text()
    assert "【" not in text
    analysis = analyse(text)
    assert [f for f in analysis.findings if f.severity == "error"] == []
    assert all(c.consistent for c in analysis.checks)


def test_a_report_over_five_thousand_characters_is_flagged(with_texts: ReportDocument) -> None:
    n = with_texts.body_length()
    over = [w for w in with_texts.warnings if "超出方案限定的5000字" in w]
    assert bool(over) == (n > 5000), (n, with_texts.warnings)


def test_the_reader_flags_every_gap_of_a_report_without_staff_texts(
    seed_reports: dict[str, ReportDocument],
) -> None:
    for name, doc in seed_reports.items():
        text = doc.text()
        gaps = text.count("【")
        assert gaps > 0, name  # without staff texts some section has neither text nor data
        flagged = [f for f in analyse(text).findings if f.kind == "placeholder"]
        assert len(flagged) == gaps, (name, [f.message for f in flagged])


def test_the_reader_finds_no_placeholder_in_a_report_with_staff_texts(with_texts: ReportDocument) -> None:
    assert [f for f in analyse(with_texts.text()).findings if f.kind == "placeholder"] == []
