"""An inspection plan per round; findings with photos and verified figures land in the rectification ledger;
the credibility table shows each region's self vs reviewer deviation and the figures over-stated on site."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from lvzhi.accounts.scoping import Forbidden, NotFound, inspection_visits_for
from lvzhi.audit.models import AuditRecord
from lvzhi.evaluations.errors import ValidationFailed
from lvzhi.evaluations.models import Evaluation
from lvzhi.evidence import storage
from lvzhi.inspections.actions import differs, do_create_plan, do_draw, do_record_finding
from lvzhi.inspections.models import Finding, Plan, Visit
from lvzhi.inspections.queries import checklist_for, credibility_table
from lvzhi.rectification.models import Problem, ProblemSource

PNG = b"\x89PNG\r\n\x1a\n" + bytes(32)
D = Decimal


def _plan(cast, **kw):
    draw = do_draw(acting_user=cast.prov_office, round=cast.round, n=2, seed=11)
    args = {
        "acting_user": cast.prov_office,
        "round": cast.round,
        "name": "2024年春季实地督导",
        "team": "张三、李四",
        "starts_on": date(2024, 5, 6),
        "ends_on": date(2024, 5, 10),
        "draw": draw,
    }
    return draw, do_create_plan(**{**args, **kw})


def _visit_to_jia1(cast):
    _, plan = _plan(cast, draw=None, regions=["990101"])
    return plan.visits.get()


def test_a_plan_takes_the_drawn_regions_and_any_chosen_one(cast):
    draw, plan = _plan(cast, regions=["990201"])
    codes = {v.evaluation.region.code: v.drawn for v in plan.visits.select_related("evaluation__region")}
    assert {c for c, drawn in codes.items() if drawn} == set(draw.drawn)
    assert "990201" in codes
    assert AuditRecord.objects.filter(action="inspection.plan").count() == 1


def test_a_plan_with_a_region_outside_the_round_or_reversed_dates_is_refused_whole(cast):
    with pytest.raises(ValidationFailed) as caught:
        _plan(cast, regions=["990100"], ends_on=date(2024, 5, 1))
    messages = " ".join(i.message for i in caught.value.issues)
    assert "没有这些区划：990100" in messages and "早于开始日期" in messages
    assert not Plan.objects.exists() and not Visit.objects.exists()


def test_the_checklist_of_a_visit_lists_every_leaf_and_puts_the_over_scored_one_first(cast, over_scored):
    lines = checklist_for(_visit_to_jia1(cast))
    assert lines[0].indicator == "1.1" and lines[0].flags[0].startswith("自评")
    assert any("调阅原始台账" in line.verify and "96" in line.verify for line in lines)


def test_a_verified_figure_beyond_the_tolerance_is_flagged_with_a_photo_and_becomes_a_problem(
    cast, flagged_finding
):
    finding = flagged_finding
    assert finding.reported_value == D(60) and finding.flagged
    (photo,) = finding.photos.all()
    assert photo.sha256 == storage.sha256(PNG) and storage.path_for(photo.sha256).is_file()
    problem = Problem.objects.get(pk=finding.problem_id)
    assert problem.source == ProblemSource.FIELD_INSPECTION and problem.evaluation_id == cast.jia1.pk
    assert "填报 60，核查 52" in problem.description
    assert AuditRecord.objects.filter(action="inspection.finding").count() == 1
    assert AuditRecord.objects.filter(action="problem.raise").count() == 1
    # The credibility table counts the over-stated figure for the region's year.
    rows = credibility_table(Evaluation.objects.filter(pk=cast.jia1.pk))
    assert (rows[0].name, rows[0].year, rows[0].overstated, rows[0].checked) == ("甲市一县", 2024, 1, 1)


def test_within_the_tolerance_nothing_is_flagged():
    assert not differs(D(60), D(58), D(5))
    assert differs(D(60), D(56), D(5))
    assert differs(D(0), D(1), D(50)) and not differs(D(0), D(0), D(0))


def test_a_refused_photo_or_a_problem_without_deadline_writes_nothing(cast):
    visit = _visit_to_jia1(cast)
    with pytest.raises(ValidationFailed) as caught:
        do_record_finding(
            acting_user=cast.prov_office,
            visit=visit,
            description="校舍有安全隐患",
            photos=[("现场.exe", b"MZ\x90\x00")],
            raise_problem=True,
            required_measure="立即整改",
        )
    fields = {i.code for i in caught.value.issues}
    assert fields == {"photos[1]", "deadline"}
    assert not Finding.objects.exists() and not Problem.objects.exists()


def test_only_the_office_of_the_round_records_findings_and_others_do_not_see_the_visit(cast):
    visit = _visit_to_jia1(cast)
    with pytest.raises(Forbidden):
        do_record_finding(acting_user=cast.jia_office, visit=visit, description="x")
    outsider = cast.users["admin"].__class__.objects.create(username="nobody")
    with pytest.raises(NotFound):
        do_record_finding(acting_user=outsider, visit=visit, description="x")
    assert list(inspection_visits_for(cast.jia_office)) == [visit]
    assert not Finding.objects.exists()


def test_the_credibility_table_gives_the_over_scoring_rate_per_region_and_year(cast, over_scored):
    (row,) = [r for r in credibility_table(Evaluation.objects.all()) if r.name == "甲市一县"]
    assert row.compared >= 1 and row.over == 1 and row.rate is not None and row.rate > 0
    assert row.mean_deviation is not None and row.mean_deviation > 0
