"""A verified figure beside the reported one: the deviation rate and the tolerance verdict do not depend on
the unit the figures are written in."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from lvzhi.inspections.figures import differs, relative_difference

amounts = st.decimals(min_value=-(10**6), max_value=10**6, places=2, allow_nan=False, allow_infinity=False)
tolerances = st.decimals(min_value=0, max_value=50, places=1)


def test_a_figure_verified_eight_below_a_reported_sixty_is_thirteen_point_three_percent_off():
    assert relative_difference(Decimal(60), Decimal(52)).quantize(Decimal("0.1")) == Decimal("-13.3")
    assert differs(Decimal(60), Decimal(52), Decimal(5)) and not differs(
        Decimal(60), Decimal(52), Decimal(15)
    )


def test_a_reported_zero_is_off_by_any_verified_difference():
    assert relative_difference(Decimal(0), Decimal(3)) is None
    assert differs(Decimal(0), Decimal(3), Decimal(50)) and not differs(Decimal(0), Decimal(0), Decimal(0))


@given(amounts, amounts, tolerances, st.sampled_from([Decimal(10000), Decimal("0.0001"), Decimal(100)]))
def test_changing_the_unit_of_both_figures_keeps_the_verdict(reported, verified, tolerance, factor):
    # 万元 ↔ 元, 人 ↔ 万人: the same figures in another unit are as far apart as before.
    assert differs(reported, verified, tolerance) == differs(reported * factor, verified * factor, tolerance)


@given(amounts, amounts, tolerances)
def test_a_verified_figure_equal_to_the_reported_one_is_never_flagged(reported, verified, tolerance):
    assert not differs(reported, reported, tolerance)
    if differs(reported, verified, tolerance):
        assert verified != reported


def test_a_typed_figure_reads_with_separators_blank_is_none_and_what_is_no_number_is_refused():
    from lvzhi.inspections.figures import typed_number

    assert (
        typed_number(" 12,345.60 ") == Decimal("12345.60")
        and typed_number("") is None
        and typed_number(None) is None
    )
    for bad in ("abc", "NaN", "Infinity", "1.2.3"):
        try:
            typed_number(bad)
        except ValueError:
            continue
        raise AssertionError(bad)
