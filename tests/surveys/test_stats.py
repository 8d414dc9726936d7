"""The rate, its Wilson 95 % interval and the sample size a margin needs."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from lvzhi.surveys.stats import Z95, rate_of, sample_size, wilson


def test_the_wilson_interval_matches_its_textbook_value():
    # 81 of 100: Wilson 95 % = 0.7222 … 0.8749 (Newcombe 1998, method 3).
    low, high = wilson(0.81, 100)
    assert (round(low, 4), round(high, 4)) == (0.7222, 0.8749)


def test_a_rate_of_one_keeps_a_margin_where_the_normal_approximation_gives_none():
    r = rate_of([(1, 1)] * 20)
    assert r is not None and r.rate == 1.0 and r.high == 1.0
    assert 0.08 < r.margin < 0.09  # normal approximation: sqrt(1·0/20) = 0


def test_each_respondent_weighs_once_however_many_counted_answers_they_give():
    r = rate_of([(3, 3), (0, 1)])
    assert r is not None and r.n == 2 and r.rate == 0.5


def test_responses_without_a_counted_answer_do_not_count():
    assert rate_of([(0, 0)]) is None
    r = rate_of([(0, 0), (1, 2)])
    assert r is not None and r.n == 1


def test_the_classic_sample_sizes():
    assert sample_size(0.05) == 385
    assert sample_size(0.03) == 1068
    assert sample_size(0.05, population=1000) == 278


@given(st.integers(min_value=1, max_value=5000), st.data())
def test_the_interval_lies_in_0_1_and_holds_the_rate(n, data):
    k = data.draw(st.integers(min_value=0, max_value=n))
    p = k / n
    low, high = wilson(p, n)
    assert 0 <= low <= p + 1e-12 and p - 1e-12 <= high <= 1


@given(st.floats(min_value=0.005, max_value=0.5))
def test_the_needed_sample_reaches_the_margin_in_the_worst_case(margin):
    n = sample_size(margin)
    assert Z95 * math.sqrt(0.25 / n) <= margin + 1e-12
    if n > 1:
        assert Z95 * math.sqrt(0.25 / (n - 1)) > margin - 1e-12
