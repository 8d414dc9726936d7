"""`lvzhi check`: the Chinese summary, the JSON of issue 3 §8, --jsonl, --text, --scheme and clear failures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lvzhi.cli.main import app
from lvzhi.reader.extract import extract

REPORTS = Path(__file__).parent / "reports"
REPORT = REPORTS / "201_sichuan_county_2022.txt"
TOP_KEYS = {
    "file",
    "chars",
    "encoding",
    "boilerplate",
    "sections",
    "claims",
    "checks",
    "findings",
    "coverage",
}
CLAIM_KEYS = {"start", "end", "surface", "value", "unit", "qualifier", "metric", "year", "kind"}
CHECK_KEYS = {
    "start",
    "kind",
    "quote",
    "inputs",
    "stated",
    "recomputed",
    "consistent",
    "verdict",
    "doubt",
    "message",
}


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["check", *args])
    return result.exit_code, result.stdout, result.stderr


def seed(seeds_dir: Path, prefix: str) -> Path:
    return next(seeds_dir.glob(f"{prefix}_*.txt"))


def test_summary_lists_findings_first_then_sections_and_figure_counts(seeds_dir: Path) -> None:
    code, out, _ = run(str(seed(seeds_dir, "003")))
    assert code == 0
    assert out.index("问题提示") < out.index("章节结构") < out.index("数字")
    assert "62.99" in out and "不一致" in out
    assert "一、吴兴经济社会及教育基本概况" in out
    assert "共 141 个" in out
    assert out.index("数字") < out.index("可预填的统计数据")
    assert "population" in out  # 总人口 → the catalogue's population item


def test_summary_highlights_an_inconsistent_share() -> None:
    path = REPORTS / "202_jiangxi_city_2021.txt"
    code, out, _ = run(str(path))
    assert code == 0
    # 202 plants one inconsistent share (2.65万/3.41万 = 77.7%, stated 80.2%): listed first, then in the table.
    findings = out[out.index("问题提示") : out.index("章节结构")]
    assert "80.2" in findings and "77.7" in findings
    assert "3 项，其中 1 项不一致" in out


def test_json_object_has_exactly_the_fields_of_the_issue(seeds_dir: Path) -> None:
    path = seed(seeds_dir, "000")
    code, out, _ = run(str(path), "--json")
    assert code == 0
    data = json.loads(out)
    assert set(data) == TOP_KEYS
    assert data["file"] == str(path)
    assert data["chars"] == len(path.read_text(encoding="utf-8"))
    assert data["encoding"] == "utf-8" and data["coverage"] is None
    assert all(set(b) == {"start", "end"} for b in data["boilerplate"])
    assert all(set(s) == {"start", "level", "marker", "title"} for s in data["sections"])
    for claim in data["claims"]:
        assert set(claim) - {"direction"} == CLAIM_KEYS
        assert ("direction" in claim) == (claim["kind"] == "growth")
        assert isinstance(claim["value"], int | float)
    assert all(set(k) == CHECK_KEYS for k in data["checks"])
    money = next(c for c in data["claims"] if c["surface"] == "168824万元")
    assert (money["value"], money["unit"]) == (1688240000, "元")
    assert isinstance(money["value"], int)


def test_several_files_give_an_array_or_json_lines(seeds_dir: Path) -> None:
    files = [str(seed(seeds_dir, "001")), str(REPORT)]
    code, out, _ = run(*files, "--json")
    assert code == 0
    assert [d["file"] for d in json.loads(out)] == files
    code, out, _ = run(*files, "--jsonl")
    lines = out.strip().split("\n")
    assert code == 0 and [json.loads(line)["file"] for line in lines] == files


def test_text_prints_the_extracted_text_that_offsets_refer_to(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_bytes(
        "<html><head><meta charset='gbk'></head><body><div class='nav'>首页 | 政务公开</div>"
        "<div class='content'><p>一、基本情况</p><p>全县共有学校126所，在校学生7.92万人，教职工6135人，"
        "专任教师5120人，其中研究生学历312人。</p></div><div class='footer'>ICP备12345号</div></body></html>".encode(
            "gbk"
        )
    )
    code, out, _ = run(str(page), "--text")
    assert code == 0
    assert out == extract(page).text
    assert "首页" not in out and "ICP" not in out
    code, out, _ = run(str(page), "--json")
    data = json.loads(out)
    assert data["encoding"] == "gbk" or data["encoding"] == "gb18030"
    text = extract(page).text
    assert all(text[c["start"] : c["end"]] == c["surface"] for c in data["claims"])


def test_unreadable_input_exits_non_zero_and_says_why(tmp_path: Path) -> None:
    empty = tmp_path / "空白.txt"
    empty.write_bytes(b"")
    code, out, err = run(str(REPORT), str(empty))
    assert code == 1
    assert "空白.txt" in err and "空文件" in err
    assert "章节结构" in out  # the readable file is still reported
    code, out, _ = run(str(empty), "--json")
    assert code == 1 and json.loads(out) == {
        "file": str(empty),
        "error": f"文件“{empty}”是空文件 (empty file)",
    }


def test_scheme_adds_coverage_and_the_length_check(seeds_dir: Path) -> None:
    code, out, _ = run(str(seed(seeds_dir, "003")), "--scheme", "national-2021", "--json")
    assert code == 0
    cov = json.loads(out)["coverage"]
    assert cov["scheme"] == "national-2021" and cov["limit"] == 5000
    assert cov["over_limit"] is True and cov["chars"] > 5000
    assert set(cov["missing"]) <= {i["code"] for i in cov["indicators"]}
    code, out, _ = run(str(seed(seeds_dir, "003")), "--scheme", "national-2021")
    assert "方案覆盖" in out and "超出上限" in out and "未涉及" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--scheme", "no-such-scheme"], "没有评价方案"), (["--json", "--text"], "只能选一个")],
)
def test_bad_options_are_refused_in_chinese(args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, ["check", str(REPORT), *args])
    assert result.exit_code == 2
    assert message in result.output


def test_scheme_may_be_given_as_a_yaml_file(tmp_path: Path) -> None:
    import lvzhi.schemes

    source = Path(lvzhi.schemes.__file__).parent / "builtin" / "national-2019.yaml"
    copy = tmp_path / "my-scheme.yaml"
    copy.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    code, out, _ = run(str(REPORT), "--scheme", str(copy), "--json")
    assert code == 0
    assert json.loads(out)["coverage"]["limit"] == 5000
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: x\ntitle: [unclosed\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["check", str(REPORT), "--scheme", str(broken)])
    assert result.exit_code == 2 and "评价方案" in result.output
