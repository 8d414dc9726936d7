"""消息: each event reaches the people who must act, once; the daily reminders never repeat; mail is sent."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from lvzhi.evaluations import actions
from lvzhi.evaluations.actions import office
from lvzhi.evaluations.models import State
from lvzhi.notifications.models import Kind, Notification
from lvzhi.notifications.services import send_reminders

pytestmark = pytest.mark.django_db


def kinds(user):
    return sorted(Notification.objects.filter(user=user).values_list("kind", flat=True))


def test_opening_a_round_tells_each_countys_filler_once(cast, django_capture_on_commit_callbacks):
    cast.jia1_filler.email = "jia1@example.org"
    cast.jia1_filler.save()
    with django_capture_on_commit_callbacks(execute=True):
        office.do_open_year_round(
            acting_user=cast.prov_office,
            scheme_version=cast.scheme_version,
            year=2025,
            owner_region=cast.regions["示范省"],
            level="县",
        )
    assert kinds(cast.jia1_filler).count(Kind.ROUND_OPENED) == 2  # the cast's round and this one
    assert kinds(cast.jia2_filler).count(Kind.ROUND_OPENED) == 2
    assert kinds(cast.expert) == [Kind.ASSIGNED]  # the cast's assignment, nothing about the new round
    assert [m.to for m in mail.outbox][-1:] == [["jia1@example.org"]]
    assert "评价开始" in mail.outbox[-1].subject
    office.do_open_year_round(
        acting_user=cast.prov_office,
        scheme_version=cast.scheme_version,
        year=2025,
        owner_region=cast.regions["示范省"],
        level="县",
    )
    assert kinds(cast.jia1_filler).count(Kind.ROUND_OPENED) == 2


def test_a_return_tells_the_filler_why_and_an_assignment_tells_the_expert(cast):
    ev = cast.advance(cast.jia2, State.RETURNED)
    message = Notification.objects.get(user=cast.jia2_filler, kind=Kind.RETURNED)
    assert "学前教育数据" in message.body and message.url == f"/e/{ev.pk}/"
    actions.do_assign_expert(
        acting_user=cast.prov_office, round=cast.round, region=cast.regions["甲市二县"], expert=cast.expert
    )
    assert Kind.ASSIGNED in kinds(cast.expert)
    assert Kind.RETURNED not in kinds(cast.jia1_filler)


def test_reminders_come_once_per_deadline_and_again_after_an_extension(cast):
    now = timezone.now()
    actions.do_update_round(
        acting_user=cast.prov_office, round=cast.round, fill_deadline=now + timedelta(days=2)
    )
    assert send_reminders(now) == 2  # 甲市一县 and 甲市二县 have fillers; 乙市一县 has none
    assert send_reminders(now) == 0
    assert send_reminders(now + timedelta(days=3)) == 2  # now overdue: 催报
    assert send_reminders(now + timedelta(days=4)) == 0
    assert kinds(cast.jia1_filler) == sorted([Kind.ROUND_OPENED, Kind.DUE_SOON, Kind.OVERDUE])
    office.do_grant_extension(
        acting_user=cast.prov_office, evaluation=cast.jia1, until=now + timedelta(days=5), reason="系统故障"
    )
    assert Kind.EXTENDED in kinds(cast.jia1_filler)
    assert send_reminders(now + timedelta(days=3)) == 1  # 甲市一县's new deadline is 2 days away
    assert send_reminders(now + timedelta(days=3)) == 0


def test_a_submitted_county_is_not_reminded(cast):
    cast.advance(cast.jia1, State.SUBMITTED)
    actions.do_update_round(
        acting_user=cast.prov_office, round=cast.round, fill_deadline=timezone.now() + timedelta(days=1)
    )
    send_reminders()
    assert Kind.DUE_SOON not in kinds(cast.jia1_filler) and Kind.DUE_SOON in kinds(cast.jia2_filler)


def test_the_inbox_shows_ones_own_messages_and_marks_them_read(cast):
    cast.advance(cast.jia2, State.RETURNED)
    mine = Notification.objects.get(user=cast.jia2_filler, kind=Kind.RETURNED)
    other = Client()
    other.force_login(cast.jia1_filler)
    assert "退回修改" not in other.get("/messages/").content.decode("utf-8")
    assert other.post(f"/messages/{mine.pk}/read/").status_code == 404
    c = Client()
    c.force_login(cast.jia2_filler)
    page = c.get("/messages/").content.decode("utf-8")
    assert "退回修改" in page and "消息（" in page
    response = c.post(f"/messages/{mine.pk}/read/")
    assert response["Location"] == mine.url
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_the_api_lists_ones_own_messages_and_marks_them_read(cast):
    from lvzhi.accounts.actions import do_create_api_token

    cast.advance(cast.jia2, State.RETURNED)
    _, raw = do_create_api_token(acting_user=cast.admin, user=cast.jia2_filler, name="消息")
    c = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    data = c.get("/api/v1/messages/?unread=true").json()
    returned = next(m for m in data["items"] if m["kind"] == Kind.RETURNED)
    assert data["unread"] >= 1 and "学前教育数据" in returned["body"]
    assert c.post(f"/api/v1/messages/{returned['id']}/read").json()["read_at"] is not None
    _, other = do_create_api_token(acting_user=cast.admin, user=cast.jia1_filler, name="别人")
    stranger = Client(HTTP_AUTHORIZATION=f"Bearer {other}")
    assert stranger.post(f"/api/v1/messages/{returned['id']}/read").status_code == 404
