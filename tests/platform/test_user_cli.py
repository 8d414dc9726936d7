"""`lvzhi user …`: the operator's user commands go through the account actions (policy, scope, audit)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from lvzhi.accounts.models import Role, RoleAssignment, User
from lvzhi.audit.models import AuditRecord
from lvzhi.audit.services import verify_chain
from lvzhi.cli.main import app

GOOD = "Xy7kLmq2024abc"


def run(*args: str, password: str = GOOD) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env={"LVZHI_PASSWORD": password})
    return result.exit_code, result.output


def test_an_administrator_creates_a_county_filler_with_an_audit_record(cast):
    code, out = run("user", "add", "jia1_new", "--role", "filler", "--region", "990101", "--as", "admin")
    assert code == 0, out
    assert "已创建用户 jia1_new（填报员，甲市一县）" in out
    user = User.objects.get(username="jia1_new")
    assert user.check_password(GOOD)
    assert RoleAssignment.objects.filter(user=user, role=Role.FILLER, region__code="990101").exists()
    assert AuditRecord.objects.filter(action="user.create", actor_username="admin").exists()
    assert verify_chain() is None


def test_a_city_office_cannot_create_a_user_outside_its_city_and_nothing_is_written(cast):
    before = AuditRecord.objects.count()
    code, out = run("user", "add", "yi1_new", "--role", "filler", "--region", "990201", "--as", "jia_office")
    assert code == 1
    assert "无权" in out
    assert not User.objects.filter(username="yi1_new").exists()
    assert AuditRecord.objects.count() == before


def test_a_weak_password_is_refused_with_the_policy_in_chinese(cast):
    code, out = run(
        "user", "add", "weak", "--role", "viewer", "--region", "990100", "--as", "admin", password="short"
    )
    assert code == 1
    assert "密码" in out and "10" in out
    assert not User.objects.filter(username="weak").exists()


def test_the_first_administrator_needs_no_acting_user_but_only_while_there_is_none(db):
    code, out = run("user", "add", "root", "--role", "admin")
    assert code == 0, out
    root = User.objects.get(username="root")
    assert RoleAssignment.objects.filter(user=root, role=Role.ADMIN).exists() and root.is_staff
    code, out = run("user", "add", "root2", "--role", "admin")
    assert code == 1
    assert "--as" in out
    assert not User.objects.filter(username="root2").exists()


def test_an_unknown_region_or_role_is_named_in_the_error(cast):
    code, out = run("user", "add", "x1", "--role", "filler", "--region", "123456", "--as", "admin")
    assert code == 1 and "区划代码 123456 不存在" in out
    code, out = run("user", "add", "x2", "--role", "boss", "--region", "990101", "--as", "admin")
    assert code == 1 and "未知角色 boss" in out


def test_deactivating_a_user_needs_an_administrator(cast):
    code, out = run("user", "deactivate", "jia1_filler", "--as", "jia_office")
    assert code == 1
    assert User.objects.get(username="jia1_filler").is_active
    code, out = run("user", "deactivate", "jia1_filler", "--as", "admin")
    assert code == 0, out
    assert not User.objects.get(username="jia1_filler").is_active


@pytest.mark.parametrize(("acting", "sees", "hidden"), [("jia_office", "jia2_filler", "prov_office")])
def test_the_user_list_is_scoped_to_the_acting_user(cast, acting, sees, hidden):
    code, out = run("user", "list", "--as", acting)
    assert code == 0, out
    assert sees in out
    assert hidden not in out


def test_an_administrator_revokes_a_role_with_an_audit_record_and_a_city_office_cannot_outside_its_city(cast):
    code, out = run("user", "grant", "jia1_filler", "--role", "viewer", "--region", "990200", "--as", "admin")
    assert code == 0, out
    code, out = run(
        "user", "revoke", "jia1_filler", "--role", "viewer", "--region", "990200", "--as", "jia_office"
    )
    assert code == 1 and "无权" in out
    assert RoleAssignment.objects.filter(user__username="jia1_filler", role=Role.VIEWER).exists()
    code, out = run(
        "user", "revoke", "jia1_filler", "--role", "viewer", "--region", "990200", "--as", "admin"
    )
    assert code == 0, out
    assert "已撤销 jia1_filler 的角色 查看" in out
    assert not RoleAssignment.objects.filter(user__username="jia1_filler", role=Role.VIEWER).exists()
    rec = AuditRecord.objects.filter(action="role.revoke").order_by("-seq").first()
    assert rec.actor_username == "admin" and rec.before["role"] == "viewer"
    code, out = run(
        "user", "revoke", "jia1_filler", "--role", "viewer", "--region", "990200", "--as", "admin"
    )
    assert code == 1 and "无需撤销" in out
