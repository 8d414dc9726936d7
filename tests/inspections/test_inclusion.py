"""Every region's probability of being drawn under a draw's design: exact for small strata, simulated from a
stored seed otherwise; it adds up to the slots, never vanishes, agrees with the draw itself and never falls
when a region's risk rises."""

from __future__ import annotations

import random
from collections import Counter
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from lvzhi.inspections.risk import (
    SIMULATION_RUNS,
    Candidate,
    RiskSettings,
    draw,
    first_picks,
    inclusion,
    parse_settings,
)

D = Decimal
ROUNDING = D("0.0000000005")  # each probability is rounded to nine decimals

# Two cities of four counties and one of two, with risks that differ.
COUNTIES = [
    Candidate("110101", "甲市", D(0)),
    Candidate("110102", "甲市", D(30)),
    Candidate("110103", "甲市", D("12.5")),
    Candidate("110104", "甲市", D(60)),
    Candidate("120101", "乙市", D(5)),
    Candidate("120102", "乙市", D(0)),
    Candidate("120103", "乙市", D(45)),
    Candidate("120104", "乙市", D(0)),
    Candidate("130101", "丙市", D(20)),
    Candidate("130102", "丙市", D(0)),
]


def by_stratum(result, candidates) -> dict[str, Decimal]:
    strata = {c.region: c.stratum for c in candidates}
    sums: dict[str, Decimal] = {}
    for code, p in result.probabilities:
        sums[strata[code]] = sums.get(strata[code], D(0)) + p
    return sums


def test_with_whole_slots_the_probabilities_of_each_stratum_add_up_to_its_slots():
    # 5 of 10: 甲市 and 乙市 2 each, 丙市 1 — no slot left to a lot.
    result = inclusion(COUNTIES, 5, D(10), seed=1)
    assert result.exact and result.as_dict()["method"] == "exact" and result.half_width == 0
    for stratum, total in by_stratum(result, COUNTIES).items():
        slots = {"甲市": 2, "乙市": 2, "丙市": 1}[stratum]
        assert abs(total - slots) <= 4 * ROUNDING, stratum


def test_with_a_lot_for_the_leftover_slots_each_stratum_adds_up_to_its_expected_slots_and_all_to_n():
    # 4 of 10: shares 1.6, 1.6, 0.8 — each city sure of its whole slots, two slots left to the lot.
    result = inclusion(COUNTIES, 4, D(10), seed=1)
    sums = by_stratum(result, COUNTIES)
    for s in result.strata:
        assert abs(sums[s.stratum] - (s.slots + s.extra)) <= s.size * ROUNDING
    assert abs(sum(p for _, p in result.probabilities) - 4) <= len(COUNTIES) * ROUNDING


def test_the_lot_gives_each_stratum_its_fractional_share_when_one_slot_is_left():
    result = inclusion(COUNTIES, 3, D(10), seed=1)
    # Shares 1.2, 1.2, 0.6: one slot each to 甲市 and 乙市, the third by lot 2 : 2 : 6.
    assert {s.stratum: (s.slots, s.extra) for s in result.strata} == {
        "甲市": (1, D("0.200000")),
        "乙市": (1, D("0.200000")),
        "丙市": (0, D("0.600000")),
    }


def test_the_exact_probabilities_agree_with_the_draw_itself_run_over_many_seeds():
    runs = 4000
    counts: Counter[str] = Counter()
    for seed in range(runs):
        counts.update(draw(COUNTIES, 4, seed, D(10)).drawn)
    exact = dict(inclusion(COUNTIES, 4, D(10), seed=1).probabilities)
    for code, p in exact.items():
        share = D(counts[code]) / runs
        # Four standard errors of a share of `runs` draws.
        assert abs(share - p) <= 4 * (p * (1 - p) / runs).sqrt(), (code, share, p)


def test_the_simulation_used_for_large_strata_agrees_with_the_exact_values_within_its_stated_precision():
    weights = [1000, 4000, 2250, 7000, 1500, 1000, 5500]
    exact = first_picks(weights, 3, random.Random(1))
    simulated = first_picks(weights, 3, random.Random(1), limit=0)
    assert exact.exact and not simulated.exact and simulated.runs == SIMULATION_RUNS
    half_width = 0.98 / SIMULATION_RUNS**0.5
    for k in range(4):
        for p, q in zip(exact.by_k[k], simulated.by_k[k], strict=True):
            assert abs(p - q) <= half_width, (k, p, q)


