"""Subtotals, bonus cap, deductions, vetoes, caps, demotions and grades, with hand-computed figures."""

from __future__ import annotations

from decimal import Decimal

import pytest
from scoring_support import FIXTURES, values

from lvzhi.schemes import load_scheme
from lvzhi.scoring import SCORED, UNSCORED, ManualScore, RegionInput, compile_scheme


@pytest.fixture(scope="module")
def scorer(catalogue):
    return compile_scheme(load_scheme(FIXTURES / "complete.yaml", catalogue))


def good_region(**override):
    """A region where every figure is known. Hand-computed leaf scores are in the comments."""
    current = {
        "kg_public_enrolment": 600,
        "kg_enrolment": 1000,  # 1.1 share 60 % ≥ 50 → 3
        "kg_gross_rate": 96,  # 1.2 no shortfall → 4; 1.3 ≥ 95 → 3
        "teacher_pay": 100000,
        "civil_pay": 90000,  # 2.1 → 4
        "edu_gpb_spending": 110,  # 2.2 ≥ last year → 2; 2.3 rank 1 alone → 4
        "large_class_share": "2.4",  # 2.4 4 − round(2.4)=2 → 2; 2.5 4 − 1.2 → 2.8
        "national_awards": 0,
        "major_accidents": 0,
        "falsified": 0,
        "serious_violations": 0,
    }
    current.update(override)
    manual = {"1.4": ManualScore(level="良", justification="会议4次", evidence=("纪要",))}  # 1.4 → 1.6
    return RegionInput("r1", "甲县", values(**current), values(edu_gpb_spending=100), manual)


# 3 + 4 + 3 + 1.6 = 11.6 ; 4 + 2 + 4 + 2 + 2.8 = 14.8 ; total 26.4 → B (≥ 24, < 27)
def test_subtotals_and_total_add_up_by_hand(scorer):
    r = scorer.score([good_region()])[0]
    assert r.item("1").score == Decimal("11.6") and r.item("1").status == SCORED
    assert r.item("2").score == Decimal("14.8")
    assert r.total == Decimal("26.4")
    assert (r.grade, r.grade_name, r.complete) == ("B", "良好", True)


def test_bonus_is_capped(scorer):
    # J1 formula = 3 awards, clipped to its 2 points; bonus_cap 2 → total 28.4 → A
    r = scorer.score([good_region(national_awards=3)])[0]
    assert r.item("J1").score == 2 and r.bonus == 2
    assert r.total == Decimal("28.4") and r.grade == "A"


def test_deductions_are_subtracted_up_to_their_points(scorer):
    r = scorer.score([good_region(major_accidents=1)])[0]  # 1 × 2 = 2 deducted
    assert r.deductions == 2 and r.total == Decimal("24.4") and r.grade == "B"
    r = scorer.score([good_region(major_accidents=4)])[0]  # 4 × 2 = 8, capped at the item's 5
    assert r.deductions == 5 and r.total == Decimal("21.4") and r.grade == "C"


def test_veto_gives_the_lowest_grade_whatever_the_points(scorer):
    r = scorer.score([good_region(national_awards=3, falsified=1)])[0]
    assert r.total == Decimal("28.4") and r.grade == "D"
    veto = r.conditions[0]
    assert (veto.code, veto.kind, veto.triggered) == ("V1", "veto", True)
    assert veto.explanation == "弄虚作假：弄虚作假 = 是 → 一票否决，评为最低等次"


def test_cap_holds_an_a_down_to_b(scorer):
    # A region at 28.4 (grade A) whose spending fell: only the cap decides, so 2.2 is relaxed via the 'any'
    r = scorer.score([good_region(national_awards=3, edu_gpb_spending=99)])[0]
    # 2.2 any(): spending fell but awards > 0 → still 2; total 28.4 would be A, the cap C1 says at most B
    assert r.item("2.2").score == 2 and r.total == Decimal("28.4")
    assert r.grade == "B"
    assert [c.code for c in r.conditions if c.triggered] == ["C1"]


def test_demotion_lowers_by_one_grade(scorer):
    r = scorer.score([good_region(serious_violations=1)])[0]
    assert r.total == Decimal("26.4") and r.grade == "C"  # B demoted by one


def test_demotion_from_the_lowest_grade_stays_lowest(scorer):
    r = scorer.score(
        [good_region(serious_violations=2, major_accidents=4, kg_gross_rate=70, kg_public_enrolment=1)]
    )[0]
    assert r.grade == "D"


def test_missing_data_leaves_the_grade_open_and_counts_nothing_silently(scorer):
    region = good_region()
    values_without = {k: v for k, v in region.values.items() if k != "kg_gross_rate"}
    r = scorer.score([RegionInput("r1", "甲县", values_without, region.previous, region.manual)])[0]
    assert r.item("1.2").status == UNSCORED and r.item("1.3").status == UNSCORED
    assert r.item("1").status == UNSCORED
    assert "2 项未评分" in r.item("1").explanation
    assert r.total == Decimal("19.4")  # 26.4 − 4 − 3: what is known so far
    assert r.grade is None and not r.complete


def test_a_condition_that_cannot_be_judged_leaves_the_grade_open(scorer):
    region = good_region()
    vals = {k: v for k, v in region.values.items() if k != "serious_violations"}
    r = scorer.score([RegionInput("r1", "甲县", vals, region.previous, region.manual)])[0]
    c2 = next(c for c in r.conditions if c.code == "C2")
    assert c2.triggered is None and "无法判断" in c2.explanation
    assert r.grade is None


def test_a_triggered_veto_decides_even_when_items_are_open(scorer):
    region = good_region(falsified=1)
    vals = {k: v for k, v in region.values.items() if k != "kg_gross_rate"}
    r = scorer.score([RegionInput("r1", "甲县", vals, region.previous, region.manual)])[0]
    assert r.grade == "D"
