"""Problems and their rectification: every allowed and refused step, role × scope, overdue, carry-over, audit."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta

import pytest
from django.http import Http404

from lvzhi.accounts.scoping import Forbidden
from lvzhi.audit.models import AuditRecord
from lvzhi.audit.services import verify_chain
from lvzhi.evaluations.actions import do_open_round
from lvzhi.evaluations.errors import ActionError, TransitionError, ValidationFailed
from lvzhi.evaluations.models import Evaluation
from lvzhi.evidence.models import StoredFile
from lvzhi.rectification import actions, queries, writer_input
from lvzhi.rectification.models import (
    OVERDUE,
    EvidenceFile,
    Measure,
    Problem,
    ProblemEvent,
    ProblemState,
    ProgressUpdate,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


P = ProblemState
# A small real PDF (the evidence store checks the type by content, not by name).
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ACCEPTANCE = ("竣工验收报告.pdf", PDF)
DEADLINE = date.today() + timedelta(days=90)
REFUSED = (Forbidden, Http404)


def footprint() -> tuple[int, ...]:
    """Row counts of everything a rectification action may write."""
    return tuple(m.objects.count() for m in (Problem, Measure, ProgressUpdate, ProblemEvent, AuditRecord))


def raise_problem(cast, evaluation=None, user=None, **overrides):
    fields = {
        "source": "专家评审",
        "indicator_code": "2.1",
        "description": "公办园在园幼儿占比低于50%，未达到省定目标",
        "evidence_ref": "2024年教育事业统计年报第3表",
        "required_measure": "新建、改扩建公办幼儿园，提高公办园学位供给",
        "deadline": DEADLINE,
        "severity": "较重",
    }
    fields.update(overrides)
    return actions.do_raise_problem(
        acting_user=user or cast.expert, evaluation=evaluation or cast.jia1, **fields
    )


def add_measure(cast, problem, user=None):
    filler = user or cast.filler_for(problem.evaluation)
    return actions.do_add_measure(
        acting_user=filler,
        problem=problem,
        text="2025年新建公办幼儿园2所，新增学位540个",
        responsible_unit="县教育局",
        owner="王某某",
        deadline=DEADLINE,
    )


def put_in_state(cast, problem, state):
    """Give the problem a plan and evidence, then set its state directly (the test is about the next step)."""
    add_measure(cast, problem)
    actions.do_report_progress(
        acting_user=cast.filler_for(problem.evaluation), problem=problem, text="已开工", files=[ACCEPTANCE]
    )
    Problem.objects.filter(pk=problem.pk).update(state=state)
    problem.refresh_from_db()
    return problem


# ---------------------------------------------------------------- the whole cycle


def test_the_full_cycle_runs_with_the_right_roles_and_records_every_step(cast):
    p = raise_problem(cast)
    assert p.state == P.OPEN and p.created_by == cast.expert
    add_measure(cast, p)
    assert p.state == P.IN_PROGRESS
    actions.do_report_progress(
        acting_user=cast.jia1_filler,
        problem=p,
        text="一所已开工",
        percent=40,
        files=[("施工许可证.pdf", PDF)],
    )
    actions.do_request_closure(acting_user=cast.jia1_filler, problem=p, summary="两所幼儿园均已竣工")
    assert p.state == P.CLOSURE_REQUESTED
    actions.do_refuse_closure(acting_user=cast.jia_office, problem=p, reason="缺少竣工验收报告")
    p.refresh_from_db()
    assert p.state == P.REFUSED and p.refusal_reason == "缺少竣工验收报告"
    actions.do_request_closure(
        acting_user=cast.jia1_filler, problem=p, summary="补充竣工验收报告", files=[ACCEPTANCE]
    )
    actions.do_verify_closure(acting_user=cast.prov_office, problem=p, comment="材料齐全，同意销号")
    p.refresh_from_db()
    assert p.state == P.CLOSED
    # Both files have the same content: stored once, named twice, one for progress, one for closure.
    files = list(EvidenceFile.objects.filter(problem=p).values_list("name", "purpose", "file__sha256"))
    assert files == [
        ("施工许可证.pdf", "进展", hashlib.sha256(PDF).hexdigest()),
        ("竣工验收报告.pdf", "销号", hashlib.sha256(PDF).hexdigest()),
    ]
    assert StoredFile.objects.count() == 1
    steps = list(ProblemEvent.objects.filter(problem=p).values_list("from_state", "to_state"))
    assert steps == [
        ("", P.OPEN),
        (P.OPEN, P.IN_PROGRESS),
        (P.IN_PROGRESS, P.CLOSURE_REQUESTED),
        (P.CLOSURE_REQUESTED, P.REFUSED),
        (P.REFUSED, P.CLOSURE_REQUESTED),
        (P.CLOSURE_REQUESTED, P.CLOSED),
    ]
    records = AuditRecord.objects.filter(action__startswith="problem.")
    assert [r.action for r in records] == [
        "problem.raise",
        "problem.add_measure",
        "problem.progress",
        "problem.request_closure",
        "problem.refuse_closure",
        "problem.request_closure",
        "problem.verify_closure",
    ]
    assert {r.region_code for r in records} == {"990101"}
    assert [r.actor for r in records][-2:] == [cast.jia1_filler, cast.prov_office]
    assert verify_chain() is None


# ---------------------------------------------------------------- transitions


ALL_STATES = list(P.values)
DISALLOWED = [(a, b) for a in ALL_STATES for b in ALL_STATES if (a, b) not in actions.TRANSITIONS]


@pytest.mark.parametrize(("frm", "to"), DISALLOWED, ids=[f"{a}->{b}" for a, b in DISALLOWED])
def test_a_step_not_in_the_workflow_is_refused_for_everyone_and_writes_nothing(cast, frm, to):
    p = put_in_state(cast, raise_problem(cast), frm)
    before = footprint()
    for user in (cast.admin, cast.prov_office, cast.jia_office, cast.jia1_filler, cast.expert):
        with pytest.raises((TransitionError, ValidationFailed, Forbidden)):
            actions.do_problem_transition(acting_user=user, problem=p, to_state=to, reason="原因")
        p.refresh_from_db()
        assert p.state == frm
        assert footprint() == before


# (from, to) → who may take the step, who may not (cast member names).
SUPERVISORS = ["admin", "prov_office", "jia_office"]
NOT_SUPERVISORS = ["jia1_filler", "jia2_filler", "expert", "viewer"]
RECTIFIERS = ["jia1_filler"]
NOT_RECTIFIERS = ["jia2_filler", "prov_office", "jia_office", "expert", "viewer", "admin"]
WHO = {
    (P.OPEN, P.IN_PROGRESS): (RECTIFIERS, NOT_RECTIFIERS),
    (P.REFUSED, P.IN_PROGRESS): (RECTIFIERS, NOT_RECTIFIERS),
    (P.IN_PROGRESS, P.CLOSURE_REQUESTED): (RECTIFIERS, NOT_RECTIFIERS),
    (P.REFUSED, P.CLOSURE_REQUESTED): (RECTIFIERS, NOT_RECTIFIERS),
    (P.CLOSURE_REQUESTED, P.CLOSED): (SUPERVISORS, NOT_SUPERVISORS),
    (P.CLOSURE_REQUESTED, P.REFUSED): (SUPERVISORS, NOT_SUPERVISORS),
}


def test_every_step_of_the_workflow_has_its_roles_listed():
    assert set(WHO) == set(actions.TRANSITIONS)


@pytest.mark.parametrize(("frm", "to"), list(WHO), ids=[f"{a}->{b}" for a, b in WHO])
def test_an_allowed_step_is_taken_only_by_its_roles_and_refusals_write_nothing(cast, frm, to):
    allowed, refused = WHO[(frm, to)]
    for name in allowed:
        p = put_in_state(cast, raise_problem(cast), frm)
        records = AuditRecord.objects.count()
        actions.do_problem_transition(acting_user=cast.users[name], problem=p, to_state=to, reason="理由")
        p.refresh_from_db()
        assert p.state == to, name
        assert AuditRecord.objects.count() == records + 1
        last = AuditRecord.objects.last()
        assert last.actor == cast.users[name] and last.after["state"] == to and last.before["state"] == frm
    p = put_in_state(cast, raise_problem(cast), frm)
    before = footprint()
    for name in refused:
        with pytest.raises(REFUSED):
            actions.do_problem_transition(acting_user=cast.users[name], problem=p, to_state=to, reason="理由")
        p.refresh_from_db()
        assert p.state == frm, name
        assert footprint() == before, name


def test_a_regions_own_office_cannot_sign_off_its_own_rectification(cast):
    from lvzhi.accounts.models import Role, RoleAssignment, User

    county_office = User.objects.create(username="jia1_office", full_name="甲市一县督导办")
    RoleAssignment.objects.create(user=county_office, role=Role.OFFICE, region=cast.regions["甲市一县"])
    p = put_in_state(cast, raise_problem(cast), P.CLOSURE_REQUESTED)
    before = footprint()
    with pytest.raises(Forbidden):
        actions.do_verify_closure(acting_user=county_office, problem=p)
    with pytest.raises(Forbidden):
        actions.do_carry_over(acting_user=county_office, evaluation=cast.jia1)
    assert footprint() == before
    assert p in queries.problems_for(county_office)  # it still reads them


def test_a_user_outside_the_region_is_told_the_problem_does_not_exist(cast):
    p = put_in_state(cast, raise_problem(cast), P.CLOSURE_REQUESTED)
    with pytest.raises(Http404):
        actions.do_verify_closure(acting_user=cast.jia2_filler, problem=p)
    # 乙市's problems are outside 甲市's office altogether.
    q = raise_problem(cast, evaluation=cast.yi1, user=cast.prov_office)
    with pytest.raises(Http404):
        queries.get_problem_for(cast.jia_office, q.pk)
    with pytest.raises(Http404):
        actions.do_refuse_closure(acting_user=cast.jia_office, problem=q, reason="不符合")


def test_closure_needs_a_plan_and_evidence_and_the_refusal_a_reason(cast):
    p = raise_problem(cast)
    actions.do_start_rectification(acting_user=cast.jia1_filler, problem=p)
    before = footprint()
    with pytest.raises(ValidationFailed) as err:
        actions.do_request_closure(acting_user=cast.jia1_filler, problem=p, summary="已整改")
    assert {i.code for i in err.value.issues} == {"measures", "files"}
    assert footprint() == before
    add_measure(cast, p)
    actions.do_request_closure(acting_user=cast.jia1_filler, problem=p, summary="已整改", files=[ACCEPTANCE])
    before = footprint()
    with pytest.raises(ValidationFailed):
        actions.do_refuse_closure(acting_user=cast.jia_office, problem=p, reason="  ")
    assert footprint() == before


def test_no_plan_or_progress_is_written_while_closure_awaits_verification_or_after_it(cast):
    p = put_in_state(cast, raise_problem(cast), P.CLOSURE_REQUESTED)
    for state in (P.CLOSURE_REQUESTED, P.CLOSED):
        Problem.objects.filter(pk=p.pk).update(state=state)
        before = footprint()
        with pytest.raises(TransitionError):
            add_measure(cast, p)
        with pytest.raises(TransitionError):
            actions.do_report_progress(acting_user=cast.jia1_filler, problem=p, text="继续推进")
        assert footprint() == before


def test_bad_progress_input_is_refused_with_every_issue_and_nothing_written(cast):
    p = raise_problem(cast)
    before = footprint()
    with pytest.raises(ValidationFailed) as err:
        actions.do_report_progress(
            acting_user=cast.jia1_filler,
            problem=p,
            text=" ",
            percent=120,
            files=[("照片.png", PDF), ("说明.txt", b"text")],
        )
    assert [i.code for i in err.value.issues] == ["text", "percent", "files[1]", "files[2]"]
    assert "扩展名是 .png" in str(err.value)
    assert footprint() == before
    assert Problem.objects.get(pk=p.pk).state == P.OPEN


# ---------------------------------------------------------------- raising problems: role × scope

# user → evaluation → "ok" | "forbidden" | "not found", for a problem from expert review.
RAISE = {
    "admin": {"甲市一县": "ok", "乙市一县": "ok"},
    "prov_office": {"甲市一县": "ok", "乙市一县": "ok"},
    "jia_office": {"甲市一县": "ok", "乙市一县": "not found"},
    "expert": {"甲市一县": "ok", "甲市二县": "not found"},
    "jia1_filler": {"甲市一县": "forbidden", "甲市二县": "not found"},
    "jia2_filler": {"甲市一县": "not found"},
    "viewer": {"甲市一县": "forbidden", "乙市一县": "not found"},
}
RAISE_CASES = [(u, r, o) for u, row in RAISE.items() for r, o in row.items()]


@pytest.mark.parametrize(
    ("user", "region", "outcome"), RAISE_CASES, ids=[f"{u}-{r}" for u, r, _ in RAISE_CASES]
)
def test_only_assigned_experts_and_supervising_offices_raise_problems(cast, user, region, outcome):
    before = footprint()
    evaluation = cast.evaluations[region]
    if outcome == "ok":
        p = raise_problem(cast, evaluation=evaluation, user=cast.users[user])
        assert p.evaluation == evaluation
        assert AuditRecord.objects.last().action == "problem.raise"
        return
    with pytest.raises(Http404 if outcome == "not found" else Forbidden):
        raise_problem(cast, evaluation=evaluation, user=cast.users[user])
    assert footprint() == before


def test_a_region_records_its_own_self_check_findings_but_no_others(cast):
    p = raise_problem(cast, user=cast.jia1_filler, source="自查", indicator_code="3.1")
    assert p.source == "自查"
    before = footprint()
    with pytest.raises(Http404):
        raise_problem(cast, evaluation=cast.jia2, user=cast.jia1_filler, source="自查")
    with pytest.raises(Forbidden):
        raise_problem(cast, user=cast.jia1_filler, source="满意度调查")
    assert footprint() == before


def test_a_problem_must_name_an_indicator_of_the_scheme_a_known_source_and_a_future_deadline(cast):
    before = footprint()
    with pytest.raises(ValidationFailed) as err:
        raise_problem(
            cast,
            indicator_code="9.9",
            source="群众举报",
            severity="特别",
            deadline=date(2020, 1, 1),
            description="",
        )
    assert {i.code for i in err.value.issues} == {
        "indicator_code",
        "source",
        "severity",
        "deadline",
        "description",
    }
    assert "9.9" in str(err.value)
    assert footprint() == before
    # Any level of the tree, the caps and a general problem (no indicator) are accepted.
    assert raise_problem(cast, indicator_code="2").indicator_code == "2"
    assert raise_problem(cast, indicator_code="C1").indicator_code == "C1"
    assert raise_problem(cast, indicator_code="").indicator_code == ""


def test_readers_see_the_problems_of_their_scope_only(cast):
    a = raise_problem(cast)
    b = raise_problem(cast, evaluation=cast.jia2, user=cast.jia_office)
    c = raise_problem(cast, evaluation=cast.yi1, user=cast.prov_office)

    def seen(name):
        return set(queries.problems_for(cast.users[name]).values_list("pk", flat=True))

    assert seen("prov_office") == seen("admin") == {a.pk, b.pk, c.pk}
    assert seen("jia_office") == seen("viewer") == {a.pk, b.pk}
    assert seen("jia1_filler") == seen("expert") == {a.pk}
    assert seen("jia2_filler") == {b.pk}


# ---------------------------------------------------------------- overdue


def test_a_problem_is_overdue_from_the_first_day_after_its_deadline_in_shanghai(cast):
    p = raise_problem(cast)
    # 16:00 UTC on the deadline day is 00:00 the next day in Asia/Shanghai.
    last_moment = datetime.combine(p.deadline, datetime.min.time(), tzinfo=UTC) + timedelta(
        hours=15, minutes=59
    )
    first_late = last_moment + timedelta(minutes=1)
    assert not queries.is_overdue(p, last_moment)
    assert queries.is_overdue(p, first_late)
    assert queries.display_state(p, first_late) == OVERDUE
    assert queries.display_state(p, last_moment) == P.OPEN
    assert list(queries.problem_list(cast.jia1_filler, state=OVERDUE, now=first_late)) == [p]
    assert list(queries.problem_list(cast.jia1_filler, state=OVERDUE, now=last_moment)) == []
    assert list(queries.problem_list(cast.jia1_filler, state=P.OPEN, now=first_late)) == []


@pytest.mark.parametrize(
    ("state", "overdue"),
    [
        (P.OPEN, True),
        (P.IN_PROGRESS, True),
        (P.REFUSED, True),
        (P.CLOSURE_REQUESTED, False),
        (P.CLOSED, False),
    ],
)
def test_only_problems_the_region_still_owes_work_on_become_overdue(cast, state, overdue):
    p = put_in_state(cast, raise_problem(cast), state)
    later = datetime.combine(p.deadline + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    assert queries.is_overdue(p, later) is overdue
    assert (p in queries.problem_list(cast.admin, state=OVERDUE, now=later)) is overdue


def test_the_office_counts_each_regions_problems_by_the_state_people_see(cast):
    late = raise_problem(cast)
    put_in_state(cast, raise_problem(cast), P.CLOSED)
    raise_problem(
        cast, evaluation=cast.jia2, user=cast.jia_office, deadline=late.deadline + timedelta(days=30)
    )
    raise_problem(cast, evaluation=cast.yi1, user=cast.prov_office)
    after_first_deadline = datetime.combine(
        late.deadline + timedelta(days=1), datetime.min.time(), tzinfo=UTC
    )
    assert queries.counts_by_region(cast.jia_office, round_id=cast.round.pk, now=after_first_deadline) == {
        "990101": {OVERDUE: 1, P.CLOSED: 1},
        "990102": {P.OPEN: 1},
    }
    assert set(queries.counts_by_region(cast.prov_office)) == {"990101", "990102", "990201"}
    assert queries.counts_by_region(cast.jia2_filler) == {"990102": {P.OPEN: 1}}


# ---------------------------------------------------------------- carry-over


def open_next_round(cast, django_capture_on_commit_callbacks, counties=("甲市一县", "甲市二县")):
    with django_capture_on_commit_callbacks(execute=True):
        rnd = do_open_round(
            acting_user=cast.prov_office,
            scheme_version=cast.scheme_version,
            year=2025,
            name="示范省2025年县级履职评价",
            owner_region=cast.regions["示范省"],
            regions=[cast.regions[c] for c in counties],
        )
    return {e.region.name: e for e in Evaluation.objects.filter(round=rnd).select_related("region", "round")}


def test_opening_next_years_round_carries_unclosed_problems_linked_to_the_originals(
    cast, django_capture_on_commit_callbacks
):
    working = raise_problem(cast)
    add_measure(cast, working)
    untouched = raise_problem(cast, evaluation=cast.jia2, user=cast.jia_office, indicator_code="3.1")
    closed = put_in_state(cast, raise_problem(cast), P.CLOSED)
    elsewhere = raise_problem(cast, evaluation=cast.yi1, user=cast.prov_office)
    new = open_next_round(cast, django_capture_on_commit_callbacks)

    carried = {p.carried_from_id: p for p in Problem.objects.filter(carried_from__isnull=False)}
    assert set(carried) == {working.pk, untouched.pk}  # not the closed one, not 乙市一县 (not in the round)
    w = carried[working.pk]
    assert w.evaluation == new["甲市一县"] and w.state == P.IN_PROGRESS
    assert w.description == working.description and w.indicator_code == "2.1"
    assert list(w.measures.values_list("text", flat=True)) == ["2025年新建公办幼儿园2所，新增学位540个"]
    u = carried[untouched.pk]
    assert u.evaluation == new["甲市二县"] and u.state == P.OPEN
    assert working.carried_into == w
    # The writer's problem list says the problem comes from last year.
    (item, *_rest) = writer_input.problem_items(cast.jia1_filler, new["甲市一县"].pk)
    assert (
        item.text.endswith("（2024年度评价反馈问题，尚未整改到位）")
        and item.indicator == "2.1 公办园在园幼儿占比"
    )
    records = AuditRecord.objects.filter(action="problem.carry_over")
    assert {(r.before["problem"], r.region_code, r.actor) for r in records} == {
        (working.pk, "990101", cast.prov_office),
        (untouched.pk, "990102", cast.prov_office),
    }
    assert not Problem.objects.filter(carried_from__in=[closed.pk, elsewhere.pk]).exists()
    # Carrying again finds nothing new; the original is frozen, the work continues on the copy.
    assert actions.do_carry_over(acting_user=cast.jia_office, evaluation=new["甲市一县"]) == []
    before = footprint()
    with pytest.raises(ActionError, match="已结转至2025年度"):
        actions.do_report_progress(acting_user=cast.jia1_filler, problem=working, text="继续推进")
    assert footprint() == before
    actions.do_report_progress(acting_user=cast.jia1_filler, problem=w, text="继续推进")


def test_an_explicit_carry_over_is_for_supervising_offices_and_can_set_a_new_deadline(
    cast, django_capture_on_commit_callbacks
):
    new = open_next_round(cast, django_capture_on_commit_callbacks, counties=("甲市一县",))
    p = raise_problem(cast)  # raised after the new round opened: not carried yet
    target = new["甲市一县"]
    before = footprint()
    for name, error in (("jia1_filler", Forbidden), ("expert", Http404), ("viewer", Forbidden)):
        with pytest.raises(error):
            actions.do_carry_over(acting_user=cast.users[name], evaluation=target)
    with pytest.raises(Http404):
        actions.do_carry_over(acting_user=cast.jia2_filler, evaluation=target)
    assert footprint() == before
    later = DEADLINE + timedelta(days=180)
    (copy,) = actions.do_carry_over(acting_user=cast.jia_office, evaluation=target, deadline=later)
    assert copy.carried_from == p and copy.deadline == later and copy.state == P.OPEN


def test_a_problem_carried_twice_forms_a_chain_back_to_the_first_year(
    cast, django_capture_on_commit_callbacks
):
    first = raise_problem(cast)
    y2025 = open_next_round(cast, django_capture_on_commit_callbacks, counties=("甲市一县",))
    second = Problem.objects.get(carried_from=first)
    assert second.evaluation == y2025["甲市一县"]
    with django_capture_on_commit_callbacks(execute=True):
        rnd = do_open_round(
            acting_user=cast.prov_office,
            scheme_version=cast.scheme_version,
            year=2026,
            name="示范省2026年县级履职评价",
            owner_region=cast.regions["示范省"],
            regions=[cast.regions["甲市一县"]],
        )
    third = Problem.objects.get(carried_from=second)
    assert third.evaluation.round == rnd
    assert Problem.objects.filter(carried_from=first).count() == 1  # the 2024 problem is not carried again


# ---------------------------------------------------------------- audit in the same transaction


def test_when_the_audit_record_cannot_be_written_the_action_writes_nothing(cast, monkeypatch):
    p = raise_problem(cast)
    before = footprint()

    def broken(**kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(actions, "record", broken)
    with pytest.raises(RuntimeError):
        add_measure(cast, p)
    with pytest.raises(RuntimeError):
        raise_problem(cast)
    p.refresh_from_db()
    assert p.state == P.OPEN
    assert footprint() == before
