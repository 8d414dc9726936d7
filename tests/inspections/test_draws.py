"""The office draws regions to inspect by risk and chance; the draw is stored, audited and re-runnable."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lvzhi.accounts.scoping import Forbidden, NotFound, get_inspection_draw_for, inspection_draws_for
from lvzhi.audit.models import AuditRecord
from lvzhi.evaluations.errors import ValidationFailed
from lvzhi.inspections.actions import do_draw, rerun, risk_list
from lvzhi.inspections.models import Draw


def test_the_risk_list_names_the_region_that_over_scored_with_its_reason(cast, over_scored):
    risks = risk_list(cast.round)
    assert risks[0].name == "甲市一县"
    (reason,) = [x for x in risks[0].reasons if x.code == "credibility"]
    assert "2024年自评高于评审/核查 1/" in reason.text
    assert {r.name for r in risks} == {"甲市一县", "甲市二县", "乙市一县"}
    assert {r.stratum for r in risks} == {"甲市", "乙市"}


def test_the_office_draws_two_counties_and_anyone_can_rerun_the_stored_draw(cast, over_scored):
    draw = do_draw(acting_user=cast.prov_office, round=cast.round, n=2, seed=20241203)
    stored = Draw.objects.get(pk=draw.pk)
    assert len(stored.drawn) == 2 and len(set(stored.drawn)) == 2
    again = rerun(stored)
    assert list(again.drawn) == stored.drawn and again.seed == 20241203
    assert [list(q) for q in again.quotas] == stored.quotas
    # The stored inputs carry the risk and its reasons, as they were when drawn.
    jia1 = next(c for c in stored.candidates if c["name"] == "甲市一县")
    assert Decimal(jia1["risk"]) > 0 and jia1["reasons"][0]["code"] == "credibility"
    rec = AuditRecord.objects.get(action="inspection.draw")
    assert "20241203" in str(rec.after) and rec.actor == cast.prov_office


def test_a_draw_without_a_seed_gets_a_random_one_that_is_stored(cast):
    draw = do_draw(acting_user=cast.prov_office, round=cast.round, n=1)
    assert rerun(draw).drawn == tuple(draw.drawn)


def test_drawing_more_regions_than_the_round_has_is_refused_and_nothing_is_written(cast):
    with pytest.raises(ValidationFailed) as caught:
        do_draw(acting_user=cast.prov_office, round=cast.round, n=4, seed=1)
    assert "抽取数量应在 1 到 3 之间" in str(caught.value.issues[0].message)
    assert not Draw.objects.exists() and not AuditRecord.objects.filter(action="inspection.draw").exists()


def test_only_the_office_managing_the_round_may_draw(cast):
    with pytest.raises(Forbidden):
        do_draw(acting_user=cast.jia_office, round=cast.round, n=1, seed=1)
    with pytest.raises((NotFound, Forbidden)):
        do_draw(acting_user=cast.users["jia1_filler"], round=cast.round, n=1, seed=1)
    assert not Draw.objects.exists()


def test_draws_are_visible_as_far_as_their_round_is(cast):
    draw = do_draw(acting_user=cast.prov_office, round=cast.round, n=1, seed=5)
    assert list(inspection_draws_for(cast.jia_office)) == [draw]
    assert get_inspection_draw_for(cast.prov_office, draw.pk) == draw
    outsider = cast.users["admin"].__class__.objects.create(username="nobody")
    with pytest.raises(NotFound):
        get_inspection_draw_for(outsider, draw.pk)


def test_an_overdue_problem_and_the_reader_findings_raise_the_regions_risk(cast, flagged_finding):
    from datetime import date

    from lvzhi.jobs.models import Job, ReportReading
    from lvzhi.rectification.models import Problem

    # The problem's deadline has passed (as if the calendar had moved on) and it is still open.
    Problem.objects.filter(pk=flagged_finding.problem_id).update(deadline=date(2024, 1, 1))
    job = Job.objects.create(kind="read_reports", title="报告阅读", owner=cast.prov_office)
    ReportReading.objects.create(
        job=job,
        evaluation=cast.jia1,
        file_name="自评报告.docx",
        findings=[{"kind": "placeholder", "severity": "warning", "message": "报告中留有未填写的占位符“XX”"}],
    )
    risk = next(r for r in risk_list(cast.round) if r.name == "甲市一县")
    codes = {x.code: x for x in risk.reasons}
    assert "逾期未销号" in codes["overdue"].text and "2024年，时限 2024-01-01" in codes["overdue"].text
    assert "占位符“XX”" in codes["findings"].text


def test_a_figure_sitting_exactly_on_the_schemes_threshold_is_a_reason(cast):
    from lvzhi.evaluations.actions import do_save_value

    cast.advance(cast.jia1, "填报中")
    # small-county.yaml scores 公办园在园幼儿占比 ≥ 50: exactly 50 just passes.
    do_save_value(
        acting_user=cast.jia1_filler,
        evaluation=cast.jia1,
        item_code="kg_public_share",
        value="50",
        expected_version=None,
    )
    risk = next(r for r in risk_list(cast.round) if r.name == "甲市一县")
    (reason,) = [x for x in risk.reasons if x.code == "on_threshold"]
    assert reason.text == "公办园在园幼儿占比 = 50 恰好等于计分临界值"


def test_each_draw_stores_every_regions_probability_of_being_drawn_and_a_rerun_reproduces_it(
    cast, over_scored
):
    from lvzhi.inspections.actions import inclusion_matches, rerun_inclusion

    draw = do_draw(acting_user=cast.prov_office, round=cast.round, n=2, seed=11)
    chances = {code: Decimal(p) for code, p in draw.inclusion["probabilities"].items()}
    assert set(chances) == {"990101", "990102", "990201"} and all(p > 0 for p in chances.values())
    assert abs(sum(chances.values()) - 2) <= Decimal("0.000002")
    assert draw.inclusion["method"] == "exact" and draw.inclusion["half_width"] == "0"
    # 甲市一县 over-scored: its weight (floor + risk) is the larger of 甲市's two, so is its chance.
    assert chances["990101"] > chances["990102"]
    assert inclusion_matches(draw, rerun_inclusion(Draw.objects.get(pk=draw.pk))) is True


def test_a_draw_keeps_the_settings_it_was_made_with_when_the_office_changes_them(cast, over_scored):
    from lvzhi.inspections.actions import do_set_settings, inclusion_matches, rerun_inclusion, settings_of

    before = do_draw(acting_user=cast.prov_office, round=cast.round, n=2, seed=11)
    do_set_settings(
        acting_user=cast.prov_office, round=cast.round, values={"floor": "1", "credibility_weight": "80"}
    )
    after = do_draw(acting_user=cast.prov_office, round=cast.round, n=2, seed=11)
    # The new draw uses today's settings: a lower floor and a heavier credibility weight.
    assert after.floor == 1 and settings_of(after).credibility_weight == 80
    assert after.inclusion["probabilities"]["990101"] > before.inclusion["probabilities"]["990101"]
    # The earlier draw is re-run with its own settings and still reproduces its result and chances.
    stored = Draw.objects.get(pk=before.pk)
    assert stored.floor == 10 and settings_of(stored).credibility_weight == 40
    assert list(rerun(stored).drawn) == stored.drawn
    assert inclusion_matches(stored, rerun_inclusion(stored)) is True


def test_the_office_sets_the_rounds_risk_settings_audited_and_the_risk_list_follows_them(cast, over_scored):
    from lvzhi.inspections.actions import do_set_settings, settings_for

    weight = next(x for x in risk_list(cast.round)[0].reasons if x.code == "credibility").points
    do_set_settings(acting_user=cast.prov_office, round=cast.round, values={"credibility_weight": "80"})
    doubled = next(x for x in risk_list(cast.round)[0].reasons if x.code == "credibility").points
    assert doubled == 2 * weight
    rec = AuditRecord.objects.get(action="inspection.settings")
    assert rec.before == {"自评可信度：全部偏高时计分": "40"} and rec.after == {
        "自评可信度：全部偏高时计分": "80"
    }
    assert settings_for(cast.round).credibility_weight == 80


def test_wrong_settings_are_refused_in_chinese_and_nothing_is_written(cast):
    from lvzhi.inspections.actions import do_set_settings, settings_for
    from lvzhi.inspections.models import SelectionSettings

    with pytest.raises(ValidationFailed) as caught:
        do_set_settings(
            acting_user=cast.prov_office,
            round=cast.round,
            values={"jump_percent": "25", "jumps_cap": "-1", "verified_tolerance": "百分之五"},
        )
    assert [i.message for i in caught.value.issues] == [
        "同比跳变：最多计分应不小于 0 且不大于 1000，收到“-1”",
        "核查数值默认允许偏差（%）应为数字，收到“百分之五”",
    ]
    assert not SelectionSettings.objects.exists()
    assert not AuditRecord.objects.filter(action="inspection.settings").exists()
    assert settings_for(cast.round).jump_percent == 30
    with pytest.raises(Forbidden):
        do_set_settings(acting_user=cast.jia_office, round=cast.round, values={"floor": "2"})
