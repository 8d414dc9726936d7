"""Every rule kind scored with hand-computed expected scores and explanations."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from lvzhi.schemes import SchemeError
from lvzhi.scoring import MANUAL_PENDING, SCORED, UNSCORED, ManualScore

THRESHOLD = '{kind: threshold, expr: kg_public_share, op: ">=", target: 50}'


def test_threshold_met_scores_full_points_and_explains_with_name_and_unit(score_leaf):
    item = score_leaf(THRESHOLD, 3, {"kg_public_enrolment": 600, "kg_enrolment": 1000})
    assert item.score == 3 and item.status == SCORED
    assert item.explanation == "公办园在园幼儿占比 60% ≥ 50% → 3/3"


def test_threshold_missed_scores_zero_with_the_failing_comparison(score_leaf):
    # 3966 / 10000 = 39.66 %, the 昭通 figure
    item = score_leaf(THRESHOLD, 3, {"kg_public_enrolment": 3966, "kg_enrolment": 10000})
    assert item.score == 0
    assert item.explanation == "公办园在园幼儿占比 39.66% < 50% → 0/3"


def test_threshold_else_fraction_gives_partial_points(score_leaf):
    item = score_leaf(
        '{kind: threshold, expr: kg_gross_rate, op: ">=", target: 85, else: 0.5}', 4, {"kg_gross_rate": 80}
    )
    assert item.score == 2


def test_threshold_against_last_year_says_last_year(score_leaf):
    rule = '{kind: threshold, expr: edu_gpb_spending, op: ">=", target: "prev(edu_gpb_spending)"}'
    item = score_leaf(rule, 1, {"edu_gpb_spending": 168824}, {"edu_gpb_spending": "167500.74"})
    assert item.explanation == "一般公共预算教育经费 168824万元 ≥ 上年 167500.74万元 → 1/1"
    assert [(i.code, i.value, i.previous) for i in item.inputs] == [
        ("edu_gpb_spending", Decimal(168824), False),
        ("edu_gpb_spending", Decimal("167500.74"), True),
    ]


def test_threshold_without_last_year_is_unscored_naming_the_missing_figure(score_leaf):
    rule = '{kind: threshold, expr: edu_gpb_spending, op: ">=", target: "prev(edu_gpb_spending)"}'
    item = score_leaf(rule, 1, {"edu_gpb_spending": 168824})
    assert item.status == UNSCORED and item.score is None
    assert item.explanation == "无法评分：缺少上年数据 一般公共预算教育经费"


def test_missing_value_is_unscored_not_zero(score_leaf):
    item = score_leaf(THRESHOLD, 3, {"kg_enrolment": 1000})
    assert item.status == UNSCORED and item.score is None
    assert "公办园在园幼儿占比 无法计算" in item.explanation
    assert "缺少数据 公办园在园幼儿数" in item.explanation
    assert "kg_" not in item.explanation  # names, never codes


def test_division_by_zero_is_unscored_with_the_reason(score_leaf):
    item = score_leaf(THRESHOLD, 3, {"kg_public_enrolment": 0, "kg_enrolment": 0})
    assert item.status == UNSCORED
    assert "除数为零" in item.explanation


def test_a_stated_share_wins_over_the_computed_one(score_leaf):
    item = score_leaf(
        THRESHOLD, 3, {"kg_public_share": "39.66", "kg_public_enrolment": 9, "kg_enrolment": 10}
    )
    assert item.score == 0


def test_linear_loses_per_unit_for_each_step_of_shortfall(score_leaf):
    rule = "{kind: linear, expr: kg_gross_rate, target: 85, direction: min, per_unit: 1, step: 2}"
    assert score_leaf(rule, 4, {"kg_gross_rate": 88}).score == 4
    item = score_leaf(rule, 4, {"kg_gross_rate": 80})  # short 5 → 4 − 1 × 5/2 = 1.5
    assert item.score == Decimal("1.5")
    assert item.explanation == "学前三年毛入园率 80%，目标 ≥85%，差 5 → 4 − 1 × 5/2 = 1.5/4"
    assert score_leaf(rule, 4, {"kg_gross_rate": 70}).score == 0  # floor at 0, never negative


def test_linear_with_a_maximum_counts_excess(score_leaf):
    rule = "{kind: linear, expr: large_class_share, target: 5, direction: max, per_unit: 0.5}"
    assert score_leaf(rule, 3, {"large_class_share": 9}).score == 1  # 3 − 0.5 × 4


def test_ladder_takes_the_first_band_reached(score_leaf):
    rule = "{kind: ladder, expr: kg_gross_rate, bands: [{min: 95, score: 3}, {min: 90, score: 2}, {min: 85, fraction: 0.5}]}"
    assert score_leaf(rule, 3, {"kg_gross_rate": 97}).score == 3
    assert score_leaf(rule, 3, {"kg_gross_rate": 90}).score == 2
    item = score_leaf(rule, 3, {"kg_gross_rate": 88})
    assert item.score == Decimal("1.5") and item.explanation == "学前三年毛入园率 88% ≥ 85% 档 → 1.5/3"
    low = score_leaf(rule, 3, {"kg_gross_rate": 70})
    assert low.score == 0 and low.explanation == "学前三年毛入园率 70% 低于最低档 85% → 0/3"


def test_all_needs_every_condition(score_leaf):
    rule = '{kind: all, conditions: ["teacher_pay >= civil_pay", "teacher_pay > 0"]}'
    assert score_leaf(rule, 4, {"teacher_pay": 9, "civil_pay": 8}).score == 4
    item = score_leaf(rule, 4, {"teacher_pay": 7, "civil_pay": 8})
    assert item.score == 0
    assert (
        item.explanation
        == "全部满足？教师平均工资收入 7元 < 公务员平均工资收入 8元 ✗；教师平均工资收入 7元 > 0元 ✓ → 0/4"
    )


def test_any_needs_one_condition(score_leaf):
    rule = '{kind: any, conditions: ["teacher_pay >= civil_pay", "national_awards > 0"]}'
    assert score_leaf(rule, 2, {"teacher_pay": 7, "civil_pay": 8, "national_awards": 1}).score == 2
    assert score_leaf(rule, 2, {"teacher_pay": 7, "civil_pay": 8, "national_awards": 0}).score == 0


def test_any_is_decided_by_one_true_condition_even_when_another_lacks_data(score_leaf):
    rule = '{kind: any, conditions: ["teacher_pay >= civil_pay", "national_awards > 0"]}'
    item = score_leaf(rule, 2, {"national_awards": 1})
    assert item.status == SCORED and item.score == 2
    assert item.explanation.startswith("任一满足？教师平均工资收入不低于公务员平均工资收入（缺少数据）?；")


def test_all_is_decided_by_one_false_condition_even_when_another_lacks_data(score_leaf):
    rule = '{kind: all, conditions: ["teacher_pay >= civil_pay", "national_awards > 0"]}'
    item = score_leaf(rule, 2, {"national_awards": 0})
    assert item.status == SCORED and item.score == 0


def test_undecided_any_or_all_is_unscored(score_leaf):
    any_rule = '{kind: any, conditions: ["teacher_pay >= civil_pay", "national_awards > 0"]}'
    all_rule = '{kind: all, conditions: ["teacher_pay >= civil_pay", "national_awards > 0"]}'
    assert score_leaf(any_rule, 2, {"national_awards": 0}).status == UNSCORED
    assert score_leaf(all_rule, 2, {"national_awards": 1}).status == UNSCORED


def test_per_item_deduction_in_the_tree_keeps_what_is_left(score_leaf):
    rule = "{kind: per_item_deduction, count: major_accidents, per_item: 1.5}"
    item = score_leaf(rule, 4, {"major_accidents": 2})
    assert item.score == 1 and item.explanation == "重大安全责任事故 2 项 × 1.5 = 扣 3 → 1/4"
    assert score_leaf(rule, 4, {"major_accidents": 5}).score == 0


def test_formula_rule_is_clipped_to_the_points(score_leaf):
    rule = '{kind: formula, score: "4 - large_class_share / 2"}'
    assert score_leaf(rule, 4, {"large_class_share": "2.4"}).score == Decimal("2.8")
    item = score_leaf(rule, 4, {"large_class_share": 12})
    assert item.score == 0 and "截取" in item.explanation


def test_manual_level_scores_its_fraction_of_the_points(score_leaf):
    rule = "{kind: manual}"
    item = score_leaf(rule, 5, manual={"L": ManualScore(level="良", justification="专题会议4次")})
    assert item.score == 4 and item.status == SCORED
    assert item.explanation == "人工评定 “良” (0.8 × 5) → 4/5：专题会议4次"


def test_manual_points_are_taken_as_given(score_leaf):
    item = score_leaf("{kind: manual}", 5, manual={"L": ManualScore(score=Decimal("3.5"), justification="x")})
    assert item.score == Decimal("3.5")


def test_manual_without_a_judgement_is_pending(score_leaf):
    item = score_leaf("{kind: manual}", 5)
    assert item.status == MANUAL_PENDING and item.score is None


def test_manual_without_justification_or_required_evidence_stays_pending(score_leaf):
    assert score_leaf("{kind: manual}", 5, manual={"L": ManualScore(level="优")}).status == MANUAL_PENDING
    rule = "{kind: manual, evidence: required}"
    pending = score_leaf(rule, 5, manual={"L": ManualScore(level="优", justification="好")})
    assert pending.status == MANUAL_PENDING and "佐证" in pending.explanation
    done = score_leaf(
        rule, 5, manual={"L": ManualScore(level="优", justification="好", evidence=("会议纪要.pdf",))}
    )
    assert done.score == 5


def test_manual_with_an_unknown_level_or_too_many_points_is_unscored(score_leaf):
    assert (
        score_leaf("{kind: manual}", 5, manual={"L": ManualScore(level="极好", justification="x")}).status
        == UNSCORED
    )
    assert (
        score_leaf("{kind: manual}", 5, manual={"L": ManualScore(score=Decimal(6), justification="x")}).status
        == UNSCORED
    )


def test_yes_no_items_are_explained_as_yes_or_no(score_leaf):
    item = score_leaf('{kind: threshold, expr: falsified, op: "==", target: 0}', 2, {"falsified": 1})
    assert item.score == 0 and item.explanation == "弄虚作假 是 ≠ 否 → 0/2"


@pytest.mark.parametrize(
    ("op", "value", "score", "shown"),
    [
        (">", 50, 0, "≤"),
        (">", 51, 2, ">"),
        ("<=", 51, 0, ">"),
        ("<", 49, 2, "<"),
        ("<", 50, 0, "≥"),
        ("!=", 50, 0, "="),
        ("==", 50, 2, "="),
    ],
)
def test_threshold_with_every_operator_explains_the_comparison_that_holds(
    score_leaf, op, value, score, shown
):
    item = score_leaf(
        f'{{kind: threshold, expr: kg_gross_rate, op: "{op}", target: 50}}', 2, {"kg_gross_rate": value}
    )
    assert item.score == score
    assert item.explanation == f"学前三年毛入园率 {value}% {shown} 50% → {score}/2"


def test_a_target_that_reads_no_data_and_cannot_be_computed_is_refused_with_its_place(make_scheme):
    body = """
indicators:
  - {code: L, name: 叶, points: 100, rule: {kind: threshold, expr: kg_gross_rate, op: ">=", target: "3 / (10 - 10)"}}
"""
    with pytest.raises(SchemeError) as exc:
        make_scheme(body)
    (problem,) = exc.value.problems
    lines = Path(problem.file).read_text(encoding="utf-8").splitlines()
    assert "3 / (10 - 10)" in lines[problem.line - 1]
    assert "3 / (10 - 10)" in problem.zh and "除数为零" in problem.zh
    assert "target" in problem.zh


def test_a_division_by_a_zero_from_data_leaves_the_item_unscored_naming_the_formula(score_leaf):
    item = score_leaf(
        '{kind: threshold, expr: kg_gross_rate, op: ">=", target: "100 / national_awards"}',
        2,
        {"kg_gross_rate": 90, "national_awards": 0},
    )
    assert item.status == "unscored"
    assert item.explanation == "无法评分：除数为零（计算“100 ÷ 国家级表彰”时）"
