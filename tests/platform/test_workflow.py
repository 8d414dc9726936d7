"""Every allowed and refused workflow transition, by role; refused ones write nothing."""

from __future__ import annotations

import pytest

from lvzhi.accounts.scoping import Forbidden
from lvzhi.audit.models import AuditRecord
from lvzhi.evaluations import actions
from lvzhi.evaluations.errors import ActionError, TransitionError, ValidationFailed
from lvzhi.evaluations.models import State, StateChange
from lvzhi.evaluations.workflow import TRANSITIONS

pytestmark = pytest.mark.django_db

S = State


def _nothing_written(evaluation, before_state, audit_count):
    evaluation.refresh_from_db()
    assert evaluation.state == before_state
    assert AuditRecord.objects.count() == audit_count


def test_the_full_cycle_runs_with_the_right_roles_and_records_every_step(cast):
    ev = cast.jia1
    actions.do_start_filling(acting_user=cast.jia1_filler, evaluation=ev)
    cast.complete_data(ev)
    cast.complete_self_assessment(ev)
    actions.do_submit(acting_user=cast.jia1_filler, evaluation=ev)
    actions.do_start_review(acting_user=cast.expert, evaluation=ev)
    actions.do_return(acting_user=cast.expert, evaluation=ev, reasons="缺少党政联席会议纪要")
    assert ev.state == S.RETURNED and ev.return_reasons == "缺少党政联席会议纪要"
    actions.do_submit(acting_user=cast.jia1_filler, evaluation=ev)
    actions.do_start_review(acting_user=cast.prov_office, evaluation=ev)
    actions.do_approve(acting_user=cast.prov_office, evaluation=ev)
    actions.do_publish(acting_user=cast.prov_office, evaluation=ev)
    ev.refresh_from_db()
    assert ev.state == S.PUBLISHED
    steps = list(StateChange.objects.filter(evaluation=ev).values_list("from_state", "to_state"))
    assert steps == [
        (S.NOT_STARTED, S.FILLING),
        (S.FILLING, S.SUBMITTED),
        (S.SUBMITTED, S.REVIEWING),
        (S.REVIEWING, S.RETURNED),
        (S.RETURNED, S.SUBMITTED),
        (S.SUBMITTED, S.REVIEWING),
        (S.REVIEWING, S.APPROVED),
        (S.APPROVED, S.PUBLISHED),
    ]
    records = AuditRecord.objects.filter(action="evaluation.transition", object_id=str(ev.pk))
    assert [(r.before["state"], r.after["state"]) for r in records] == steps
    assert all(r.region_code == "990101" for r in records)


ALL_STATES = list(S.values)


@pytest.mark.parametrize("frm", ALL_STATES)
def test_every_transition_not_in_the_workflow_is_refused_for_everyone_and_writes_nothing(cast, frm):
    ev = cast.jia1
    # Put the evaluation directly in the starting state (this test is about the step, not the way there).
    type(ev).objects.filter(pk=ev.pk).update(state=frm)
    ev.refresh_from_db()
    count = AuditRecord.objects.count()
    targets = [to for to in ALL_STATES if (frm, to) not in TRANSITIONS]
    assert targets
    for to in targets:
        for user in (cast.admin, cast.prov_office, cast.jia1_filler, cast.expert):
            with pytest.raises((TransitionError, ValidationFailed, Forbidden, ActionError)):
                actions.do_transition(acting_user=user, evaluation=ev, to_state=to, reason="原因")
            _nothing_written(ev, frm, count)


