"""What inspectors verify on site is a score layer (实地核查): a verified figure re-scores the leaves reading it,
an inspector's verified score counts for its leaf, and a scheme's credibility rule against that layer moves
the total — the credibility table comparing exactly the scores the rule compared."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from lvzhi.audit.models import AuditRecord
from lvzhi.evaluations import actions as ea
from lvzhi.evaluations import rescoring
from lvzhi.evaluations.errors import ValidationFailed
from lvzhi.evaluations.models import Evaluation, ItemScore
from lvzhi.inspections.actions import do_create_plan, do_record_finding
from lvzhi.inspections.models import Finding
from lvzhi.inspections.queries import credibility_table
from lvzhi.scoring import over_scoring

D = Decimal


@pytest.fixture
def inspected(cast: Any) -> Any:
    """甲市一县 filling in a round of tests/platform/schemes/verified-county.yaml: 公办园在园幼儿占比 60 % (2.1
    full marks), 普惠性幼儿园覆盖率 85 %, 党政重视教育 self-rated 优; and a visit of 甲市督导办's plan to it.
    Returns (evaluation, visit)."""
    rnd = cast.open_test_round("verified-county.yaml", "2024年实地核查测试")
    ev = rnd.evaluations.get(region=cast.regions["甲市一县"])
    ea.do_start_filling(acting_user=cast.jia1_filler, evaluation=ev)
    for item, value in (("kg_public_share", "60"), ("kg_inclusive_coverage", "85")):
        ea.do_save_value(
            acting_user=cast.jia1_filler, evaluation=ev, item_code=item, value=value, expected_version=None
        )
    ea.do_set_self_score(
        acting_user=cast.jia1_filler,
        evaluation=ev,
        indicator_code="1.1",
        level="优",
        justification="县委常委会每季度专题研究教育工作。",
        expected_version=None,
    )
    plan = do_create_plan(
        acting_user=cast.jia_office,
        round=rnd,
        name="春季实地核查",
        starts_on=date(2024, 5, 6),
        ends_on=date(2024, 5, 8),
        regions=["990101"],
    )
    return Evaluation.objects.get(pk=ev.pk), plan.visits.get()


def _scores(ev: Any) -> dict[str, Any]:
    return {s.indicator_code: s for s in ItemScore.objects.filter(evaluation=ev)}


def test_before_any_inspection_the_credibility_item_waits_and_the_leaves_keep_their_rules_scores(inspected):
    ev, _ = inspected
    scores = _scores(ev)
    assert (scores["1.1"].final_score, scores["2.1"].final_score, scores["2.2"].final_score) == (
        D(5),
        D(5),
        D(5),
    )
    assert (
        scores["K1"].final_score is None
        and "没有同时有自评和实地核查/专家评审得分" in scores["K1"].explanation
    )


def test_a_figure_overstated_on_site_lowers_the_verified_score_and_triggers_the_credibility_deduction(
    cast, inspected
):
    ev, visit = inspected
    finding = do_record_finding(
        acting_user=cast.jia_office,
        visit=visit,
        description="公办园在园幼儿数与花名册不符",
        indicator_code="2.1",
        item_code="kg_public_share",
        verified_value=D(45),
        tolerance=D(5),
    )
    assert finding.flagged
    ev.refresh_from_db()
    scores = _scores(ev)
    # 2.1 by its rule with the verified 45 % scores 0; the region's own 60 % gave it 5: its self-assessment.
    assert scores["2.1"].final_score == D(0)
    assert scores["2.1"].explanation.startswith("实地核查 0、自评 5 → 取实地核查 0/5")
    assert scores["K1"].final_score == D(2)
    assert scores["K1"].explanation == (
        "自评与实地核查/专家评审比对 1 项，自评高出 1 项（100%），平均偏差 5 分，超过 20% → 扣 2 分"
    )
    assert ev.total == D(8)  # 1.1 5 + 2.1 0 + 2.2 5 − 2
    # 2.2 reads no verified figure: not inspected, no verified score.
    (inp,) = rescoring.engine_inputs(ev.round, [ev])
    assert inp.layers["verified"] == {"2.1": D(0)}


def test_an_inspectors_verified_score_of_a_judged_leaf_counts_for_the_leaf(cast, inspected):
    ev, visit = inspected
    do_record_finding(
        acting_user=cast.jia_office,
        visit=visit,
        description="会议纪要仅两次",
        indicator_code="1.1",
        verified_score="3",
    )
    ev.refresh_from_db()
    scores = _scores(ev)
    assert scores["1.1"].final_score == D(3) and scores["1.1"].explanation.startswith("实地核查 3、自评 5")
    assert "比对 1 项，自评高出 1 项（100%），平均偏差 2 分" in scores["K1"].explanation
    assert ev.total == D(3 + 5 + 5 - 2)
    assert AuditRecord.objects.get(action="inspection.finding").after["verified_score"] == "3"


def test_a_verified_score_outside_the_leafs_points_is_refused_in_chinese_and_nothing_is_written(
    cast, inspected
):
    ev, visit = inspected
    before = {code: (s.final_score, s.explanation) for code, s in _scores(ev).items()}
    with pytest.raises(ValidationFailed) as caught:
        do_record_finding(
            acting_user=cast.jia_office,
            visit=visit,
            description="会议纪要齐全",
            indicator_code="1.1",
            verified_score="7",
        )
    (issue,) = caught.value.issues
    assert issue.message == "“党政重视教育的核查得分”不能大于 5 分，填写的是 7"
    with pytest.raises(ValidationFailed) as caught:
        do_record_finding(acting_user=cast.jia_office, visit=visit, description="x", verified_score="3")
    assert caught.value.issues[0].message == "填写了核查得分，请选择对应的指标"
    assert (
        not Finding.objects.exists() and not AuditRecord.objects.filter(action="inspection.finding").exists()
    )
    assert {code: (s.final_score, s.explanation) for code, s in _scores(ev).items()} == before


def test_the_credibility_table_gives_the_numbers_the_scoring_deducted_for(cast, inspected):
    ev, visit = inspected
    for code, item, figure, score in (("2.1", "kg_public_share", D(45), None), ("1.1", "", None, "5")):
        do_record_finding(
            acting_user=cast.jia_office,
            visit=visit,
            description="核查",
            indicator_code=code,
            item_code=item,
            verified_value=figure,
            verified_score=score,
            tolerance=D(5),
        )
    ev.refresh_from_db()
    (inp,) = rescoring.engine_inputs(ev.round, [ev])
    scored = over_scoring(inp.layers, "self", ("verified", "expert"))
    (row,) = credibility_table(Evaluation.objects.filter(pk=ev.pk))
    assert (row.compared, row.over, row.rate, row.mean_deviation) == (
        scored.compared,
        scored.over,
        scored.rate,
        scored.mean_deviation,
    )
    assert (row.compared, row.over, row.rate, row.mean_deviation) == (2, 1, D(50), D("2.5"))
    assert (row.checked, row.overstated) == (1, 1)
    assert "比对 2 项，自评高出 1 项（50%），平均偏差 2.5 分" in _scores(ev)["K1"].explanation


def test_the_visit_page_records_a_verified_score_and_refuses_one_above_the_points(cast, inspected):
    from django.test import Client

    ev, visit = inspected
    office = Client()
    office.force_login(cast.jia_office)
    url = f"/inspection/visits/{visit.pk}/"
    page = office.post(
        url, {"description": "会议纪要齐全", "indicator": "1.1", "verified_score": "6"}, follow=True
    ).content.decode()
    assert "未能记录：“党政重视教育的核查得分”不能大于 5 分，填写的是 6" in page
    assert not Finding.objects.exists()
    page = office.post(
        url, {"description": "会议纪要仅两次", "indicator": "1.1", "verified_score": "4"}, follow=True
    ).content.decode()
    assert "核查得分" in page and Finding.objects.get().verified_score == D(4)
    ev.refresh_from_db()
    assert _scores(ev)["1.1"].final_score == D(4)


def test_correcting_a_findings_verified_figure_re_scores_and_lifts_the_deduction(cast, inspected):
    from lvzhi.inspections.actions import do_correct_finding

    ev, visit = inspected
    finding = do_record_finding(
        acting_user=cast.jia_office,
        visit=visit,
        description="公办园在园幼儿数与花名册不符",
        indicator_code="2.1",
        item_code="kg_public_share",
        verified_value=D(45),
        tolerance=D(5),
    )
    corrected = do_correct_finding(acting_user=cast.jia_office, finding=finding, verified_value=D(58))
    assert not corrected.flagged and corrected.tolerance == D(5)
    ev.refresh_from_db()
    scores = _scores(ev)
    assert scores["2.1"].final_score == D(5) and scores["K1"].final_score == D(0)
    assert "自评高出 0 项（0%）" in scores["K1"].explanation and ev.total == D(15)
    audit = AuditRecord.objects.get(action="inspection.finding.correct")
    assert (audit.before["verified"], audit.after["verified"]) == ("45", "58")
    with pytest.raises(ValidationFailed):
        do_correct_finding(
            acting_user=cast.jia_office, finding=finding, verified_value=D(58), verified_score="9"
        )
    assert Finding.objects.get().verified_score is None


def test_the_office_corrects_a_verified_score_on_the_visit_page_and_a_filler_cannot(cast, inspected):
    from django.test import Client

    ev, visit = inspected
    finding = do_record_finding(
        acting_user=cast.jia_office,
        visit=visit,
        description="会议纪要仅两次",
        indicator_code="1.1",
        verified_score="3",
    )
    filler = Client()
    filler.force_login(cast.jia1_filler)
    url = f"/inspection/findings/{finding.pk}/correct/"
    filler.post(url, {"verified_score": "5"})
    assert Finding.objects.get().verified_score == D(3)
    office = Client()
    office.force_login(cast.jia_office)
    page = office.post(url, {"verified_score": "8"}, follow=True).content.decode()
    assert "未能更正：“党政重视教育的核查得分”不能大于 5 分，填写的是 8" in page
    page = office.post(url, {"verified_score": "5"}, follow=True).content.decode()
    assert "评分已按核查结果重新计算" in page and "更正核查" in page
    ev.refresh_from_db()
    assert _scores(ev)["1.1"].final_score == D(5) and _scores(ev)["K1"].final_score == D(0)


def test_the_credibility_table_shows_the_trend_of_the_over_scoring_rate_over_the_years(cast, inspected):
    ev, visit = inspected
    do_record_finding(
        acting_user=cast.jia_office,
        visit=visit,
        description="公办园在园幼儿数与花名册不符",
        indicator_code="2.1",
        item_code="kg_public_share",
        verified_value=D(45),
    )
    # The next year the region reports what the inspectors find (60 % verified as 60 %).
    later = ea.do_open_round(
        acting_user=cast.jia_office,
        scheme_version=ev.round.scheme_version,
        year=2025,
        name="2025年实地核查测试",
        owner_region=cast.regions["甲市"],
        regions=[cast.regions["甲市一县"]],
    )
    ev25 = later.evaluations.get()
    ea.do_start_filling(acting_user=cast.jia1_filler, evaluation=ev25)
    ea.do_save_value(
        acting_user=cast.jia1_filler,
        evaluation=ev25,
        item_code="kg_public_share",
        value="60",
        expected_version=None,
    )
    plan = do_create_plan(
        acting_user=cast.jia_office,
        round=later,
        name="2025年实地核查",
        starts_on=date(2025, 5, 6),
        ends_on=date(2025, 5, 8),
        regions=["990101"],
    )
    do_record_finding(
        acting_user=cast.jia_office,
        visit=plan.visits.get(),
        description="与花名册一致",
        indicator_code="2.1",
        item_code="kg_public_share",
        verified_value=D(60),
    )
    rows = credibility_table(
        Evaluation.objects.filter(region=cast.regions["甲市一县"], round__in=[ev.round, later])
    )
    assert [(r.year, r.rate, r.overstated, r.trend) for r in rows] == [
        (2025, D(0), 0, "↓"),
        (2024, D(100), 1, ""),
    ]
