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
