"""Accounts: argon2, password policy, login throttling, revocable sessions, API tokens, granting roles."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import authenticate
from django.contrib.sessions.models import Session
from django.test import Client, RequestFactory, override_settings
from django.utils import timezone

from lvzhi.accounts import actions
from lvzhi.accounts.models import ApiToken, LoginFailure, Role, RoleAssignment, User, UserSession
from lvzhi.accounts.scoping import Forbidden
from lvzhi.accounts.security import authenticate_token, hash_token, is_locked
from lvzhi.audit.models import AuditRecord
from lvzhi.evaluations.errors import ValidationFailed

pytestmark = pytest.mark.django_db

CAST_PASSWORD = "Lvzhi-cast-2024"  # tests/platform/conftest.py


def _login(username, password, ip="10.0.0.1"):
    request = RequestFactory().post("/login/", REMOTE_ADDR=ip)
    return authenticate(request, username=username, password=password)


def test_passwords_are_hashed_with_argon2id_at_full_strength(cast):
    user = actions.do_create_user(acting_user=cast.admin, username="strong", password="Strong-pass-2024")
    assert user.password.startswith("argon2$argon2id$") and "m=102400" in user.password
    assert _login("strong", "Strong-pass-2024") == user
    assert _login("jia1_filler", CAST_PASSWORD) == cast.jia1_filler


@override_settings(LVZHI_LOGIN_MAX_FAILURES=3)
def test_repeated_failures_lock_the_username_from_that_address_even_for_the_right_password(cast):
    for _ in range(3):
        assert _login("jia1_filler", "wrong-password-1") is None
    assert is_locked("jia1_filler", "10.0.0.1")
    assert _login("jia1_filler", CAST_PASSWORD) is None
    # Another address, or another user, is not affected.
    assert _login("jia1_filler", CAST_PASSWORD, ip="10.0.0.2") == cast.jia1_filler
    assert _login("jia2_filler", CAST_PASSWORD) == cast.jia2_filler


@override_settings(LVZHI_LOGIN_MAX_FAILURES=3, LVZHI_LOGIN_LOCK_SECONDS=60)
def test_the_lock_expires_and_a_success_clears_the_count(cast):
    for _ in range(3):
        _login("jia1_filler", "wrong-password-1")
    LoginFailure.objects.update(at=timezone.now() - timedelta(seconds=120))
    assert _login("jia1_filler", CAST_PASSWORD) == cast.jia1_filler
    _login("jia1_filler", "wrong-password-1")
    assert LoginFailure.objects.filter(username="jia1_filler").count() == 1


@override_settings(LVZHI_LOGIN_MAX_FAILURES=2)
def test_the_admin_login_page_is_throttled_too(cast):
    client = Client(REMOTE_ADDR="10.9.9.9")
    for _ in range(2):
        client.post("/admin/login/", {"username": "admin", "password": "nope-nope-1"})
    response = client.post("/admin/login/", {"username": "admin", "password": CAST_PASSWORD})
    assert response.status_code == 200  # the form again, not a redirect into the admin
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short1", "太短"),
        ("onlyletterslong", "字母和数字"),
        ("1234567890123", "字母和数字"),
        ("password123", "太常见"),
    ],
)
def test_the_password_policy_refuses_weak_passwords_in_chinese(cast, password, message):
    with pytest.raises(ValidationFailed, match=message):
        actions.do_create_user(acting_user=cast.admin, username="newbie", password=password)
    assert not User.objects.filter(username="newbie").exists()


def test_creating_a_user_with_roles_is_audited_without_the_password(cast):
    user = actions.do_create_user(
        acting_user=cast.admin,
        username="yi1_filler",
        password="Yi1-county-2024",
        full_name="乙市一县填报员",
        roles=[(Role.FILLER, cast.regions["乙市一县"])],
    )
    assert user.check_password("Yi1-county-2024")
    assert RoleAssignment.objects.filter(user=user, role=Role.FILLER).exists()
    last_two = list(AuditRecord.objects.order_by("-seq")[:2])
    assert [r.action for r in last_two] == ["role.grant", "user.create"]
    assert last_two[1].after["username"] == "yi1_filler" and last_two[0].after["region"] == "990201"
    assert all("Yi1-county-2024" not in str(r.after) for r in AuditRecord.objects.all())


def test_a_city_office_grants_roles_only_inside_its_city_and_never_office_roles(cast):
    r = cast.regions
    outsider = actions.do_create_user(acting_user=cast.admin, username="someone", password="Some-one-2024x")
    actions.do_grant_role(acting_user=cast.jia_office, user=outsider, role=Role.VIEWER, region=r["甲市二县"])
    with pytest.raises(Forbidden):
        actions.do_grant_role(
            acting_user=cast.jia_office, user=outsider, role=Role.VIEWER, region=r["乙市一县"]
        )
    with pytest.raises(Forbidden):
        actions.do_grant_role(
            acting_user=cast.jia_office, user=outsider, role=Role.OFFICE, region=r["甲市二县"]
        )
    with pytest.raises(Forbidden):
        actions.do_grant_role(
            acting_user=cast.jia1_filler, user=outsider, role=Role.VIEWER, region=r["甲市一县"]
        )
    assert list(outsider.roles.values_list("role", "region__name")) == [("viewer", "甲市二县")]


def test_sessions_are_listed_and_revoked_one_by_one(cast):
    a, b = Client(REMOTE_ADDR="10.0.0.1"), Client(REMOTE_ADDR="10.0.0.2")
    for c in (a, b):
        assert (
            c.post("/admin/login/?next=/admin/", {"username": "admin", "password": CAST_PASSWORD}).status_code
            == 302
        )
    sessions = actions.list_sessions(cast.admin)
    assert {s.ip for s in sessions} == {"10.0.0.1", "10.0.0.2"}
    victim = next(s for s in sessions if s.ip == "10.0.0.2")
    actions.do_revoke_session(acting_user=cast.admin, user=cast.admin, session_key=victim.session_key)
    assert a.get("/admin/").status_code == 200
    assert b.get("/admin/").status_code == 302  # logged out: sent to the login page
    assert [s.ip for s in actions.list_sessions(cast.admin)] == ["10.0.0.1"]
    assert AuditRecord.objects.filter(action="session.revoke").exists()


def test_a_user_cannot_revoke_someone_elses_session(cast):
    with pytest.raises(Forbidden):
        actions.do_revoke_all_sessions(acting_user=cast.jia1_filler, user=cast.admin)


def test_changing_the_password_ends_the_other_sessions(cast):
    c = Client()
    c.post("/admin/login/?next=/admin/", {"username": "admin", "password": CAST_PASSWORD})
    assert Session.objects.count() == 1
    actions.do_set_password(acting_user=cast.admin, user=cast.admin, password="Brand-new-2025x")
    assert Session.objects.count() == 0 and UserSession.objects.count() == 0
    assert c.get("/admin/").status_code == 302


def test_logout_removes_the_session_from_the_registry(cast):
    c = Client()
    c.post("/admin/login/?next=/admin/", {"username": "admin", "password": CAST_PASSWORD})
    assert UserSession.objects.filter(user=cast.admin).count() == 1
    c.post("/admin/logout/")
    assert UserSession.objects.filter(user=cast.admin).count() == 0


def test_api_tokens_are_stored_hashed_work_until_revoked_or_expired(cast):
    token, raw = actions.do_create_api_token(
        acting_user=cast.jia1_filler, user=cast.jia1_filler, name="统计系统对接"
    )
    assert raw.startswith("lvz_") and raw not in str(ApiToken.objects.values_list())
    assert token.key_hash == hash_token(raw)
    assert authenticate_token(raw) == cast.jia1_filler
    assert authenticate_token(raw + "x") is None and authenticate_token("") is None
    actions.do_revoke_api_token(acting_user=cast.jia1_filler, token=token)
    assert authenticate_token(raw) is None
    _, raw2 = actions.do_create_api_token(
        acting_user=cast.admin,
        user=cast.jia1_filler,
        name="临时",
        expires_at=timezone.now() - timedelta(minutes=1),
    )
    assert authenticate_token(raw2) is None
    with pytest.raises(Forbidden):
        actions.do_create_api_token(acting_user=cast.jia2_filler, user=cast.jia1_filler, name="越权")


def test_a_deactivated_user_loses_tokens_and_sessions(cast):
    _, raw = actions.do_create_api_token(acting_user=cast.viewer, user=cast.viewer, name="只读")
    actions.do_deactivate_user(acting_user=cast.admin, user=cast.viewer)
    assert authenticate_token(raw) is None
    assert _login("viewer", CAST_PASSWORD) is None


def test_the_system_administrator_manages_users_and_roles_in_the_django_admin_and_it_is_audited(cast):
    c = Client()
    c.force_login(cast.admin)
    assert c.get("/admin/accounts/user/").status_code == 200
    response = c.post(
        "/admin/accounts/roleassignment/add/",
        {"user": cast.viewer.pk, "role": Role.VIEWER, "region": cast.regions["乙市"].pk},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    rec = AuditRecord.objects.order_by("-seq").first()
    assert rec.action == "admin.add" and rec.actor == cast.admin
    assert rec.after["role"] == "viewer" and rec.after["region"] == cast.regions["乙市"].pk
    from lvzhi.audit.services import verify_chain

    assert verify_chain() is None


def test_other_roles_cannot_open_the_django_admin(cast):
    c = Client()
    c.force_login(cast.prov_office)
    assert c.get("/admin/accounts/user/").status_code == 302


def test_workflow_objects_are_read_only_in_the_admin(cast):
    c = Client()
    c.force_login(cast.admin)
    assert c.get(f"/admin/evaluations/evaluation/{cast.jia1.pk}/change/").status_code == 200
    c.post(f"/admin/evaluations/evaluation/{cast.jia1.pk}/change/", {"state": "已发布"})
    cast.jia1.refresh_from_db()
    assert cast.jia1.state == "未开始"
