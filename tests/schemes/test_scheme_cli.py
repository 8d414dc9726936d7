"""`lvzhi scheme list|show|validate` and `lvzhi score`, run through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from lvzhi.cli.main import app

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CATALOGUE = str(FIXTURES / "catalogue.yaml")
runner = CliRunner()


def test_validate_accepts_a_good_file_and_exits_zero():
    result = runner.invoke(
        app, ["scheme", "validate", "--catalogue", CATALOGUE, str(FIXTURES / "complete.yaml")]
    )
    assert result.exit_code == 0, result.output
    assert "有效" in result.output


def test_validate_lists_every_problem_with_file_and_line_and_exits_one(tmp_path):
    bad = tmp_path / "bad.yaml"
    text = (FIXTURES / "complete.yaml").read_text(encoding="utf-8")
    bad.write_text(text.replace("level: 县", "level: 乡").replace("kind: ladder", "kind: staircase"), "utf-8")
    result = runner.invoke(
        app, ["scheme", "validate", "--catalogue", CATALOGUE, str(FIXTURES / "complete.yaml"), str(bad)]
    )
    assert result.exit_code == 1
    line = text.splitlines().index("level: 县") + 1
    assert f"{bad}:{line}:" in result.output and "level 应为" in result.output
    assert "未知的规则类型 “staircase”" in result.output
    assert "2 个错误" in result.output


def test_validate_checks_the_built_in_catalogue_file():
    from lvzhi.schemes.registry import builtin_dir

    result = runner.invoke(app, ["scheme", "validate", str(builtin_dir() / "catalogue.yaml")])
    assert result.exit_code == 0 and "数据项目录有效" in result.output


def test_list_shows_the_built_in_schemes():
    result = runner.invoke(app, ["scheme", "list"])
    assert result.exit_code == 0 and "statutory" in result.output


def test_show_prints_the_tree_with_points_and_rules_in_words():
    result = runner.invoke(
        app,
        ["scheme", "show", "--catalogue", CATALOGUE, str(FIXTURES / "complete.yaml")],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())  # rich may wrap a long rule over lines
    assert "公办园在园幼儿占比不低于 50%的，得 3 分" in out
    assert "kg_public_share" not in out
    assert "一票否决: 弄虚作假" in result.output


def test_score_json_has_exactly_the_documented_shape(tmp_path):
    data = tmp_path / "d.csv"
    data.write_text(
        "region,name,kg_public_enrolment,kg_enrolment,kg_gross_rate\nA,甲县,3966,10000,96\n", "utf-8"
    )
    result = runner.invoke(
        app,
        [
            "score",
            "--scheme",
            str(FIXTURES / "complete.yaml"),
            "--catalogue",
            CATALOGUE,
            "--data",
            str(data),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert list(doc) == ["scheme", "regions"] and doc["scheme"] == "test-complete"
    (region,) = doc["regions"]
    assert list(region) == [
        "region",
        "total",
        "grade",
        "grade_explanation",
        "vetoes",
        "bonus",
        "deductions",
        "items",
    ]
    item = next(i for i in region["items"] if i["code"] == "1.1")
    assert list(item) == ["code", "name", "points", "score", "status", "explanation", "inputs"]
    assert item["explanation"] == "公办园在园幼儿占比 39.66% < 50% → 0/3"
    assert item["inputs"][0]["code"] == "kg_public_share" and item["inputs"][0]["value"] == 39.66
    missing = next(i for i in region["items"] if i["code"] == "2.1")
    assert missing["status"] == "unscored" and missing["score"] is None
    assert region["grade"] is None


def test_score_prints_tables_and_a_total_line_in_chinese(tmp_path):
    data = tmp_path / "d.csv"
    data.write_text("region,name,kg_public_enrolment,kg_enrolment\nA,甲县,3966,10000\n", "utf-8")
    result = runner.invoke(
        app,
        ["score", "--scheme", str(FIXTURES / "complete.yaml"), "--catalogue", CATALOGUE, "--data", str(data)],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert "39.66% < 50% → 0/3" in result.output
    assert "合计 甲县: 0 分" in result.output and "暂不能定等" in result.output


def test_score_reports_bad_data_cells_and_exits_one(tmp_path):
    data = tmp_path / "d.csv"
    data.write_text("region,kg_gross_rate\nA,很多\n", "utf-8")
    result = runner.invoke(
        app,
        ["score", "--scheme", str(FIXTURES / "complete.yaml"), "--catalogue", CATALOGUE, "--data", str(data)],
    )
    assert result.exit_code == 1 and f"{data}:2" in result.output


def test_score_takes_last_year_from_a_second_file(tmp_path):
    now, before = tmp_path / "2023.csv", tmp_path / "2022.csv"
    now.write_text("region,name,edu_gpb_spending,national_awards\nA,甲县,110,0\n", "utf-8")
    before.write_text("region,edu_gpb_spending\nA,100\n", "utf-8")
    args = ["score", "--scheme", str(FIXTURES / "complete.yaml"), "--catalogue", CATALOGUE, "--json"]
    doc = json.loads(runner.invoke(app, [*args, "--data", str(now), "--previous", str(before)]).output)
    item = next(i for i in doc["regions"][0]["items"] if i["code"] == "2.2")
    assert (
        item["score"] == 2
        and "一般公共预算教育经费 110万元 ≥ 上年一般公共预算教育经费 100万元 ✓" in item["explanation"]
    )
    doc = json.loads(runner.invoke(app, [*args, "--data", str(now)]).output)
    item = next(i for i in doc["regions"][0]["items"] if i["code"] == "2.2")
    assert item["status"] == "unscored" and "缺少上年数据" in item["explanation"]


def test_score_reads_the_years_before_last_from_one_file_per_year(tmp_path):
    scheme = tmp_path / "history.yaml"
    scheme.write_text(
        (FIXTURES / "complete.yaml").read_text(encoding="utf-8").split("indicators:")[0]
        + """indicators:
  - {code: "1", name: 近三年平均经费, points: 30, rule: {kind: threshold, expr: "mean_years(edu_gpb_spending, 3)", op: ">=", target: 100}}
""",
        encoding="utf-8",
    )
    files = []
    for year, value in (("2023", 120), ("2022", 100), ("2021", 90)):
        path = tmp_path / f"{year}.csv"
        path.write_text(f"region,name,edu_gpb_spending\nA,甲县,{value}\n", "utf-8")
        files.append(str(path))
    args = [
        "score",
        "--scheme",
        str(scheme),
        "--catalogue",
        CATALOGUE,
        "--data",
        files[0],
        "--previous",
        files[1],
        "--json",
    ]
    alone = json.loads(runner.invoke(app, args).output)["regions"][0]["items"][0]
    assert alone["status"] == "unscored" and "缺少 2 年前的数据" in alone["explanation"]
    result = runner.invoke(app, [*args, "--earlier", files[2]])
    assert result.exit_code == 0, result.output
    item = json.loads(result.output)["regions"][0]["items"][0]
    assert item["score"] == 30
