"""Every role × scope case of the one scoping helper: who sees and who may change which evaluation."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from lvzhi.accounts.scoping import (
    Forbidden,
    NotFound,
    Perm,
    audit_records_for,
    evaluations_for,
    get_evaluation_for,
    get_region_for,
    get_round_for,
    regions_visible_to,
    rounds_for,
    users_visible_to,
)
from lvzhi.evaluations import actions
from lvzhi.evaluations.models import Round

pytestmark = pytest.mark.django_db

ALL = {"甲市一县", "甲市二县", "乙市一县"}

# user → perm → the counties (of the province round) on which the user holds the permission.
EXPECTED = {
    "admin": {Perm.VIEW: ALL, Perm.FILL: set(), Perm.REVIEW: set(), Perm.MANAGE: ALL},
    "prov_office": {Perm.VIEW: ALL, Perm.FILL: set(), Perm.REVIEW: set(), Perm.MANAGE: ALL},
    # A city office sees its counties but does not manage a round its superior opened.
    "jia_office": {
        Perm.VIEW: {"甲市一县", "甲市二县"},
        Perm.FILL: set(),
        Perm.REVIEW: set(),
        Perm.MANAGE: set(),
    },
    "jia1_filler": {Perm.VIEW: {"甲市一县"}, Perm.FILL: {"甲市一县"}, Perm.REVIEW: set(), Perm.MANAGE: set()},
    "jia2_filler": {Perm.VIEW: {"甲市二县"}, Perm.FILL: {"甲市二县"}, Perm.REVIEW: set(), Perm.MANAGE: set()},
    "expert": {Perm.VIEW: {"甲市一县"}, Perm.FILL: set(), Perm.REVIEW: {"甲市一县"}, Perm.MANAGE: set()},
    "viewer": {Perm.VIEW: {"甲市一县", "甲市二县"}, Perm.FILL: set(), Perm.REVIEW: set(), Perm.MANAGE: set()},
}


@pytest.mark.parametrize("username", list(EXPECTED))
def test_each_role_holds_each_permission_on_exactly_its_counties(cast, username):
    user = cast.users[username]
    for perm in Perm:
        got = {e.region.name for e in evaluations_for(user, perm)}
        assert got == EXPECTED[username][perm], perm
        for name, ev in cast.evaluations.items():
            if name in EXPECTED[username][perm]:
                assert get_evaluation_for(user, ev.pk, perm) == ev
            elif name not in EXPECTED[username][Perm.VIEW]:
                with pytest.raises(NotFound):
                    get_evaluation_for(user, ev.pk, perm)
            else:
                with pytest.raises(Forbidden):
                    get_evaluation_for(user, ev.pk, perm)


def test_a_county_user_reading_another_county_gets_not_found_like_a_missing_id(cast):
    with pytest.raises(Http404) as other:
        get_evaluation_for(cast.jia1_filler, cast.jia2.pk)
    with pytest.raises(Http404) as missing:
        get_evaluation_for(cast.jia1_filler, 999999)
    assert str(other.value) == str(missing.value)
    with pytest.raises(NotFound):
        get_evaluation_for(cast.jia1_filler, "not-a-number")


def test_anonymous_and_deactivated_users_see_nothing(cast):
    assert not evaluations_for(AnonymousUser()).exists()
    assert not regions_visible_to(AnonymousUser()).exists()
    cast.prov_office.is_active = False
    assert not evaluations_for(cast.prov_office).exists()


def test_regions_visible_follow_the_role_subtrees(cast):
    names = lambda user: {r.name for r in regions_visible_to(user)}  # noqa: E731
    assert names(cast.admin) == set(cast.regions)
    assert names(cast.prov_office) == set(cast.regions)
    assert names(cast.jia_office) == {"甲市", "甲市一县", "甲市二县"}
    assert names(cast.jia1_filler) == {"甲市一县"}
    assert names(cast.viewer) == {"甲市", "甲市一县", "甲市二县"}
    assert names(cast.expert) == {"甲市一县"}  # its assignment, though its role is filed under the province
    with pytest.raises(NotFound):
        get_region_for(cast.jia_office, "990201")
    assert get_region_for(cast.jia_office, "990101").name == "甲市一县"


def test_an_expert_sees_only_assigned_regions_even_with_a_role_on_a_wider_region(cast):
    # The expert's role sits on the province; assignments, not the role region, decide what is reviewable.
    assert {e.region.name for e in evaluations_for(cast.expert, Perm.REVIEW)} == {"甲市一县"}


def test_a_city_office_opens_rounds_only_below_its_own_region(cast):
    r = cast.regions
    with pytest.raises(Forbidden):
        actions.do_open_round(
            acting_user=cast.jia_office,
            scheme_version=cast.scheme_version,
            year=2024,
            name="越权轮次",
            owner_region=r["示范省"],
            regions=[r["乙市一县"]],
        )
    with pytest.raises(Forbidden, match="乙市一县"):
        actions.do_open_round(
            acting_user=cast.jia_office,
            scheme_version=cast.scheme_version,
            year=2024,
            name="越权轮次",
            owner_region=r["甲市"],
            regions=[r["甲市一县"], r["乙市一县"]],
        )
    assert Round.objects.count() == 1
    rnd = actions.do_open_round(
        acting_user=cast.jia_office,
        scheme_version=cast.scheme_version,
        year=2024,
        name="甲市2024年县级评价",
        owner_region=r["甲市"],
        regions=[r["甲市一县"], r["甲市二县"]],
    )
    assert set(rounds_for(cast.jia_office, Perm.MANAGE)) == {rnd}
    assert get_round_for(cast.jia_office, rnd.pk, Perm.MANAGE) == rnd
    with pytest.raises(Forbidden):
        get_round_for(cast.jia_office, cast.round.pk, Perm.MANAGE)
    with pytest.raises(NotFound):
        get_round_for(cast.jia1_filler, 424242)
    # ... and the city manages the evaluations of its own round.
    assert {e.region.name for e in evaluations_for(cast.jia_office, Perm.MANAGE)} == {"甲市一县", "甲市二县"}


def test_a_round_must_target_regions_of_the_schemes_level(cast):
    r = cast.regions
    with pytest.raises(actions.ActionError, match="层级不符"):
        actions.do_open_round(
            acting_user=cast.prov_office,
            scheme_version=cast.scheme_version,
            year=2024,
            name="错层级",
            owner_region=r["示范省"],
            regions=[r["甲市"]],
        )


def test_an_office_assigns_experts_only_in_rounds_it_manages(cast):
    with pytest.raises(Forbidden):
        actions.do_assign_expert(
            acting_user=cast.jia_office, round=cast.round, region=cast.regions["甲市二县"], expert=cast.expert
        )
    actions.do_assign_expert(
        acting_user=cast.prov_office, round=cast.round, region=cast.regions["甲市二县"], expert=cast.expert
    )
    assert {e.region.name for e in evaluations_for(cast.expert, Perm.REVIEW)} == {"甲市一县", "甲市二县"}


def test_rounds_visible_to_a_county_are_those_it_takes_part_in(cast):
    assert set(rounds_for(cast.jia1_filler)) == {cast.round}
    assert set(rounds_for(cast.jia1_filler, Perm.MANAGE)) == set()


def test_users_and_audit_records_are_scoped_too(cast):
    assert set(users_visible_to(cast.jia_office).values_list("username", flat=True)) == {
        "jia_office",
        "jia1_filler",
        "jia2_filler",
        "viewer",
    }
    assert set(users_visible_to(cast.jia1_filler)) == {cast.jia1_filler}
    cast.advance(cast.jia2, "填报中")
    regions_seen = set(audit_records_for(cast.jia1_filler).values_list("region_code", flat=True))
    assert "990102" not in regions_seen
    assert "990102" in set(audit_records_for(cast.jia_office).values_list("region_code", flat=True))


def test_deadlines_are_moved_only_by_the_managing_office_and_must_stay_in_order(cast):
    from datetime import datetime, timedelta

    from django.utils import timezone

    due = timezone.make_aware(datetime(2025, 3, 31, 17, 0))
    with pytest.raises(Forbidden):
        actions.do_update_round(acting_user=cast.jia_office, round=cast.round, fill_deadline=due)
    with pytest.raises(actions.ActionError, match="不能早于"):
        actions.do_update_round(
            acting_user=cast.prov_office,
            round=cast.round,
            fill_deadline=due,
            review_deadline=due - timedelta(days=1),
        )
    actions.do_update_round(
        acting_user=cast.prov_office,
        round=cast.round,
        fill_deadline=due,
        review_deadline=due + timedelta(days=30),
    )
    cast.round.refresh_from_db()
    assert cast.round.fill_deadline == due
    from lvzhi.audit.models import AuditRecord

    assert AuditRecord.objects.filter(action="round.update").count() == 1
