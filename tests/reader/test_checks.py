"""Arithmetic checks: growth, share, completion, gap, sum, duplicate, with the README tolerance."""

from __future__ import annotations

from decimal import Decimal

from lvzhi.reader.model import Check
from lvzhi.reader.pipeline import analyse


def _checks(text: str) -> list[Check]:
    return analyse(text).checks


def test_growth_recomputed_from_two_years() -> None:
    text = "普通高中生均经费支出,2022年为9455.76元,2023年为10421.07元,增长10.21%。"
    (k,) = _checks(text)
    assert (k.kind, k.stated, k.recomputed, k.consistent) == (
        "growth",
        Decimal("10.21"),
        Decimal("10.21"),
        True,
    )
    assert text[k.start :].startswith("10.21%")
    assert k.quote in text


def test_growth_inputs_are_named_by_their_years() -> None:
    text = "生均经费支出,2022年为100.00元,2023年为110.00元,增长10.00%。"
    (k,) = _checks(text)
    assert k.inputs == {
        "2023年生均经费支出(元)": Decimal("110.00"),
        "2022年生均经费支出(元)": Decimal("100.00"),
    }


def test_growth_against_previous_year_flags_a_wrong_rate() -> None:
    text = "2023年教育经费120.00亿元,比上年100.00亿元,增长25%。"
    (k,) = _checks(text)
    assert (k.kind, k.recomputed, k.consistent) == ("growth", Decimal(20), False)
    finding = analyse(text).findings[0]
    assert finding.kind == "inconsistent_growth" and "不一致" in finding.message


def test_share_of_a_named_whole() -> None:
    text = "全市一般公共预算支出200.0亿元,教育支出36.5亿元,占一般公共预算支出的18.25%。"
    (k,) = _checks(text)
    assert (k.kind, k.recomputed, k.consistent) == ("share", Decimal("18.25"), True)


def test_share_with_the_whole_earlier_in_the_sentence() -> None:
    text = "全县床位4654张,其中寄宿生床位2422张,占比64%。"
    (k,) = _checks(text)
    assert (k.kind, k.recomputed, k.consistent) == ("share", Decimal(52), False)


def test_share_of_an_unstated_whole_is_not_checked() -> None:
    assert _checks("交流轮岗教师120人,占应交流教师的23.2%。") == []


def test_completion_rate_and_remainder() -> None:
    text = "督导反馈32个问题已完成整改29个,完成率90.6%,正在整改3个。"
    ks = _checks(text)
    assert [(k.kind, k.recomputed, k.consistent) for k in ks] == [
        ("completion", Decimal("90.6"), True),
        ("sum", Decimal(3), True),
    ]


def test_half_unit_tolerance_of_the_last_stated_decimal() -> None:
    ok = _checks("下达项目35项,完工29项、完工率83%。")
    wrong = _checks("下达项目35项,完工29项、完工率82%。")
    assert ok[0].consistent and not wrong[0].consistent


def test_gap_to_a_stated_benchmark() -> None:
    text = "全县公办园在园幼儿占比41.20%,距50%的目标差8.9个百分点。"
    (k,) = _checks(text)
    assert (k.kind, k.recomputed, k.consistent) == ("gap", Decimal("8.8"), False)


def test_sum_of_listed_parts() -> None:
    text = "全县共有学校54所,其中小学20所、初中30所、高中4所。"
    (k,) = _checks(text)
    assert (k.kind, k.recomputed, k.consistent) == ("sum", Decimal(54), True)
    assert k.inputs == {"小学(所)": Decimal(20), "初中(所)": Decimal(30), "高中(所)": Decimal(4)}


def test_parts_exceeding_the_total_are_inconsistent_but_a_partial_list_is_not_checked() -> None:
    over = _checks("全县共有学校50所,其中小学20所、初中34所。")
    partial = _checks("全县共有学校50所,其中小学20所、初中24所。")
    assert [(k.recomputed, k.consistent) for k in over] == [(Decimal(54), False)]
    assert partial == []


def test_parenthesised_subsets_are_not_parts() -> None:
    text = "学校60所。其中,小学30所、初中20所(含民办3所)、高中10所。"
    (k,) = _checks(text)
    assert (k.recomputed, k.consistent) == (Decimal(60), True)


def test_parts_inside_parentheses_after_the_total() -> None:
    text = "参训学员共计500人次(其中:教师(含园长)300人次、校长200人次)。"
    (k,) = _checks(text)
    assert (k.kind, k.recomputed, k.consistent) == ("sum", Decimal(500), True)


def test_same_metric_stated_twice_with_different_values() -> None:
    text = "全县总面积800平方公里,总人口45.2万。全县总面积800平方公里,总人口45.6万。"
    a = analyse(text)
    (k,) = a.checks
    assert (k.kind, k.stated, k.consistent) == ("duplicate", Decimal("45.6"), False)
    assert [f.kind for f in a.findings] == ["duplicate_metric"]


