"""Exact decimals: the canonical text form round-trips every finite decimal, in Python and in the database."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lvzhi.evaluations.fields import MAX_DIGITS, canonical, parse_decimal

decimals = st.decimals(allow_nan=False, allow_infinity=False, places=None).filter(
    lambda d: len(canonical(d).replace("-", "").replace(".", "")) <= MAX_DIGITS
)


@given(decimals)
def test_canonical_text_parses_back_to_the_same_number(d):
    text = canonical(d)
    assert Decimal(text) == d
    assert "E" not in text and "e" not in text
    assert parse_decimal(text) == d
    assert canonical(parse_decimal(text)) == text  # canonical is a fixed point


@given(st.text(max_size=30))
def test_any_text_either_parses_or_is_refused_with_a_chinese_message(text):
    try:
        value = parse_decimal(text)
    except ValueError as exc:
        assert "数字" in str(exc) or "位数" in str(exc)
    else:
        assert value.is_finite()


@given(
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15).filter(
        lambda f: f == 0 or abs(f) >= 1e-9
    )
)
def test_floats_from_spreadsheets_keep_their_shortest_decimal_form(f):
    assert parse_decimal(f) == Decimal(repr(f))


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(decimals)
def test_values_come_back_from_the_database_unchanged(cast, d):
    from lvzhi.evaluations.models import DataValue

    dv, _ = DataValue.objects.update_or_create(evaluation=cast.jia1, item_code="gdp", defaults={"value": d})
    assert DataValue.objects.get(pk=dv.pk).value == d
    assert DataValue.objects.filter(value=d).exists()  # lookups use the same canonical text
