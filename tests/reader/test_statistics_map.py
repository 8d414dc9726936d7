"""Figures → statistics: stated figures become prefill candidates for catalogue items, in the item's unit."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from lvzhi.reader.pipeline import analyse
from lvzhi.reader.statistics_map import PrefillCandidate, map_claims, plain, prefill, scale
from lvzhi.schemes import builtin_catalogue

REPORTS = Path(__file__).parent / "reports"


def by_code(cands: list[PrefillCandidate]) -> dict[str, PrefillCandidate]:
    return {c.code: c for c in cands}


@pytest.fixture(scope="module")
def sichuan() -> dict[str, PrefillCandidate]:
    return by_code(prefill(REPORTS / "201_sichuan_county_2022.txt"))


@pytest.fixture(scope="module")
def jiangxi() -> dict[str, PrefillCandidate]:
    return by_code(prefill(REPORTS / "202_jiangxi_city_2021.txt"))


def test_puhui_rate_maps_to_the_inclusive_kindergarten_coverage_item(
    jiangxi: dict[str, PrefillCandidate],
) -> None:
    cand = jiangxi["kg_inclusive_coverage"]
    assert (cand.value, cand.unit, cand.surface, cand.matched) == (Decimal("88.6"), "%", "88.6%", "普惠率")
    assert cand.sentence == "全市学前三年毛入园率达到92.3%，普惠率88.6%。"


def test_money_is_given_in_the_catalogue_unit_with_year_and_offsets(
    sichuan: dict[str, PrefillCandidate],
) -> None:
    cand = sichuan["edu_gpb_spending"]
    assert (cand.value, cand.unit, cand.year) == (Decimal(98650), "万元", 2022)
    text = (REPORTS / "201_sichuan_county_2022.txt").read_text(encoding="utf-8")
    assert text[cand.start : cand.end] == "98650万元"
    assert cand.sentence.startswith("2022年，全县一般公共预算教育经费98650万元")


def test_a_growth_figure_maps_to_the_growth_item_of_the_quantity_before_it(
    sichuan: dict[str, PrefillCandidate],
) -> None:
    cand = sichuan["edu_gpb_spending_growth"]
    assert (cand.value, cand.unit) == (Decimal("8.13"), "%")


def test_each_figure_of_a_list_maps_to_its_own_item(sichuan: dict[str, PrefillCandidate]) -> None:
    got = {
        code: sichuan[code].value
        for code in ("schools_total", "kindergartens", "primary_schools", "junior_schools")
    }
    assert got == {"schools_total": 126, "kindergartens": 48, "primary_schools": 52, "junior_schools": 18}


def test_measure_words_convert_and_mismatched_units_never_map(sichuan: dict[str, PrefillCandidate]) -> None:
    assert (sichuan["security_guards"].value, sichuan["security_guards"].unit) == (320, "人")  # 320名
    assert (sichuan["large_classes"].value, sichuan["large_classes"].unit) == (23, "班")  # 大班额23个
    cat = builtin_catalogue()
    for cand in map_claims(
        analyse((REPORTS / "201_sichuan_county_2022.txt").read_text(encoding="utf-8")), cat
    ):
        assert cand.unit == cat.items[cand.code].unit


def test_per_student_amounts_never_fill_totals() -> None:
    cands = by_code(prefill("2022年，全县按在校生人数平均的一般公共预算教育经费12456元，比上年增长3.2%。"))
    assert "edu_gpb_spending" not in cands


def test_problems_plans_targets_and_notes_are_not_prefilled(jiangxi: dict[str, PrefillCandidate]) -> None:
    text = "一、基本情况\n全县教职工3200人。\n二、存在的问题\n教职工缺编300人。\n"
    mapped = map_claims(analyse(text), builtin_catalogue())
    assert [c.value for c in mapped if c.code == "staff_total"] == [3200]
    assert "kindergartens" not in jiangxi  # 中小学校(含幼儿园)1032所 counts schools, not kindergartens
    plans = prefill("一、工作打算\n力争普惠性幼儿园覆盖率达到95%以上。\n")
    assert plans == []


def test_unit_scales() -> None:
    assert scale("元", "万元") == Decimal("0.0001")
    assert scale("平方米", "平方公里") == Decimal("0.000001")
    assert scale("名", "人") == 1 and scale("人", "所") is None and scale("%", "万元") is None
    assert str(plain(Decimal("1.2E+4"))) == "12000" and str(plain(Decimal("21.40"))) == "21.4"


def test_seed_reports_prefill_their_key_statistics(seeds_dir: Path) -> None:
    cands = by_code(prefill(next(seeds_dir.glob("000_*.txt"))))
    assert cands["edu_gpb_spending"].value == 168824
    assert cands["kg_inclusive_coverage"].value == Decimal("90.63")
    assert cands["exchange_share"].value == Decimal("23.2")
