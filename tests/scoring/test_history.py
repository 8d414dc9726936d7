"""Statistics over several years: prev(x, n) and history windows, fed by year through RegionInput.by_year."""

from __future__ import annotations

from decimal import Decimal

from scoring_support import values

from lvzhi.scoring import RegionInput, compile_scheme

BODY = """
indicators:
  - {code: F1, name: 经费三年不降, points: 40, rule: {kind: threshold, expr: "falling_years(edu_gpb_spending, 3)", op: "==", target: 0}}
  - {code: F2, name: 近三年平均毛入园率, points: 30, rule: {kind: threshold, expr: "mean_years(kg_gross_rate, 3)", op: ">=", target: 85}}
  - {code: F3, name: 近两年无事故, points: 30, rule: {kind: threshold, expr: "sum_years(major_accidents, 2)", op: "==", target: 0}}
"""


def region(years: dict[int, dict[str, object]]) -> RegionInput:
    return RegionInput.by_year("r1", 2023, {y: values(**v) for y, v in years.items()}, name="甲县")


def test_three_falls_in_a_row_a_three_year_average_and_two_years_of_events_are_scored(make_scheme):
    scorer = compile_scheme(make_scheme(BODY))
    falling = region(
        {
            2023: {"edu_gpb_spending": 70, "kg_gross_rate": 80, "major_accidents": 0},
            2022: {"edu_gpb_spending": 80, "kg_gross_rate": 90, "major_accidents": 1},
            2021: {"edu_gpb_spending": 90, "kg_gross_rate": 88},
            2020: {"edu_gpb_spending": 100},
        }
    )
    (result,) = scorer.score([falling])
    assert [result.item(c).score for c in ("F1", "F2", "F3")] == [Decimal(0), Decimal(30), Decimal(0)]
    assert result.total == Decimal(30) and result.complete


def test_a_missing_older_year_leaves_the_item_unscored_naming_that_year(make_scheme):
    scorer = compile_scheme(make_scheme(BODY))
    (result,) = scorer.score(
        [
            region(
                {
                    2023: {"edu_gpb_spending": 70},
                    2022: {"edu_gpb_spending": 80},
                    2021: {"edu_gpb_spending": 90},
                }
            )
        ]
    )
    item = result.item("F1")
    assert item.status == "unscored"
    assert item.explanation == "无法评分：缺少 3 年前的数据 一般公共预算教育经费"
    assert result.grade is None


def test_prev_two_years_reads_the_year_before_last_and_computed_items_of_that_year(make_scheme):
    scheme = make_scheme(
        """
indicators:
  - {code: P, name: 公办占比高于前年, points: 100, rule: {kind: threshold, expr: kg_public_share, op: ">", target: "prev(kg_public_share, 2)"}}
"""
    )
    years = {
        2023: {"kg_public_enrolment": 60, "kg_enrolment": 100},
        2022: {"kg_public_enrolment": 40, "kg_enrolment": 100},
        2021: {"kg_public_enrolment": 50, "kg_enrolment": 100},
    }
    (result,) = compile_scheme(scheme).score([region(years)])
    assert result.item("P").score == Decimal(100)  # 60 % > 50 % two years before (not 40 % last year)
    years[2021]["kg_public_enrolment"] = 70
    (result,) = compile_scheme(scheme).score([region(years)])
    assert result.item("P").score == Decimal(0)


def test_by_year_lays_out_the_years_before_this_one_most_recent_first():
    r = RegionInput.by_year("r", 2023, {2023: {}, 2022: {"a": Decimal(1)}, 2020: {"a": Decimal(3)}})
    assert r.previous == {"a": Decimal(1)}
    assert list(r.earlier) == [{}, {"a": Decimal(3)}]  # 2021 is missing: an empty year, not 2020's values


def test_a_comparison_with_two_years_ago_is_not_explained_as_last_year(make_scheme):
    scheme = make_scheme(
        """
indicators:
  - {code: P, name: 经费不低于前年, points: 100, rule: {kind: threshold, expr: edu_gpb_spending, op: ">=", target: "prev(edu_gpb_spending, 2)"}}
"""
    )
    years = {2023: {"edu_gpb_spending": 90}, 2022: {"edu_gpb_spending": 50}, 2021: {"edu_gpb_spending": 80}}
    (result,) = compile_scheme(scheme).score([region(years)])
    text = result.item("P").explanation
    assert "上年" not in text and "两年前一般公共预算教育经费 = 80" in text


def test_an_item_lists_the_values_of_every_year_it_read(make_scheme):
    scorer = compile_scheme(make_scheme(BODY))
    years = {
        2023: {"edu_gpb_spending": 70, "kg_gross_rate": 80, "major_accidents": 0},
        2022: {"edu_gpb_spending": 80, "kg_gross_rate": 90, "major_accidents": 1},
        2021: {"edu_gpb_spending": 90, "kg_gross_rate": 88},
        2020: {"edu_gpb_spending": 100},
    }
    (result,) = scorer.score([region(years)])
    read = [(i.code, i.years, i.value) for i in result.item("F1").inputs]
    assert read == [("edu_gpb_spending", y, Decimal(v)) for y, v in enumerate((70, 80, 90, 100))]
    assert [i.previous for i in result.item("F1").inputs] == [False, True, True, True]
