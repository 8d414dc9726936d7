"""The number lexer: Arabic and Chinese numerals, magnitudes, measure words and fused hedges."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lvzhi.reader.numbers import chinese_to_decimal, chinese_to_int, decimals, lex
from lvzhi.reader.text import normalise

_DIGITS = "零一二三四五六七八九"


def to_chinese(n: int) -> str:
    """Write 0 ≤ n < 10^8 in Chinese numerals the way reports do (一千零五, 十二, 三万二千)."""
    if n == 0:
        return "零"

    def below_10000(x: int, leading: bool) -> str:
        out, zero = "", False
        for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
            d = x // unit % 10
            if d == 0:
                zero = bool(out)
                continue
            if zero:
                out += "零"
                zero = False
            if unit == 10 and d == 1 and not out and leading:
                out += "十"
            else:
                out += _DIGITS[d] + name
        return out

    high, low = divmod(n, 10000)
    if not high:
        return below_10000(low, True)
    text = below_10000(high, True) + "万"
    if low:
        text += ("零" if low < 1000 else "") + below_10000(low, False)
    return text


@pytest.mark.parametrize(
    ("numeral", "value"),
    [
        ("三千二百八十七", 3287),
        ("两", 2),
        ("十五", 15),
        ("二十", 20),
        ("一万二千", 12000),
        ("一二〇", 120),
        ("一亿零五", 100000005),
    ],
)
def test_chinese_numerals_have_their_value(numeral: str, value: int) -> None:
    assert chinese_to_int(numeral) == value


def test_chinese_decimal_with_dian() -> None:
    assert chinese_to_decimal("十二点五") == Decimal("12.5")


@given(st.integers(min_value=0, max_value=99_999_999))
def test_chinese_numerals_round_trip(n: int) -> None:
    assert chinese_to_int(to_chinese(n)) == n


def test_not_a_numeral_is_an_error() -> None:
    with pytest.raises(ValueError, match="不是中文数字"):
        chinese_to_int("三个")


def _one(text: str) -> tuple[str, Decimal, str | None]:
    norm = normalise(text)
    toks = [t for t in lex(norm) if t.unit]
    assert len(toks) == 1, toks
    t = toks[0]
    return text[t.start : t.end], t.value, t.unit


@pytest.mark.parametrize(
    ("text", "surface", "value", "unit"),
    [
        ("全县投入资金1.2万元用于维修", "1.2万元", Decimal("12000"), "元"),
        ("教育经费达5.89亿元。", "5.89亿元", Decimal("589000000"), "元"),
        ("资助6900万余元、捐款", "6900万余元", Decimal("69000000"), "元"),
        ("共投入1200余万元,", "1200余万元", Decimal("12000000"), "元"),
        ("开设130多项课程", "130多项", Decimal("130"), "项"),
        ("巩固率为２０.５％,", "２０.５％", Decimal("20.5"), "%"),
        ("占总支出的20.68 %,", "20.68 %", Decimal("20.68"), "%"),
        ("提高3.64个百分点。", "3.64个百分点", Decimal("3.64"), "百分点"),
        ("面积871.9平方公里", "871.9平方公里", Decimal("871900000"), "平方米"),
        ("校舍1104.10万平米,", "1104.10万平米", Decimal("11041000"), "平方米"),
        ("新建两所幼儿园", "两所", Decimal("2"), "所"),
        ("全县三千二百八十七人参加", "三千二百八十七人", Decimal("3287"), "人"),
        ("贫困率下降到百分之十二点五。", "百分之十二点五", Decimal("12.5"), "%"),
        ("按200元/生·年标准", "200元/生·年", Decimal("200"), "元"),
        ("班额控制在45人及以下", "45人及以下", Decimal("45"), "人"),
        ("投入资金近2000余万元", "近2000余万元", Decimal("20000000"), "元"),
    ],
)
def test_lexer_reads_figure_with_unit(text: str, surface: str, value: Decimal, unit: str) -> None:
    assert _one(text) == (surface, value, unit)


def test_a_word_starting_with_a_measure_word_is_not_a_unit() -> None:
    toks = lex(normalise("用时5分钟,涉及3部门"))
    assert [t.unit for t in toks] == [None, None]


def test_rank_followed_by_heading_is_not_a_decimal() -> None:
    toks = lex(normalise("全省排名41.2.教育投入"))
    assert toks[0].value == Decimal(41)


def test_decimals_counts_written_places() -> None:
    assert (decimals("83"), decimals("10.21")) == (0, 2)


@given(st.text(alphabet="0123456789.万亿元%个所人年第—-+十百千两三余多约近以上下 ,。、()（）", max_size=80))
def test_lexer_never_crashes_and_stays_in_bounds(text: str) -> None:
    norm = normalise(text)
    for t in lex(norm):
        assert 0 <= t.start <= t.num_start < t.end <= len(text)


@given(st.text())
def test_normalising_keeps_every_offset(text: str) -> None:
    assert len(normalise(text)) == len(text)


def test_normalising_maps_full_width_digits_and_punctuation() -> None:
    assert normalise("２０．５％（一）：，　") == "20.5%(一):, "
