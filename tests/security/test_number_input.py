"""Item 14: a number is ASCII or full-width digits, `,` grouping, one point and a sign — nothing else."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lvzhi.entry.workbook import ItemRule, check_value
from lvzhi.evaluations import actions
from lvzhi.evaluations.errors import ValidationFailed
from lvzhi.evaluations.fields import parse_decimal
from lvzhi.evaluations.models import DataValue, State
from lvzhi.scoring.numtext import parse_number_text

FULL_WIDTH = str.maketrans("0123456789.-+,", "０１２３４５６７８９．－＋，")
LOOSE = [
    "1_000",
    "٣",
    "١٢",
    "१२",
    "1e5",
    "1E-3",
    "NaN",
    "Infinity",
    "-inf",
    "0x10",
    "1.2.3",
    "1,00",
    "12,34,567",
    "--1",
    "+-1",
    "1 000",
    "",
    ".",
    "-",
    "1,",
    ",1",
    "1.",
    "١٫٥",
]


def grouped(n: int) -> str:
    return f"{n:,}"


@given(st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=-(10**15), max_value=10**15))
def test_every_plain_decimal_reads_back_as_itself(value):
    assert parse_number_text(format(value, "f")) == value


@given(st.integers(min_value=-(10**18), max_value=10**18), st.integers(min_value=0, max_value=999))
def test_grouped_and_full_width_forms_read_as_the_same_number(whole, frac):
    text = f"{grouped(whole)}.{frac:03d}"
    expected = Decimal(text.replace(",", ""))
    assert parse_number_text(text) == expected
    assert parse_number_text(text.translate(FULL_WIDTH)) == expected


@given(
    st.text(
        alphabet=st.characters(categories=["Nd"]).filter(
            lambda c: not ("0" <= c <= "9" or "０" <= c <= "９")
        ),
        min_size=1,
    )
)
def test_digits_of_other_scripts_are_refused(digits):
    with pytest.raises(ValueError, match="不是数字"):
        parse_number_text(digits)


@pytest.mark.parametrize("text", LOOSE)
def test_loose_forms_are_refused_by_the_one_parser_and_everything_built_on_it(text):
    with pytest.raises(ValueError, match="不是数字"):
        parse_number_text(text)
    if text:
        with pytest.raises(ValueError):
            parse_decimal(text)
        value, problem = check_value(ItemRule("x", "在校生数", "人", None, None, False), text)
        assert value is None and problem and "应为数字" in problem


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["1_000", "٣", "1e3"])
def test_saving_a_loose_number_is_refused_and_nothing_stored(cast, text):
    cast.advance(cast.jia1, State.FILLING)
    with pytest.raises(ValidationFailed) as err:
        actions.do_save_value(
            acting_user=cast.jia1_filler,
            evaluation=cast.jia1,
            item_code="edu_gpb_spending",
            value=text,
            expected_version=None,
        )
    assert "不是数字" in str(err.value.issues[0].message)
    assert not DataValue.objects.filter(evaluation=cast.jia1, item_code="edu_gpb_spending").exists()


@pytest.mark.django_db
def test_a_full_width_grouped_number_is_stored_exactly(cast):
    cast.advance(cast.jia1, State.FILLING)
    dv, _ = actions.do_save_value(
        acting_user=cast.jia1_filler,
        evaluation=cast.jia1,
        item_code="edu_gpb_spending",
        value="＋１,２３４．５",
        expected_version=None,
    )
    assert dv.value == Decimal("1234.5")
