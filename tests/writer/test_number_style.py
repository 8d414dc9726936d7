"""Chinese number and date style: exact figures, units by magnitude, 增长/下降, 个百分点, section numbers."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lvzhi.reader.numbers import chinese_to_int
from lvzhi.writer import number_style as numbers

SCALE = {"元": Decimal(1), "万元": Decimal(10_000), "亿元": Decimal(100_000_000)}


def parse_money(text: str) -> Decimal:
    m = re.fullmatch(r"(-?\d+(?:\.\d+)?)(元|万元|亿元)", text)
    assert m, text
    return Decimal(m.group(1)) * SCALE[m.group(2)]


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        ("1165600", "万元", "116.56亿元"),
        ("1180700", "万元", "118.07亿元"),
        (
            "168824",
            "万元",
            "16.8824亿元",
        ),  # exact in 亿元: a whole number of 万元 needs at most four decimals
        ("3146871", "万元", "314.6871亿元"),
        ("5800", "万元", "5800万元"),
        ("0.5", "万元", "5000元"),
        ("11444.49", "元", "11444.49元"),  # 生均 amounts stay in 元
        ("2000000", "元", "200万元"),
        ("650", "元", "650元"),
    ],
)
def test_money_picks_the_unit_by_magnitude(value: str, unit: str, expected: str) -> None:
    assert numbers.money(Decimal(value), unit) == expected


money_values = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1e12"), places=2, allow_nan=False)


@given(money_values, st.sampled_from(["元", "万元"]))
def test_money_never_rounds_the_figure_it_states(value: Decimal, unit: str) -> None:
    assert parse_money(numbers.money(value, unit)) == value * SCALE[unit]


@given(money_values, st.sampled_from(["元", "万元"]))
def test_money_shows_at_most_two_decimals_or_four_in_yi_yuan(value: Decimal, unit: str) -> None:
    text = numbers.money(value, unit)
    decimals = len(text.split(".")[1].rstrip("元万亿")) if "." in text else 0
    assert decimals <= (4 if text.endswith("亿元") else 2)


@pytest.mark.parametrize(
    ("value", "unit", "qualifier", "expected"),
    [
        ("1186900", "人", "", "118.69万人"),
        ("11041000", "平方米", "", "1104.1万平方米"),
        ("91750", "人", "", "91750人"),  # below a hundred thousand: as counted
        ("1186901", "人", "", "1186901人"),  # 118.6901万人 would need four decimals: as counted
        ("5800", "万元", "余", "5800余万元"),
        ("97", "%", "以上", "97%以上"),
        ("100", "%", "近", "近100%"),
        ("139", "班", "", "139个班"),
    ],
)
def test_quantities_are_scaled_as_officials_write_them_with_their_qualifier(
    value: str, unit: str, qualifier: str, expected: str
) -> None:
    assert numbers.quantity(Decimal(value), unit, qualifier) == expected


def test_money_refuses_a_unit_that_is_not_money() -> None:
    with pytest.raises(ValueError, match="不是货币单位"):
        numbers.money(Decimal(1), "人")


def test_plain_drops_trailing_zeros_and_exponents() -> None:
    assert numbers.plain(Decimal("118.070")) == "118.07"
    assert numbers.plain(Decimal("1E+3")) == "1000"
    assert numbers.plain(Decimal("20.00")) == "20"


def test_growth_is_said_with_the_sign_as_a_word() -> None:
    assert numbers.change_phrase(Decimal("0.42")) == "增长0.42%"
    assert numbers.change_phrase(Decimal("-1.50")) == "下降1.5%"
    assert numbers.change_phrase(Decimal(0)) == "与上年持平"


def test_a_difference_of_percentages_is_in_percentage_points() -> None:
    assert numbers.points_phrase(Decimal("20.68"), Decimal("17.04")) == "提高3.64个百分点"
    assert numbers.points_phrase(Decimal("50"), Decimal("50.5")) == "下降0.5个百分点"


@given(
    st.decimals(min_value=1, max_value=10**9, places=2), st.decimals(min_value=1, max_value=10**9, places=2)
)
def test_growth_rate_is_within_half_a_unit_of_the_exact_change(cur: Decimal, prev: Decimal) -> None:
    exact = (cur - prev) / prev * 100
    assert abs(numbers.growth_rate(cur, prev) - exact) <= Decimal("0.005")


def test_growth_rate_from_zero_is_refused() -> None:
    with pytest.raises(ValueError, match="上年数为0"):
        numbers.growth_rate(Decimal(1), Decimal(0))


@given(st.integers(min_value=1, max_value=99))
def test_chinese_section_numbers_read_back_as_the_same_number(n: int) -> None:
    assert chinese_to_int(numbers.cn_number(n)) == n


def test_section_markers_follow_the_official_sequence() -> None:
    assert [numbers.section_marker(level, 3) for level in (1, 2, 3, 4)] == ["三、", "（三）", "3.", "（3）"]
    assert numbers.cn_number(10) == "十" and numbers.cn_number(21) == "二十一"


def test_dates_are_written_without_leading_zeros() -> None:
    assert numbers.cn_date(date(2024, 5, 19)) == "2024年5月19日"
    assert numbers.cn_date(date(2023, 11, 5)) == "2023年11月5日"


def test_scores_are_printed_exactly_as_scored() -> None:
    assert numbers.score(Decimal("98.5")) == "98.5分"
    assert numbers.score(Decimal("14.625000")) == "14.625分"
