"""`lvzhi report build`: from a scheme and a data file to report files, with clear errors for bad input."""

from __future__ import annotations

import json
from pathlib import Path

from docx import Document
from typer.testing import CliRunner

from lvzhi.cli.main import app

DATA = Path(__file__).resolve().parents[2] / "src" / "lvzhi" / "data" / "seeds"
runner = CliRunner()


def test_build_writes_the_report_and_the_feedback_files(tmp_path: Path) -> None:
    texts = tmp_path / "texts.json"
    texts.write_text(
        json.dumps(
            {
                "530600": {
                    "narratives": {"1": "我市坚持党对教育工作的全面领导。"},
                    "plans": ["新建改扩建公办幼儿园"],
                }
            },
            ensure_ascii=False,
        ),
        "utf-8",
    )
    result = runner.invoke(
        app,
        [
            "report",
            "build",
            "--scheme",
            "yunnan-2024-city",
            "--data",
            str(DATA / "yunnan-zhaotong-2024.json"),
            "--texts",
            str(texts),
            "--format",
            "docx,html",
            "--feedback",
            "--date",
            "2024-05-19",
            "--no-charts",
            "--out",
            str(tmp_path / "out"),
        ],
    )
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == [
        "530600-2023-反馈意见.docx",
        "530600-2023-自评报告.docx",
        "530600-2023-自评报告.html",
        "530600-2023-问题清单.docx",
        "530600-2023-问题清单.xlsx",
    ]
    report = Document(str(tmp_path / "out" / "530600-2023-自评报告.docx"))
    text = "\n".join(p.text for p in report.paragraphs)
    assert "我市坚持党对教育工作的全面领导。" in text and "一是新建改扩建公办幼儿园。" in text
    assert "2024年5月19日" in text
    assert "已生成 5 个文件，1 个地区" in result.output


def test_an_unknown_format_is_refused(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "report",
            "build",
            "--scheme",
            "statutory",
            "--data",
            str(DATA / "yunnan-zhaotong-2024.json"),
            "--format",
            "doc",
            "--out",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 2
    assert "不支持的格式" in result.output


def test_an_unknown_region_says_which_regions_exist(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "report",
            "build",
            "--scheme",
            "statutory",
            "--data",
            str(DATA / "yunnan-zhaotong-2024.json"),
            "--region",
            "110000",
            "--format",
            "html",
            "--out",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 1
    assert "没有地区 110000（已有: 530600）" in result.output


def test_a_bad_texts_file_names_the_key_at_fault(tmp_path: Path) -> None:
    texts = tmp_path / "texts.json"
    texts.write_text(json.dumps({"530600": {"problems": [{"text": "x", "deadline": "明年"}]}}), "utf-8")
    result = runner.invoke(
        app,
        [
            "report",
            "build",
            "--scheme",
            "statutory",
            "--data",
            str(DATA / "yunnan-zhaotong-2024.json"),
            "--texts",
            str(texts),
            "--format",
            "html",
            "--out",
            str(tmp_path / "o"),
        ],
    )
    assert result.exit_code == 1
    assert "530600.problems[0].deadline: 日期格式应为 YYYY-MM-DD：明年" in result.output


def test_a_whole_round_gives_one_report_per_region(tmp_path: Path) -> None:
    data = tmp_path / "round.json"
    regions = [
        {
            "region": "500113",
            "name": "甲区",
            "values": {"edu_gpb_spending": 168824, "kg_public_share": 59.69},
            "previous": {"edu_gpb_spending": 167500.74},
        },
        {"region": "500114", "name": "乙县", "values": {"edu_gpb_spending": 98000, "kg_public_share": 42}},
    ]
    data.write_text(json.dumps({"year": 2023, "regions": regions}, ensure_ascii=False), "utf-8")
    result = runner.invoke(
        app,
        ["report", "build", "--scheme", "statutory", "--data", str(data), "--format", "html",
         "--out", str(tmp_path / "out")],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "500113-2023-自评报告.html",
        "500114-2023-自评报告.html",
    ]
    second = (tmp_path / "out" / "500114-2023-自评报告.html").read_text("utf-8")
    assert "乙县人民政府关于2023年度履行教育职责情况的自评报告" in second
    assert "公办园在园幼儿占比为42%" in second
