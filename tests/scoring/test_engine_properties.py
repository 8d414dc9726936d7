"""Property test (hypothesis): any values, present or missing, score without error and within the bounds."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from scoring_support import FIXTURES

from lvzhi.schemes import load_catalogue, load_scheme
from lvzhi.scoring import MANUAL_PENDING, SCORED, UNSCORED, RegionInput, compile_scheme

CATALOGUE = load_catalogue(FIXTURES / "catalogue.yaml")
SCHEME = load_scheme(FIXTURES / "complete.yaml", CATALOGUE)
SCORER = compile_scheme(SCHEME)
CODES = [code for code, item in CATALOGUE.items.items() if item.formula is None]

numbers = st.decimals(min_value=-(10**9), max_value=10**9, allow_nan=False, allow_infinity=False, places=2)
year = st.dictionaries(st.sampled_from(CODES), st.one_of(numbers, st.sampled_from([Decimal(0), Decimal(1)])))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(year, year), min_size=1, max_size=5))
def test_any_values_score_within_bounds_and_each_item_has_an_outcome(years):
    regions = [RegionInput(f"r{i}", values=cur, previous=prv) for i, (cur, prv) in enumerate(years)]
    results = SCORER.score(regions)
    cap = SCHEME.total + SCHEME.bonus_cap
    for result in results:
        assert Decimal(0) <= result.total <= cap
        assert result.bonus <= SCHEME.bonus_cap
        for item in result.items:
            assert item.status in (SCORED, UNSCORED, MANUAL_PENDING)
            assert item.explanation
            if item.kind != "group":
                assert (item.score is None) == (item.status != SCORED)
                assert item.score is None or Decimal(0) <= item.score <= item.points
        if result.grade is not None and not any(c.triggered and c.kind == "veto" for c in result.conditions):
            assert result.complete
