"""The risk score gives its reasons, and the draw is reproducible and never shuts a region out."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lvzhi.inspections.risk import (
    Candidate,
    DrawError,
    RegionFacts,
    RiskSettings,
    assess,
    assess_one,
    draw,
    last_digit_chi2,
)

D = Decimal


def test_a_region_that_over_scores_every_year_carries_credibility_risk_with_its_figures():
    facts = RegionFacts(
        "530102",
        "五华区",
        layers_by_year={
            2023: {"self": {"A1": D(5), "A2": D(4)}, "expert": {"A1": D(3), "A2": D(4)}},
            2024: {"self": {"A1": D(5), "A2": D(4)}, "expert": {"A1": D(3), "A2": D(2)}},
        },
    )
    risk = assess_one(facts)
    (reason,) = risk.reasons
    assert reason.code == "credibility"
    # 50 % over-scored in 2023, 100 % in 2024: mean 75 % of the 40-point weight.
    assert reason.points == D("30.00") == risk.score
    assert "2023年自评高于评审/核查 1/2 项（50%）" in reason.text
    assert "2024年自评高于评审/核查 2/2 项（100%）" in reason.text


def test_verified_scores_take_precedence_over_the_reviewers():
    facts = RegionFacts(
        "1",
        "甲",
        layers_by_year={2024: {"self": {"A1": D(5)}, "expert": {"A1": D(3)}, "verified": {"A1": D(5)}}},
    )
    assert assess_one(facts).reasons == ()


def test_jumps_on_threshold_values_findings_and_overdue_problems_are_each_a_reason():
    facts = RegionFacts(
        "1",
        "甲",
        values_by_year={2023: {"x": D(100), "y": D(50)}, 2024: {"x": D(140), "y": D(55)}},
        thresholds={"y": (D(55), D(60))},
        findings=("自评报告称“全部达标”，但数据表显示 3 项未达标",),
        overdue=("问题#3 校舍安全",),
    )
    risk = assess_one(facts)
    codes = {r.code: r for r in risk.reasons}
    assert set(codes) == {"jumps", "on_threshold", "findings", "overdue"}
    assert "x 2023→2024年 100→140（40%）" in codes["jumps"].text  # y moved 10 %: no jump
    assert "y = 55 恰好等于计分临界值" in codes["on_threshold"].text
    assert risk.score == sum((r.points for r in risk.reasons), D(0))


def test_the_last_digit_test_waits_for_a_big_enough_sample():
    sevens = {f"v{i}": D(17 + 10 * i) for i in range(49)}  # every figure ends in 7
    small = RegionFacts("1", "甲", values_by_year={2024: sevens})
    assert assess_one(small).reasons == ()
    big = RegionFacts("1", "甲", values_by_year={2024: {**sevens, "v49": D(507)}})
    (reason,) = assess_one(big).reasons
    assert reason.code == "last_digit" and "50 个整数数据" in reason.text


def test_uniform_last_digits_pass_the_test():
    n, chi2 = last_digit_chi2([D(10 + i) for i in range(100)]) or (0, D(0))
    assert n == 100 and chi2 == 0
    assert (
        assess_one(
            RegionFacts("1", "甲", values_by_year={2024: {f"v{i}": D(10 + i) for i in range(100)}})
        ).reasons
        == ()
    )


def test_the_risk_list_is_highest_first():
    low = RegionFacts("2", "乙")
    high = RegionFacts("1", "甲", overdue=("问题#1",))
    assert [r.region for r in assess([low, high])] == ["1", "2"]


def test_settings_survive_a_round_trip_through_stored_json():
    s = RiskSettings(jump_percent=D("25.5"), digit_sample=80)
    assert RiskSettings.from_dict(s.as_dict()) == s


# ------------------------------------------------------------------------------------------ the draw

candidates_st = st.lists(
    st.tuples(st.sampled_from(["市辖区", "县", "县级市"]), st.decimals(0, 100, places=2)),
    min_size=1,
    max_size=6,
).map(lambda rows: [Candidate(f"{i:06d}", stratum, risk) for i, (stratum, risk) in enumerate(rows)])


@settings(max_examples=40, deadline=None)
@given(candidates=candidates_st, data=st.data())
def test_every_region_has_a_non_zero_chance_of_being_drawn(candidates, data):
    # With at most 6 regions and risk at most 100 over a floor of 10, each region's chance is at least
    # about 1 %: over 1500 seeds every one of them is drawn at least once.
    n = data.draw(st.integers(1, len(candidates)))
    seen: set[str] = set()
    for seed in range(1500):
        seen.update(draw(candidates, n, seed).drawn)
        if len(seen) == len(candidates):
            break
    assert seen == {c.region for c in candidates}


@given(candidates=candidates_st, seed=st.integers(0, 2**63 - 1), data=st.data())
def test_the_same_seed_and_inputs_give_the_same_draw(candidates, seed, data):
    n = data.draw(st.integers(1, len(candidates)))
    first = draw(candidates, n, seed)
    assert draw(list(reversed(candidates)), n, seed) == first  # input order does not matter
    assert len(first.drawn) == len(set(first.drawn)) == n
    assert sum(q for _, q in first.quotas) == n


def test_each_stratum_gets_its_proportional_share():
    cands = [Candidate(f"a{i}", "县", D(0)) for i in range(6)] + [
        Candidate(f"b{i}", "区", D(0)) for i in range(3)
    ]
    d = draw(cands, 3, seed=7)
    assert dict(d.quotas) == {"县": 2, "区": 1}


def test_higher_risk_is_drawn_more_often():
    cands = [Candidate("risky", "", D(90)), Candidate("calm", "", D(0))]
    risky = sum(draw(cands, 1, seed).drawn == ("risky",) for seed in range(1000))
    assert 850 < risky < 950  # expected 100/110 ≈ 909


@pytest.mark.parametrize(
    ("n", "floor", "message"),
    [
        (0, D(10), "抽取数量应在 1 到 2 之间"),
        (3, D(10), "抽取数量应在 1 到 2 之间"),
        (1, D(0), "基础权重必须大于 0"),
    ],
)
def test_impossible_draws_are_refused_in_chinese(n, floor, message):
    with pytest.raises(DrawError, match=message):
        draw([Candidate("1", "", D(0)), Candidate("2", "", D(0))], n, seed=1, floor=floor)


def test_the_scoring_thresholds_come_from_the_schemes_rules():
    from pathlib import Path

    from lvzhi.evaluations import gateway
    from lvzhi.inspections.risk import scheme_thresholds

    path = Path(__file__).parents[1] / "platform" / "schemes" / "small-county.yaml"
    found = scheme_thresholds(gateway.load(path.read_text(encoding="utf-8")))
    assert found["kg_public_share"] == (D(50),)
    assert found["disabled_enrolment_rate"] == (D(0), D(90), D(95))
    assert found["kg_inclusive_coverage"] == (D(80),)


def test_the_checklist_puts_the_flagged_leaves_first_with_their_reasons():
    from pathlib import Path

    from lvzhi.evaluations import gateway
    from lvzhi.inspections.checklist import build

    path = Path(__file__).parents[1] / "platform" / "schemes" / "small-county.yaml"
    scheme = gateway.load(path.read_text(encoding="utf-8"))
    lines = build(
        scheme,
        reported={"kg_public_share": D("50")},
        self_scores={"1.1": D(5)},
        review_scores={"1.1": D(2)},
        findings=("报告称“各项指标全部达标”，与数据不符",),
    )
    assert [line.indicator for line in lines[:2]] == ["1.1", ""]
    assert lines[0].flags == ("自评 5 分高于评审 2 分",)
    assert "访谈" in lines[0].verify
    assert lines[1].flags == ("报告审读：报告称“各项指标全部达标”，与数据不符",)
    share = next(line for line in lines if any(f.item == "kg_public_share" for f in line.figures))
    assert "调阅原始台账" in share.verify and "50" in share.verify and share.flags == ()
    assert {line.indicator for line in lines} >= {leaf.code for leaf in scheme.leaves()}