def test_a_draw_too_large_for_the_exact_way_is_simulated_reproducibly_and_says_so():
    many = [Candidate(f"{i:06}", "甲市" if i % 2 else "乙市", D(i % 7 * 5)) for i in range(60)]
    first = inclusion(many, 10, D(10), seed=77)
    assert not first.exact and first.runs == SIMULATION_RUNS
    assert first.half_width == D("0.0069")  # 1.96·√(¼ / 20 000)
    assert first.as_dict() == inclusion(many, 10, D(10), seed=77).as_dict()
    assert {s["method"] for s in first.as_dict()["strata"]} == {"simulated"}
    assert abs(sum(p for _, p in first.probabilities) - 10) <= D("0.0001")


def test_a_stratum_drawn_whole_gives_each_region_certainty_however_large():
    result = inclusion(COUNTIES, 10, D(10), seed=1)
    assert {p for _, p in result.probabilities} == {D("1.000000")}
    many = [Candidate(f"{i:06}", "甲市", D(i)) for i in range(40)]
    assert inclusion(many, 40, D(10), seed=1).exact


# ------------------------------------------------------------------------------------------ properties

candidates = st.lists(
    st.tuples(st.sampled_from(["甲", "乙", "丙"]), st.integers(min_value=0, max_value=100)),
    min_size=1,
    max_size=8,
).map(lambda rows: [Candidate(f"{i:02}", s, D(r)) for i, (s, r) in enumerate(rows)])


@settings(max_examples=60, deadline=None)
@given(candidates, st.data(), st.sampled_from([D("0.5"), D(1), D(10)]))
def test_every_region_keeps_a_chance_and_all_chances_add_up_to_n(regions, data, floor):
    n = data.draw(st.integers(min_value=1, max_value=len(regions)))
    result = inclusion(regions, n, floor, seed=3)
    assert result.exact
    assert all(p > 0 for _, p in result.probabilities)
    assert abs(sum(p for _, p in result.probabilities) - n) <= len(regions) * ROUNDING


@settings(max_examples=60, deadline=None)
@given(candidates, st.data(), st.integers(min_value=1, max_value=200))
def test_a_higher_risk_never_lowers_a_regions_probability(regions, data, rise):
    n = data.draw(st.integers(min_value=1, max_value=len(regions)))
    i = data.draw(st.integers(min_value=0, max_value=len(regions) - 1))
    riskier = list(regions)
    riskier[i] = Candidate(regions[i].region, regions[i].stratum, regions[i].risk + rise)
    before = dict(inclusion(regions, n, D(10), seed=3).probabilities)
    after = dict(inclusion(riskier, n, D(10), seed=3).probabilities)
    assert after[regions[i].region] >= before[regions[i].region]


# ------------------------------------------------------------------------------------------ the office's settings


def test_settings_are_checked_all_or_nothing_with_chinese_messages():
    base = RiskSettings()
    changed, problems = parse_settings({"jump_percent": "25", "digit_sample": "80", "floor": "5"}, base)
    assert problems == [] and (changed.jump_percent, changed.digit_sample, changed.floor) == (D(25), 80, D(5))
    kept, problems = parse_settings(
        {"jump_percent": "25", "digit_sample": "20", "floor": "0", "per_jump": "许多", "colour": "1"}, base
    )
    assert kept == base
    assert dict(problems) == {
        "digit_sample": "末位数字检验的最小样本量（个）应不小于 50 且不大于 100000，收到“20”",
        "floor": "基础权重（保底机会）应大于 0 且不大于 1000，收到“0”",
        "per_jump": "同比跳变：每项计分应为数字，收到“许多”",
        "colour": "没有名为“colour”的风险参数",
    }


def test_settings_stored_before_a_knob_existed_read_back_with_its_default():
    assert RiskSettings.from_dict({"jump_percent": "25"}) == RiskSettings(jump_percent=D(25))
