"""Incremental re-scoring gives exactly what a full score of the changed data gives (hypothesis proof).

Any sequence of single-value changes — including a value removed or added, ties, values that move across a
rank table or across the peers' average, and computed shares whose 28-digit values make the running sum
inexact — leaves `results` equal, region by region and item by item (scores, statuses, explanations,
inputs, subtotals, totals, grades, conditions), to a full `score()` of the same inputs.
"""

from __future__ import annotations

import gc
import tempfile
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scoring_support import FIXTURES, HEADER

from lvzhi.schemes import load_catalogue, load_scheme
from lvzhi.scoring import RegionInput, RegionResult, compile_scheme

BODY = """
indicators:
  - code: A
    name: 经费
    points: 50
    children:
      - {code: A.1, name: 经费排名, points: 10, rule: {kind: rank, expr: edu_gpb_spending, order: desc, points_by_rank: [10, 8, 6], rest: 2}}
      - {code: A.2, name: 大班额排名, points: 10, rule: {kind: rank, expr: large_class_share, order: asc, points_by_rank: [10, 5]}}
      - {code: A.3, name: 毛入园率, points: 20, rule: {kind: threshold, expr: kg_gross_rate, op: ">=", target: 85}}
      - code: A.4
        name: 经费位次
        points: 10
        rule: {kind: rank, expr: edu_gpb_spending, mode: share, bands: [{top: 20, score: 10}, {top: 50, score: 6}], rest: 1}
  - code: B
    name: 公办园
    points: 60
    children:
      - {code: B.1, name: 公办占比对比, points: 30, rule: {kind: rank, expr: kg_public_share, mode: peer_average, below: 0.5}}
      - {code: B.2, name: 经费对比, points: 30, rule: {kind: rank, expr: edu_gpb_spending, order: asc, mode: peer_average, below: 0.2}}
vetoes: [{code: V1, name: 否决, when: "large_class_share > 90"}]
"""

CATALOGUE = load_catalogue(FIXTURES / "catalogue.yaml")
with tempfile.TemporaryDirectory() as folder:
    path = Path(folder) / "scheme.yaml"
    path.write_text(HEADER.format(total=110, bonus_cap="null") + textwrap.dedent(BODY), encoding="utf-8")
    SCHEME = load_scheme(path, CATALOGUE)
SCORER = compile_scheme(SCHEME)
CODES = ["edu_gpb_spending", "large_class_share", "kg_gross_rate", "kg_public_enrolment", "kg_enrolment"]

# Few distinct small values (many ties) and arbitrary ones; None removes the value.
known = st.one_of(
    st.sampled_from([Decimal(v) for v in ("0", "1", "3", "3.0", "7", "50", "85", "95.5")]),
    st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False, allow_infinity=False),
)
value = st.one_of(st.none(), known)
region_values = st.dictionaries(st.sampled_from(CODES), known)
update = st.tuples(st.integers(min_value=0, max_value=7), st.sampled_from(CODES), value)


def snapshot(result: RegionResult) -> tuple[object, ...]:
    return (
        result.region,
        result.total,
        result.grade,
        result.grade_name,
        result.complete,
        result.bonus,
        result.deductions,
        [(i.code, i.score, i.status, i.explanation, i.inputs) for i in result.items],
        [(c.code, c.triggered, c.explanation) for c in result.conditions],
    )


def full_score(inputs: list[RegionInput]) -> list[tuple[object, ...]]:
    return [snapshot(r) for r in SCORER.score(inputs)]


@settings(max_examples=150, deadline=None)
@given(st.lists(region_values, min_size=1, max_size=8), st.lists(update, min_size=1, max_size=12))
def test_any_sequence_of_single_value_changes_equals_a_full_re_score(start, updates):
    inputs = [RegionInput(f"r{i}", f"县{i}", values) for i, values in enumerate(start)]
    results = SCORER.score(inputs)
    for k, (which, code, new) in enumerate(updates):
        i = which % len(inputs)
        changed = dict(inputs[i].values)
        if new is None:
            changed.pop(code, None)
        else:
            changed[code] = new
        inputs[i] = RegionInput(inputs[i].region, inputs[i].name, changed)
        returned = SCORER.rescore(results, inputs[i].region, values={code: new})
        assert returned is results[i]
        if k % 2 == 0:  # half the time the items were read (and cached) before the next change
            assert [snapshot(r) for r in results] == full_score(inputs)
    assert [snapshot(r) for r in results] == full_score(inputs)


def test_a_list_joined_from_two_score_calls_is_ranked_as_one_set_of_peers():
    first = [RegionInput("r0", "甲县", {"edu_gpb_spending": Decimal(5)})]
    second = [RegionInput("r1", "乙县", {"edu_gpb_spending": Decimal(9)})]
    results = SCORER.score(first) + SCORER.score(second)
    SCORER.rescore(results, "r0", values={"edu_gpb_spending": Decimal(7)})
    inputs = [RegionInput("r0", "甲县", {"edu_gpb_spending": Decimal(7)}), *second]
    assert [snapshot(r) for r in results] == full_score(inputs)
    assert results[1].item("A.1").explanation == "一般公共预算教育经费 9万元，在 2 个地区中排第 1 → 10/10"


