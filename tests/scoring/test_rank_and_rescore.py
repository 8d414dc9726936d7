"""Rank rules rank among the regions scored together; rescore() re-evaluates only what a change touches."""

from __future__ import annotations

from decimal import Decimal

import pytest
from scoring_support import FIXTURES, values

from lvzhi.schemes import load_scheme
from lvzhi.scoring import SCORED, UNSCORED, ManualScore, RegionInput, compile_scheme

RANKED = """
indicators:
  - code: R
    name: 经费排名
    points: 10
    rule: {kind: rank, expr: edu_gpb_spending, order: desc, points_by_rank: [10, 8, 6, 4], rest: 1}
  - code: T
    name: 毛入园率
    points: 90
    rule: {kind: threshold, expr: kg_gross_rate, op: ">=", target: 85}
"""


def regions(spending):
    return [
        RegionInput(
            f"r{i}", f"县{i}", values(**({"edu_gpb_spending": s} if s is not None else {}), kg_gross_rate=90)
        )
        for i, s in enumerate(spending)
    ]


def test_rank_points_follow_the_order_and_ties_share_a_rank(make_scheme):
    scorer = compile_scheme(make_scheme(RANKED))
    results = scorer.score(regions([50, 80, 80, 70, 10, 20]))
    # ranks: 80,80 → 1,1; 70 → 3; 50 → 4; 20 → 5; 10 → 6 (past the list → rest = 1)
    assert [r.item("R").score for r in results] == [4, 10, 10, 6, 1, 1]
    assert results[3].item("R").explanation == "一般公共预算教育经费 70万元，在 6 个地区中排第 3 → 6/10"


def test_rank_ascending_rewards_the_lowest(make_scheme):
    scorer = compile_scheme(make_scheme(RANKED.replace("order: desc", "order: asc")))
    assert [r.item("R").score for r in scorer.score(regions([5, 1, 3]))] == [6, 10, 8]


def test_rank_without_a_value_is_unscored_and_not_counted_among_peers(make_scheme):
    scorer = compile_scheme(make_scheme(RANKED))
    results = scorer.score(regions([5, None, 3]))
    assert results[1].item("R").status == UNSCORED
    assert results[2].item("R").explanation.endswith("在 2 个地区中排第 2 → 8/10")


def test_rank_past_the_list_without_rest_scores_the_last_entry(make_scheme):
    scorer = compile_scheme(make_scheme(RANKED.replace(", rest: 1", "")))
    assert [r.item("R").score for r in scorer.score(regions([1, 2, 3, 4, 5, 6]))] == [4, 4, 4, 6, 8, 10]


def test_peer_average_mode_compares_with_the_average(make_scheme):
    rule = "{kind: rank, expr: edu_gpb_spending, mode: peer_average, below: 0.5}"
    scorer = compile_scheme(
        make_scheme(
            RANKED.replace(
                "{kind: rank, expr: edu_gpb_spending, order: desc, points_by_rank: [10, 8, 6, 4], rest: 1}",
                rule,
            )
        )
    )
    results = scorer.score(regions([10, 20, 60]))  # average 30
    assert [r.item("R").score for r in results] == [5, 5, 10]
    assert results[2].item("R").explanation == "一般公共预算教育经费 60万元 ≥ 3 个地区平均 30万元 → 10/10"


def test_rescore_changes_only_the_region_and_items_touched(make_scheme):
    scorer = compile_scheme(make_scheme(RANKED))
    results = scorer.score(regions([50, 80, 70]))
    untouched = results[0].item("T")
    changed = scorer.rescore(results, "r0", values={"kg_gross_rate": Decimal(80)})
    assert changed.item("T").score == 0 and changed.total == 6  # rank 3 → 6, threshold now missed
    assert results[0] is changed
    assert results[0].item("R") is not None and untouched.score == 90


def test_rescore_of_a_ranked_value_reranks_the_peers(make_scheme):
    scorer = compile_scheme(make_scheme(RANKED))
    results = scorer.score(regions([50, 80, 70]))
    assert [r.item("R").score for r in results] == [6, 10, 8]
    scorer.rescore(results, "r0", values={"edu_gpb_spending": Decimal(90)})
    assert [r.item("R").score for r in results] == [10, 8, 6]
    assert [r.total for r in results] == [100, 98, 96]
    fresh = scorer.score([RegionInput(r.region, r.name, dict(r.state.input.values)) for r in results])
    assert [r.total for r in fresh] == [r.total for r in results]


def test_rescore_recomputes_computed_items_and_can_remove_a_value(catalogue):
    scorer = compile_scheme(load_scheme(FIXTURES / "complete.yaml", catalogue))
    region = RegionInput("r1", "甲县", values(kg_public_enrolment=400, kg_enrolment=1000))
    results = scorer.score([region])
    assert results[0].item("1.1").score == 0
    r = scorer.rescore(results, "r1", values={"kg_public_enrolment": Decimal(500)})
    assert r.item("1.1").score == 3 and r.item("1.1").explanation == "公办园在园幼儿占比 50% ≥ 50% → 3/3"
    r = scorer.rescore(results, "r1", values={"kg_enrolment": None})
    assert r.item("1.1").status == UNSCORED


def test_rescore_with_a_manual_score_and_last_year_value(catalogue):
    scorer = compile_scheme(load_scheme(FIXTURES / "complete.yaml", catalogue))
    results = scorer.score([RegionInput("r1", "甲县", values(edu_gpb_spending=100, national_awards=0))])
    assert results[0].item("2.2").status == UNSCORED
    r = scorer.rescore(
        results,
        "r1",
        previous={"edu_gpb_spending": Decimal(90)},
        manual={"1.4": ManualScore(level="优", justification="好", evidence=("x",))},
    )
    assert r.item("2.2").score == 2 and r.item("2.2").status == SCORED
    assert r.item("1.4").score == 2


def test_rescore_of_an_unknown_region_raises_key_error(make_scheme):
    scorer = compile_scheme(make_scheme(RANKED))
    with pytest.raises(KeyError):
        scorer.rescore(scorer.score(regions([1])), "nowhere", values={})
