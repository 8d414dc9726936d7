"""The seed regions graded from their own reports: 吴兴区 2019 reproduces its report's result."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from typer.testing import CliRunner

from lvzhi.cli.main import app
from lvzhi.writer.builder import ReportDocument

DATA = Path(__file__).resolve().parents[2] / "src" / "lvzhi" / "data" / "seeds"


def test_wuxing_2019_scores_98_5_grade_a_as_its_report_states() -> None:
    result = CliRunner().invoke(
        app,
        [
            "score",
            "--scheme",
            "zhejiang-2019-county",
            "--data",
            str(DATA / "zhejiang-wuxing-2019.json"),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    (region,) = json.loads(result.output)["regions"]
    assert (Decimal(str(region["total"])), region["grade"]) == (Decimal("98.5"), "A")
    points = [i for i in region["items"] if "." in i["code"]]  # the 24 测评点
    lost = [Decimal(str(i["points"])) - Decimal(str(i["score"])) for i in points]
    # "24项测评点中,有22个测评点得满分,2个测评点扣3.5分,加分指标得2分"
    assert len(points) == 24 and lost.count(0) == 22 and sum(lost) == Decimal("3.5")
    assert (
        Decimal(str(region["bonus"])) == 2
        and region["vetoes"]
        and not any(v["triggered"] for v in region["vetoes"])
    )


def test_every_self_score_quotes_the_report_it_comes_from(seeds_dir: Path) -> None:
    (region,) = json.loads((DATA / "zhejiang-wuxing-2019.json").read_text(encoding="utf-8"))["regions"]
    text = (seeds_dir / "003_0435f6d3190c0ba4.txt").read_text(encoding="utf-8")
    for code, judged in region["manual"].items():
        quotes = [q.split("”")[0] for q in judged["justification"].split("“")[1:]]
        assert quotes and all(q in text for q in quotes), code
        assert judged["evidence"] == ["003_0435f6d3190c0ba4.txt"]


def test_a_back_calculated_last_year_figure_is_never_printed_only_the_stated_change(
    seed_reports: dict[str, ReportDocument],
) -> None:
    banan = seed_reports["chongqing-banan-2023"].text()
    # the report states 168824万元 and a growth of 0.79%; 167500.74万元 is only derived from them
    assert "一般公共预算教育经费16.8824亿元，比上年增长0.79%。" in banan and "167500.74" not in banan
    assert "较上年提高3.64个百分点" in banan and "17.04%" not in banan
    assert "87129.36" not in seed_reports["zhejiang-wuxing-2019"].text()


def test_the_wuxing_report_states_its_total_and_grade(seed_reports: dict[str, ReportDocument]) -> None:
    assert "自评得分98.5分（满分100分），等次为A等" in seed_reports["zhejiang-wuxing-2019"].text()