def test_a_peer_whose_rank_moves_without_a_new_score_gets_the_new_rank_in_its_explanation():
    inputs = [
        RegionInput(f"r{i}", f"县{i}", {"edu_gpb_spending": Decimal(v)})
        for i, v in enumerate([1, 2, 3, 4, 5])
    ]
    results = SCORER.score(inputs)
    held = results[0]
    assert held.item("A.1").explanation.endswith("排第 5 → 2/10")
    SCORER.rescore(results, "r4", values={"edu_gpb_spending": Decimal(0)})
    assert results[0] is held  # same score: the result is updated in place, not re-totalled
    assert held.item("A.1").explanation.endswith("排第 4 → 2/10")


@pytest.mark.parametrize("enabled", [True, False])
def test_scoring_restores_the_garbage_collector_even_when_it_raises(enabled):
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        results = SCORER.score([RegionInput("r0", "甲县", {})])
        with pytest.raises(KeyError):
            SCORER.rescore(results, "nowhere", values={})
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()


def test_a_list_put_in_another_order_is_still_re_scored_like_a_full_score():
    inputs = [
        RegionInput(f"r{i}", f"县{i}", {"edu_gpb_spending": Decimal(v), "large_class_share": Decimal(v)})
        for i, v in enumerate([4, 1, 3, 2, 5])
    ]
    results = sorted(SCORER.score(inputs), key=lambda r: r.region, reverse=True)
    SCORER.rescore(results, "r2", values={"edu_gpb_spending": Decimal("1.5")})
    SCORER.rescore(results, "r0", values={"edu_gpb_spending": Decimal(6)})
    inputs[2] = RegionInput(
        "r2", "县2", {"edu_gpb_spending": Decimal("1.5"), "large_class_share": Decimal(3)}
    )
    inputs[0] = RegionInput("r0", "县0", {"edu_gpb_spending": Decimal(6), "large_class_share": Decimal(4)})
    assert [snapshot(r) for r in results] == full_score(sorted(inputs, key=lambda r: r.region, reverse=True))


def test_ties_keep_sharing_a_rank_when_a_value_is_removed_and_every_peer_is_re_ranked():
    spending = [5, 5, 3, 5, 1, 3]

    def region(i: int, v: int | None) -> RegionInput:
        values = {} if v is None else {"edu_gpb_spending": Decimal(v), "large_class_share": Decimal(v)}
        return RegionInput(f"r{i}", f"县{i}", values)

    inputs = [region(i, v) for i, v in enumerate(spending)]
    results = SCORER.score(inputs)
    SCORER.rescore(results, "r4", values={"edu_gpb_spending": None, "large_class_share": None})
    inputs[4] = region(4, None)
    assert [snapshot(r) for r in results] == full_score(inputs)
    assert [r.item("A.1").explanation.split("，")[1] for r in results[:3]] == [
        "在 5 个地区中排第 1 → 10/10",
        "在 5 个地区中排第 1 → 10/10",
        "在 5 个地区中排第 4 → 2/10",
    ]


FEATURES = """\
id: features
title: 测试方案（名额、舍入、扣分）
issuer: 测试
level: 县
year: 2023
document: null
total: 110
grades:
  - {code: A, name: 优秀, min: 60, quota: 30}
  - {code: B, name: 良好, min: 30, quota: 50}
  - {code: C, name: 合格, min: 0}
provenance: {status: official, sources: [{title: 测试}]}
rounding: {items: 1, total: 1}
deduction_cap: 4
caps:
  - {code: C1, name: 大班额过多, when: "large_class_share > 50", demote: 1}
deductions:
  - {code: K1, name: 经费扣分, points: 5, charge_to: A.3, rule: {kind: formula, score: "edu_gpb_spending / 7"}}
  - {code: K2, name: 大班额扣分, points: 5, rule: {kind: formula, score: "large_class_share / 3"}}
"""
with tempfile.TemporaryDirectory() as folder:
    path = Path(folder) / "features.yaml"
    path.write_text(FEATURES + textwrap.dedent(BODY).split("vetoes:")[0], encoding="utf-8")
    FEATURE_SCORER = compile_scheme(load_scheme(path, CATALOGUE))


@settings(max_examples=100, deadline=None)
@given(st.lists(region_values, min_size=1, max_size=8), st.lists(update, min_size=1, max_size=10))
def test_with_quotas_rounding_and_charged_deductions_a_change_still_equals_a_full_re_score(start, updates):
    inputs = [RegionInput(f"r{i}", f"县{i}", values) for i, values in enumerate(start)]
    results = FEATURE_SCORER.score(inputs)
    for which, code, new in updates:
        i = which % len(inputs)
        changed = dict(inputs[i].values)
        if new is None:
            changed.pop(code, None)
        else:
            changed[code] = new
        inputs[i] = RegionInput(inputs[i].region, inputs[i].name, changed)
        FEATURE_SCORER.rescore(results, inputs[i].region, values={code: new})
        full = FEATURE_SCORER.score(inputs)
        assert [snapshot(r) for r in results] == [snapshot(r) for r in full]
        assert [r.grade_explanation for r in results] == [r.grade_explanation for r in full]