# (from, to) → who may, who may not (names of cast members).
WHO = {
    (S.NOT_STARTED, S.FILLING): (
        ["jia1_filler", "prov_office", "admin"],
        ["jia2_filler", "jia_office", "expert", "viewer"],
    ),
    (S.FILLING, S.SUBMITTED): (
        ["jia1_filler"],
        ["jia2_filler", "prov_office", "jia_office", "expert", "viewer", "admin"],
    ),
    (S.RETURNED, S.SUBMITTED): (["jia1_filler"], ["jia2_filler", "prov_office", "expert", "viewer"]),
    (S.RETURNED, S.FILLING): (
        ["jia1_filler", "prov_office"],
        ["jia2_filler", "jia_office", "expert", "viewer"],
    ),
    (S.SUBMITTED, S.REVIEWING): (
        ["prov_office", "expert"],
        ["jia1_filler", "jia_office", "viewer", "jia2_filler"],
    ),
    (S.REVIEWING, S.RETURNED): (["prov_office", "expert"], ["jia1_filler", "jia_office", "viewer"]),
    (S.REVIEWING, S.APPROVED): (["prov_office", "admin"], ["expert", "jia1_filler", "jia_office", "viewer"]),
    (S.APPROVED, S.PUBLISHED): (["prov_office", "admin"], ["expert", "jia1_filler", "jia_office", "viewer"]),
}


def test_every_workflow_transition_has_its_roles_listed_here():
    assert set(WHO) == set(TRANSITIONS)


def _prepare(cast, ev, frm):
    if frm in (S.FILLING, S.RETURNED, S.REVIEWING, S.APPROVED):
        # Submitting needs the manual indicators self-scored; approving and publishing a complete result.
        cast.advance(ev, S.FILLING)
        cast.complete_data(ev)
        cast.complete_self_assessment(ev)
    type(ev).objects.filter(pk=ev.pk).update(state=frm)
    ev.refresh_from_db()


@pytest.mark.parametrize(("frm", "to"), list(WHO), ids=[f"{a}->{b}" for a, b in WHO])
def test_an_allowed_transition_is_refused_to_the_wrong_roles_and_done_by_the_right_ones(cast, frm, to):
    allowed, refused = WHO[(frm, to)]
    ev = cast.jia1
    _prepare(cast, ev, frm)
    for name in refused:
        count = AuditRecord.objects.count()
        with pytest.raises(Forbidden):
            actions.do_transition(acting_user=cast.users[name], evaluation=ev, to_state=to, reason="原因")
        _nothing_written(ev, frm, count)
    for name in allowed:
        type(ev).objects.filter(pk=ev.pk).update(state=frm)
        ev.refresh_from_db()
        actions.do_transition(acting_user=cast.users[name], evaluation=ev, to_state=to, reason="原因")
        ev.refresh_from_db()
        assert ev.state == to, name


def test_a_return_without_reasons_is_refused(cast):
    ev = cast.advance(cast.jia1, S.REVIEWING)
    with pytest.raises(ActionError, match="原因"):
        actions.do_return(acting_user=cast.expert, evaluation=ev, reasons="  ")
    ev.refresh_from_db()
    assert ev.state == S.REVIEWING


def test_submission_is_refused_with_every_missing_self_score_listed(cast):
    ev = cast.advance(cast.jia1, S.FILLING)
    with pytest.raises(ValidationFailed) as exc:
        actions.do_submit(acting_user=cast.jia1_filler, evaluation=ev)
    assert [i.code for i in exc.value.issues] == ["1.1"]
    assert "尚未自评" in str(exc.value)
    ev.refresh_from_db()
    assert ev.state == S.FILLING


def test_a_city_office_cannot_move_evaluations_of_a_province_round(cast):
    ev = cast.advance(cast.jia1, S.SUBMITTED)
    with pytest.raises(Forbidden):
        actions.do_start_review(acting_user=cast.jia_office, evaluation=ev)


def test_the_expert_cannot_start_the_review_of_a_county_outside_the_assignment(cast):
    ev = cast.advance(cast.jia2, S.SUBMITTED)
    count = AuditRecord.objects.count()
    with pytest.raises(Forbidden):
        actions.do_start_review(acting_user=cast.expert, evaluation=ev)
    _nothing_written(ev, S.SUBMITTED, count)
