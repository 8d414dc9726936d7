"""Findings about the report as a document: placeholders left in it, a figure under two years, a figure
dated after the report's year."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from lvzhi.reader.pipeline import analyse

PLACEHOLDERS = ["【请填写学校数】", "【请补充】", "【 】", "XX", "××", "＿＿", "____"]
SENTENCES = [
    "全县共有中小学校48所,在校生31560人。",
    "2023年,全县一般公共预算教育经费98650万元。",
    "一、基本情况\n",
]


def _kinds(text: str, kind: str) -> list[str]:
    return [f.message for f in analyse(text).findings if f.kind == kind]


@settings(max_examples=80, deadline=None)
@given(st.sampled_from(PLACEHOLDERS), st.lists(st.sampled_from(SENTENCES), min_size=1, max_size=4), st.data())
def test_a_placeholder_left_anywhere_in_the_report_is_a_finding(
    holder: str, parts: list[str], data: st.DataObject
) -> None:
    text = "".join(parts)
    at = data.draw(st.integers(min_value=0, max_value=len(text)))
    text = text[:at] + holder + text[at:]
    found = _kinds(text, "placeholder")
    assert any(holder.strip() in m or holder in m for m in found), (text, found)


def test_no_placeholder_is_found_in_the_seed_reports(seeds_dir: Path) -> None:
    for path in sorted(seeds_dir.glob("*.txt")):
        assert _kinds(path.read_text(encoding="utf-8"), "placeholder") == [], path.name


def test_letters_that_happen_to_be_x_are_not_placeholders() -> None:
    assert _kinds("详见 xxgk.gov.cn 与 Xbox 及 XXL 型号。", "placeholder") == []


def test_one_figure_under_two_years_is_a_finding() -> None:
    text = "2022年,全县一般公共预算教育经费98650万元。\n2023年,全县一般公共预算教育经费98650万元。"
    (msg,) = _kinds(text, "figure_two_years")
    assert "98650万元" in msg and "2022年" in msg and "2023年" in msg


def test_equal_rates_in_two_years_are_no_finding() -> None:
    text = "2022年,全县九年义务教育巩固率100%。\n2023年,全县九年义务教育巩固率100%。"
    assert _kinds(text, "figure_two_years") == []


def test_a_figure_dated_after_the_reports_year_is_a_finding() -> None:
    text = "某县2022年度履行教育职责自评报告\n一、基本情况\n2023年,全县一般公共预算教育经费98650万元。"
    (msg,) = _kinds(text, "year_outside_report")
    assert "2023年" in msg and "2022年" in msg


def test_a_target_for_a_later_year_is_no_finding() -> None:
    text = "某县2022年度履行教育职责自评报告\n一、下一步打算\n力争到2025年,学前三年毛入园率达到95%。"
    assert _kinds(text, "year_outside_report") == []
