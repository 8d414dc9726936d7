"""Scheme coverage: indicators a report addresses or never mentions, and its length against the limit."""

from __future__ import annotations

from pathlib import Path

import pytest

from lvzhi.reader.coverage import Coverage, bigrams, count_chars, coverage
from lvzhi.reader.model import Span
from lvzhi.reader.pipeline import analyse
from lvzhi.schemes import load_builtin

REPORT = Path(__file__).parent / "reports" / "201_sichuan_county_2022.txt"


@pytest.fixture(scope="module")
def national() -> Coverage:
    return coverage(analyse(REPORT.read_text(encoding="utf-8")), load_builtin("national-2021"))


def addressed(cov: Coverage) -> dict[str, bool]:
    return {i.code: i.addressed for i in cov.indicators}


def test_characters_count_every_non_whitespace_character_outside_boilerplate() -> None:
    text = "首页 > 教育\n一、基本情况\n\u3000\u3000全县学校126所，教师3200人。\n"
    assert count_chars(text) == len("首页>教育一、基本情况全县学校126所，教师3200人。")
    chrome = Span(0, text.index("\n"))
    assert count_chars(text, [chrome]) == len("一、基本情况全县学校126所，教师3200人。")


def test_indicators_the_report_discusses_are_addressed_where_it_discusses_them(national: Coverage) -> None:
    got = addressed(national)
    for code in ("5.1", "5.2", "5.3", "5.4", "6.1", "7.2", "7.3", "8.1", "8.2", "9"):
        assert got[code], code
    text = REPORT.read_text(encoding="utf-8")
    where = next(i for i in national.indicators if i.code == "5.4")
    assert "残疾儿童少年义务教育入学率" in text[where.paragraphs[0] :].split("\n")[0]
    safety = next(i for i in national.indicators if i.code == "9")
    assert text[safety.sections[0] :].startswith("（五）维护学校安全稳定")


def test_indicators_the_report_never_mentions_are_listed_as_missing(national: Coverage) -> None:
    missing = {i.code for i in national.missing}
    # The report says nothing about 双减, evaluation reform, vocational/higher education or the GDP share.
    assert {"3", "4", "6.2", "7.1"} <= missing
    assert not missing & {"5.1", "6.1", "8.2"}
    assert national.as_json()["missing"] == [i.code for i in national.missing]


def test_a_parent_counts_as_addressed_when_a_child_is(national: Coverage) -> None:
    got = addressed(national)
    assert got["5"] and got["6"]


def test_length_is_compared_with_the_scheme_limit(national: Coverage, seeds_dir: Path) -> None:
    assert (national.limit, national.over_limit) == (5000, False)
    assert national.chars == count_chars(REPORT.read_text(encoding="utf-8"))
    long_one = next(seeds_dir.glob("002_*.txt")).read_text(encoding="utf-8")
    cov = coverage(analyse(long_one), load_builtin("national-2021"))
    assert cov.over_limit and cov.chars > 5000
    assert cov.as_json()["over_limit"] is True


def test_a_scheme_without_limit_never_reports_over_length() -> None:
    cov = coverage(
        analyse("一、基本情况\n" + "全县普惠性幼儿园覆盖率91.5%。" * 600), load_builtin("statutory")
    )
    assert cov.limit is None and not cov.over_limit and cov.chars > 5000


def test_bigrams_ignore_thresholds_and_punctuation() -> None:
    assert bigrams("普惠性幼儿园覆盖率不低于80%") == {
        "普惠",
        "惠性",
        "性幼",
        "幼儿",
        "儿园",
        "园覆",
        "覆盖",
        "盖率",
    }


def test_a_stated_figure_of_an_indicator_data_item_addresses_it_without_shared_words() -> None:
    text = "一、基本情况\n2022年，全县普惠率88.6%，公办园在园幼儿8420人。\n"
    cov = coverage(analyse(text), load_builtin("national-2021"))
    item = next(i for i in cov.indicators if i.code == "5.1")  # 普惠性幼儿园覆盖率不低于80%
    assert item.score < 0.42 and item.addressed
    assert item.figures == (text.index("88.6%"),)
