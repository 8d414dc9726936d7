"""Account actions: users, roles, passwords, sessions, API tokens — each one transaction with its audit record."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation

from lvzhi.accounts import security
from lvzhi.accounts.models import ApiToken, Role, RoleAssignment, User, UserSession
from lvzhi.accounts.scoping import Forbidden, forget_cached_roles, is_admin, role_paths
from lvzhi.audit.services import record
from lvzhi.regions.models import Region
from lvzhi.site.action_errors import ActionError, Issue, ValidationFailed


def can_grant(acting_user: Any, role: str, region: Region | None) -> bool:
    """Administrators grant anything; an office grants expert/filler/viewer roles inside its subtree."""
    if is_admin(acting_user):
        return True
    if role in (Role.ADMIN, Role.OFFICE) or region is None:
        return False
    return any(region.path.startswith(p) for p in role_paths(acting_user, Role.OFFICE))


def _check_password(password: str, user: User | None) -> None:
    try:
        # Messages in Chinese even when no request activated a language (CLI, API).
        with translation.override("zh-hans"):
            validate_password(password, user)
    except ValidationError as exc:
        raise ValidationFailed([Issue("password", str(m)) for m in exc.messages]) from exc


def _role_snapshot(ra: RoleAssignment) -> dict[str, Any]:
    return {"user": ra.user.username, "role": ra.role, "region": ra.region.code if ra.region else None}


def do_create_user(
    *,
    acting_user: Any,
    username: str,
    password: str,
    full_name: str = "",
    email: str = "",
    roles: Iterable[tuple[str, Region | None]] = (),
) -> User:
    """Create a user (password policy applies) with its roles."""
    roles = list(roles)
    if not is_admin(acting_user) and not (roles and all(can_grant(acting_user, r, reg) for r, reg in roles)):
        raise Forbidden("您无权创建该用户或授予这些角色")
    username = username.strip()
    if not username:
        raise ActionError("用户名不能为空")
    candidate = User(username=username, full_name=full_name, email=email)
    _check_password(password, candidate)
    with transaction.atomic():
        if User.objects.filter(username__iexact=username).exists():
            raise ActionError(f"用户名 {username} 已存在")
        user = User.objects.create_user(
            username=username, password=password, full_name=full_name, email=email
        )
        record(
            actor=acting_user,
            action="user.create",
            obj=user,
            after={"username": username, "full_name": full_name, "email": email},
        )
        for role, region in roles:
            _grant(acting_user, user, role, region)
        return user


def do_create_first_admin(*, username: str, password: str, full_name: str = "") -> User:
    """Create the first system administrator of an empty installation (the server operator's CLI only)."""
    # Nobody can act before an administrator exists, so this one action has no acting user; it refuses
    # as soon as any administrator exists, so it cannot be used to gain rights later.
    username = username.strip()
    if not username:
        raise ActionError("用户名不能为空")
    _check_password(password, User(username=username, full_name=full_name))
    with transaction.atomic():
        if (
            User.objects.filter(is_superuser=True).exists()
            or RoleAssignment.objects.filter(role=Role.ADMIN).exists()
        ):
            raise ActionError("已有系统管理员；请以管理员身份（--as）创建用户")
        if User.objects.filter(username__iexact=username).exists():
            raise ActionError(f"用户名 {username} 已存在")
        user = User.objects.create_user(username=username, password=password, full_name=full_name)
        record(
            actor=None, action="user.create", obj=user, after={"username": username, "full_name": full_name}
        )
        _grant(None, user, Role.ADMIN, None)
        return user


def _grant(acting_user: Any, user: User, role: str, region: Region | None) -> RoleAssignment:
    if role not in Role.values:
        raise ActionError(f"未知角色 {role!r}")
    if (role == Role.ADMIN) != (region is None):
        raise ActionError("系统管理员角色不绑定区划；其他角色必须绑定区划")
    ra, created = RoleAssignment.objects.get_or_create(user=user, role=role, region=region)
    if role == Role.ADMIN and not user.is_staff:
        # The Django admin is the system administrator's tool; it requires is_staff.
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    if created:
        record(
            actor=acting_user,
            action="role.grant",
            obj=ra,
            object_repr=f"{user.username} · {ra}",
            region_code=region.code if region else "",
            after=_role_snapshot(ra),
        )
    forget_cached_roles(user)
    return ra


def do_grant_role(*, acting_user: Any, user: User, role: str, region: Region | None) -> RoleAssignment:
    """Give a user a role on a region subtree."""
    if not can_grant(acting_user, role, region):
        raise Forbidden("您无权授予该角色")
    with transaction.atomic():
        return _grant(acting_user, user, role, region)


def do_revoke_role(*, acting_user: Any, assignment: RoleAssignment) -> None:
    """Take a role away."""
    if not can_grant(acting_user, assignment.role, assignment.region):
        raise Forbidden("您无权撤销该角色")
    with transaction.atomic():
        record(
            actor=acting_user,
            action="role.revoke",
            obj=assignment,
            object_repr=f"{assignment.user.username} · {assignment}",
            region_code=assignment.region.code if assignment.region else "",
            before=_role_snapshot(assignment),
        )
        user = assignment.user
        assignment.delete()
        if (
            assignment.role == Role.ADMIN
            and not RoleAssignment.objects.filter(user=user, role=Role.ADMIN).exists()
        ):
            user.is_staff = False
            user.save(update_fields=["is_staff"])
        forget_cached_roles(user)


def _may_manage_user(acting_user: Any, user: User) -> bool:
    return is_admin(acting_user) or getattr(acting_user, "pk", None) == user.pk


def do_set_password(*, acting_user: Any, user: User, password: str, keep_session: str | None = None) -> None:
    """Set a new password (policy applies) and end the user's other sessions."""
    if not _may_manage_user(acting_user, user):
        raise Forbidden("您无权修改该用户的密码")
    _check_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        record(
            actor=acting_user,
            action="user.set_password",
            obj=user,
            after={"username": user.username, "password": "（已修改）"},
        )
        _revoke_sessions(user, keep=keep_session)


def do_deactivate_user(*, acting_user: Any, user: User) -> None:
    """Disable a user: no login, no tokens, no sessions."""
    if not is_admin(acting_user):
        raise Forbidden("只有系统管理员可以停用用户")
    with transaction.atomic():
        user.is_active = False
        user.save(update_fields=["is_active"])
        ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
        _revoke_sessions(user)
        record(
            actor=acting_user,
            action="user.deactivate",
            obj=user,
            before={"is_active": True},
            after={"is_active": False},
        )


# ---------------------------------------------------------------- sessions


def list_sessions(user: User) -> list[UserSession]:
    """The user's live sessions, newest first (expired or vanished ones are dropped from the registry)."""
    entries = list(UserSession.objects.filter(user=user))
    live = set(
        Session.objects.filter(
            session_key__in=[e.session_key for e in entries], expire_date__gt=timezone.now()
        ).values_list("session_key", flat=True)
    )
    stale = [e.pk for e in entries if e.session_key not in live]
    if stale:
        UserSession.objects.filter(pk__in=stale).delete()
    return [e for e in entries if e.session_key in live]


def _revoke_sessions(user: User, keep: str | None = None) -> int:
    keys = list(
        UserSession.objects.filter(user=user)
        .exclude(session_key=keep or "")
        .values_list("session_key", flat=True)
    )
    Session.objects.filter(session_key__in=keys).delete()
    UserSession.objects.filter(session_key__in=keys).delete()
    return len(keys)


def do_revoke_session(*, acting_user: Any, user: User, session_key: str) -> None:
    """End one session of a user (they are logged out on their next request)."""
    if not _may_manage_user(acting_user, user):
        raise Forbidden("您无权结束该用户的会话")
    with transaction.atomic():
        entry = UserSession.objects.filter(user=user, session_key=session_key).first()
        if entry is None:
            raise ActionError("会话不存在或已结束")
        Session.objects.filter(session_key=session_key).delete()
        entry.delete()
        record(
            actor=acting_user,
            action="session.revoke",
            obj=user,
            after={"username": user.username, "ip": entry.ip, "started": entry.created_at},
        )


def do_revoke_all_sessions(*, acting_user: Any, user: User) -> int:
    """End every session of a user; returns how many."""
    if not _may_manage_user(acting_user, user):
        raise Forbidden("您无权结束该用户的会话")
    with transaction.atomic():
        n = _revoke_sessions(user)
        record(
            actor=acting_user,
            action="session.revoke_all",
            obj=user,
            after={"username": user.username, "count": n},
        )
        return n


# ---------------------------------------------------------------- API tokens


def do_create_api_token(
    *, acting_user: Any, user: User, name: str, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """Create an API token; the plain text is returned once and never stored."""
    if not _may_manage_user(acting_user, user):
        raise Forbidden("您无权为该用户创建令牌")
    if not name.strip():
        raise ActionError("请为令牌填写名称（例如用途）")
    raw = security.new_token_text()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name.strip()[:100],
            prefix=raw[len(security.TOKEN_PREFIX) :][:8],
            key_hash=security.hash_token(raw),
            expires_at=expires_at,
        )
        record(
            actor=acting_user,
            action="token.create",
            obj=token,
            after={
                "user": user.username,
                "name": token.name,
                "prefix": token.prefix,
                "expires_at": expires_at,
            },
        )
    return token, raw


def do_revoke_api_token(*, acting_user: Any, token: ApiToken) -> None:
    """Revoke an API token at once."""
    if not _may_manage_user(acting_user, token.user):
        raise Forbidden("您无权撤销该令牌")
    with transaction.atomic():
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            record(
                actor=acting_user,
                action="token.revoke",
                obj=token,
                after={"user": token.user.username, "prefix": token.prefix},
            )