def test_same_metric_of_different_programmes_is_not_a_duplicate() -> None:
    text = "校舍维修资金,落实中央资金100万元。学生资助资金,落实中央资金35万元。"
    assert _checks(text) == []


def test_share_whose_whole_is_stated_inside_the_zhan_phrase() -> None:
    text = "公办园在园幼儿3000人,占在园幼儿总数5000人的61%。"
    (k,) = _checks(text)
    assert (k.kind, k.recomputed, k.consistent) == ("share", Decimal(60), False)


def test_a_list_of_all_kinds_of_schools_that_falls_short_is_inconsistent() -> None:
    text = "全县共有各级各类学校100所,其中幼儿园40所、小学40所、初中15所、高中3所。"
    (k,) = _checks(text)
    assert (k.kind, k.recomputed, k.consistent) == ("sum", Decimal(98), False)


def test_rounded_parts_may_add_their_rounding_but_exact_counts_may_not() -> None:
    rounded = _checks("经费合计10.03亿元,其中中央5.01亿元、省级3.01亿元、县级2.00亿元。")
    exact = _checks("教师合计103人,其中男教师50人、女教师54人。")
    assert [k.consistent for k in rounded] == [True]
    assert [k.consistent for k in exact] == [False]


def test_every_check_points_at_a_claim_and_quotes_the_text() -> None:
    text = "全县共有学校54所,其中小学20所、初中30所、高中4所。开工34项、完工率80%。"
    a = analyse(text)
    starts = {c.start for c in a.claims}
    for k in a.checks:
        assert k.start in starts
        assert k.quote in text


def test_share_in_chinese_words_of_a_whole_stated_in_an_earlier_paragraph() -> None:
    text = "全县专任教师2000人。\n研究生学历90人,占专任教师总数的百分之四点五。\n"
    (k,) = _checks(text)
    assert (k.kind, k.recomputed, k.consistent) == ("share", Decimal("4.5"), True)


def test_population_stated_differently_in_two_sections_is_a_duplicate() -> None:
    text = "一、基本情况\n全县总人口38.6万人。\n二、存在问题\n一是全县总人口38.9万人,学位紧张。\n"
    (k,) = _checks(text)
    assert (k.kind, k.consistent) == ("duplicate", False)
    assert "38.6万人" in k.message and "38.9万人" in k.message


def test_full_width_figures_are_checked_like_ascii_ones() -> None:
    text = "全县共有学校５４所，其中小学２０所、初中３４所。生均经费，２０２２年为１００．００元，２０２３年为１１０．００元，增长１０．５０％。"
    ks = _checks(text)
    assert [(k.kind, k.consistent) for k in ks] == [("sum", True), ("growth", False)]
    assert ks[1].stated == Decimal("10.50")


def test_absurdly_long_figures_do_not_break_the_arithmetic() -> None:
    big = "9" * 40
    text = f"全县共有学校{big}所,其中小学{big}所、初中{big}所。增长率比上年{big}元增长{big}.5%。"
    for k in _checks(text):
        assert k.quote in text


def test_an_average_is_the_total_over_the_number_of_groups() -> None:
    (k,) = _checks("全县小学一年级新生3950人,分91个班,平均班额43.4人。")
    assert (k.kind, k.recomputed, k.consistent) == ("average", Decimal("43.4"), True)


def test_a_wrong_average_is_flagged() -> None:
    (k,) = _checks("全县初中新生2400人,分50个班,平均班额52.6人。")
    assert (k.kind, k.recomputed, k.consistent) == ("average", Decimal("48.0"), False)


def test_an_average_without_its_inputs_in_the_sentence_is_not_checked() -> None:
    assert _checks("全县新建学校6所。平均班额43.4人。") == []


def test_a_fall_from_last_years_figure_is_checked_as_a_decrease() -> None:
    (k,) = _checks("辍学学生由上年的58人减少至12人,下降79.3%。")
    assert (k.kind, k.recomputed, k.consistent) == ("growth", Decimal("79.3"), True)
    assert "(58-12)/58" in k.message


def test_parts_listed_on_circled_number_lines_add_up_to_the_total() -> None:
    text = "全年招聘教师386人,具体为:\n①公开招聘248人\n②特岗教师96人\n③定向培养40人\n二、存在问题"
    (k,) = _checks(text)
    assert (k.kind, k.recomputed, k.consistent) == ("sum", Decimal(384), False)
    assert k.quote in text


def test_a_list_line_with_two_figures_of_the_unit_stops_the_list() -> None:
    text = "全年招聘教师386人,具体为:\n①公开招聘248人,其中男教师100人\n②特岗教师96人\n"
    assert [k for k in _checks(text) if k.kind == "sum"] == []
