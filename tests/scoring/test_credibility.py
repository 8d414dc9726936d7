"""Self-scoring credibility: a rule kind reading the score layers, and the comparison as plain data."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lvzhi.schemes import SchemeError
from lvzhi.schemes.rule_text import rule_text
from lvzhi.scoring import RegionInput, compile_scheme
from lvzhi.scoring.rule_scoring import over_scoring

LAYERS = """
score_layers:
  layers: [{code: verified, name: 实地核查}, {code: expert, name: 专家评审}, {code: self, name: 自评}]
"""
TREE = """
indicators:
  - {code: "1", name: 甲, points: 40, rule: {kind: manual}}
  - {code: "2", name: 乙, points: 40, rule: {kind: manual}}
  - {code: "3", name: 自评可信, points: 20, rule: {kind: credibility, layer: self, against: [verified, expert], tolerance: 1, above: 30}}
"""


def D(v: object) -> Decimal:
    return Decimal(str(v))


def test_the_comparison_takes_the_most_trusted_reference_per_leaf_and_a_tolerance():
    layers = {
        "self": {"1": D(10), "2": D(8), "3": D(5)},
        "expert": {"1": D(9), "2": D(6)},
        "verified": {"1": D(7)},
    }
    o = over_scoring(layers, "self", ("verified", "expert"), D(1))
    # 1: 10 vs verified 7 (over); 2: 8 vs expert 6 (over); 3: no reference
    assert (o.compared, o.over, o.rate, o.mean_deviation) == (2, 2, D(100), D("2.5"))
    assert over_scoring(layers, "self", ("verified",), D(3)).over == 0
    assert over_scoring({}, "self", ("verified",)).rate is None


def test_a_credibility_leaf_in_the_tree_scores_when_the_self_assessment_is_credible(make_scheme):
    scorer = compile_scheme(make_scheme(LAYERS + TREE))
    honest = {"self": {"1": D(40), "2": D(30)}, "verified": {"1": D(39)}, "expert": {"2": D(30)}}
    inflated = {"self": {"1": D(40), "2": D(30)}, "verified": {"1": D(30)}, "expert": {"2": D(30)}}
    a, b = scorer.score([RegionInput("a", layers=honest), RegionInput("b", layers=inflated)])
    assert a.item("3").score == D(20) and a.total == D(39 + 30 + 20)
    assert b.item("3").score == D(0) and b.total == D(30 + 30)
    assert "自评与实地核查/专家评审比对 2 项，自评高出 1 项（50%）" in b.item("3").explanation


def test_changing_a_layer_by_rescore_reaches_the_credibility_item(make_scheme):
    scorer = compile_scheme(make_scheme(LAYERS + TREE))
    results = scorer.score([RegionInput("a", layers={"self": {"1": D(40)}, "verified": {"1": D(39)}})])
    assert results[0].item("3").score == D(20)
    scorer.rescore(results, "a", layers={"self": {"1": D(40)}, "verified": {"1": D(30)}})
    assert results[0].item("3").score == D(0)


def test_a_credibility_rule_without_score_layers_or_with_an_unknown_layer_is_refused(make_scheme):
    with pytest.raises(SchemeError) as exc:
        make_scheme(TREE)
    assert any("score_layers" in p.zh for p in exc.value.problems)
    with pytest.raises(SchemeError) as exc:
        make_scheme(LAYERS + TREE.replace("against: [verified, expert]", "against: [verified, inspector]"))
    assert any("“inspector” 不是 score_layers 中的评分层" in p.zh for p in exc.value.problems)


def test_the_rule_reads_as_a_sentence(make_scheme):
    scheme = make_scheme(LAYERS + TREE)
    assert rule_text(scheme, scheme.indicators[2]) == (
        "自评得分比实地核查或专家评审得分高出 1 分以上的指标，占双方均已评分指标的比例超过 30%的，不得分；否则得 20 分。"
    )
