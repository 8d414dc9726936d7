"""Login throttling, the password policy, API token hashing and the session registry helpers."""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.password_validation import CommonPasswordValidator, MinimumLengthValidator
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from lvzhi.accounts.models import ApiToken, LoginFailure, User, UserSession
from lvzhi.site.action_errors import visible_count

TOKEN_PREFIX = "lvz_"


def max_failures() -> int:
    """Failures of one username from one client address that lock that pair."""
    return int(getattr(settings, "LVZHI_LOGIN_MAX_FAILURES", 5))


def max_failures_per_ip() -> int:
    """Failures from one client address, whatever the usernames, that lock the address (password spraying)."""
    return int(getattr(settings, "LVZHI_LOGIN_MAX_FAILURES_PER_IP", 20))


def lock_seconds() -> int:
    return int(getattr(settings, "LVZHI_LOGIN_LOCK_SECONDS", 900))


def _trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for entry in getattr(settings, "LVZHI_TRUSTED_PROXIES", []):
        try:
            if ip in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


FORWARDED_HEADERS = (
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_FORWARDED",
)


class TrustedProxyMiddleware:
    """The client's address and scheme, believing forwarded headers only from LVZHI_TRUSTED_PROXIES.

    From a trusted proxy, REMOTE_ADDR becomes the right-most X-Forwarded-For address that is not itself a
    trusted proxy (addresses further left were written by the client and prove nothing). From anyone else,
    the forwarded headers are removed, so neither the login throttle nor SECURE_PROXY_SSL_HEADER can be
    fooled by a client writing them itself.
    """

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        meta = request.META
        if _trusted(str(meta.get("REMOTE_ADDR", ""))):
            hops = [h.strip() for h in str(meta.get("HTTP_X_FORWARDED_FOR", "")).split(",") if h.strip()]
            while hops and _trusted(hops[-1]):
                hops.pop()
            if hops:
                meta["REMOTE_ADDR"] = hops[-1]
        else:
            for header in FORWARDED_HEADERS:
                meta.pop(header, None)
        return self.get_response(request)


class IdleSessionMiddleware:
    """A logged-in session ends SESSION_COOKIE_AGE seconds after its last request (idle timeout).

    Django fixes a session's expiry when the session is saved. Saving it on every request would write the
    database on every request (htmx pages make many); instead a session is saved again — moving its expiry
    and its cookie's forward — once its last refresh is older than a twentieth of the idle time.
    """

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and session.get("_auth_user_id"):
            now = int(time.time())
            step = max(1, int(settings.SESSION_COOKIE_AGE) // 20)
            if now - int(session.get("_lvzhi_seen", 0)) >= step:
                session["_lvzhi_seen"] = now
        return response


def client_ip(request: Any) -> str:
    """The client address (after TrustedProxyMiddleware: the real client behind a trusted proxy)."""
    if request is None:
        return ""
    return str(request.META.get("REMOTE_ADDR", ""))[:64]


def _since() -> Any:
    return timezone.now() - timedelta(seconds=lock_seconds())


def recent_failures(username: str, ip: str) -> int:
    """Failed logins for this username from this address within the lock window."""
    return LoginFailure.objects.filter(username=username.lower(), ip=ip, at__gte=_since()).count()


def recent_failures_from(ip: str) -> int:
    """Failed logins from this address, for any username, within the lock window."""
    return LoginFailure.objects.filter(ip=ip, at__gte=_since()).count()


def lock_reason(username: str, ip: str) -> str | None:
    """Why logins of this username from this address are refused right now, or None.

    Locks expire by themselves: only failures within the last LVZHI_LOGIN_LOCK_SECONDS count. Keying on
    (username, client address) means an attacker cannot lock someone out for everyone — other addresses
    still log in — and the per-address count stops one address from trying passwords across many users.
    """
    minutes = max(1, lock_seconds() // 60)
    if recent_failures(username, ip) >= max_failures():
        return f"登录失败次数过多，该账户已在此地址暂时锁定，请 {minutes} 分钟后再试。"
    if ip and recent_failures_from(ip) >= max_failures_per_ip():
        return f"此地址登录失败次数过多，已暂时锁定，请 {minutes} 分钟后再试。"
    return None


def is_locked(username: str, ip: str) -> bool:
    """True when too many recent failures block further attempts for this username + IP (or this IP)."""
    return lock_reason(username, ip) is not None


def note_failure(username: str, ip: str) -> None:
    """Count one failed login; the failure that starts a lock-out is written to the audit log."""
    from lvzhi.audit.services import record

    name = username.lower()[:150]
    with transaction.atomic():
        LoginFailure.objects.create(username=name, ip=ip)
        pair, per_ip = recent_failures(name, ip), recent_failures_from(ip) if ip else 0
        scope = "账户+地址" if pair == max_failures() else "地址" if per_ip == max_failures_per_ip() else None
        if scope is None:
            return
        until = timezone.now() + timedelta(seconds=lock_seconds())
        user = User.objects.filter(username__iexact=name).first()
        record(
            actor=None,
            action="login.lockout",
            obj=user,
            object_type="accounts.user",
            object_id=str(user.pk) if user else "",
            object_repr=name,
            after={"username": name, "ip": ip, "scope": scope, "until": until, "failures": max(pair, per_ip)},
        )


def clear_failures(username: str, ip: str) -> None:
    """Forget this username's failures from this address after a successful login."""
    LoginFailure.objects.filter(username=username.lower(), ip=ip).delete()


class ThrottledModelBackend(ModelBackend):
    """Django's model backend, refusing to even check the password while the username+IP is locked."""

    def authenticate(
        self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        reason = lock_reason(username, client_ip(request)) if username is not None else None
        if reason is not None:
            # PermissionDenied stops Django's backend loop and fires user_login_failed.
            raise PermissionDenied(reason)
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None and username is not None:
            clear_failures(username, client_ip(request))
        return user

    # The 系统管理员 role is what grants the Django admin's model permissions (not Django's own flags).
    def _is_system_admin(self, user_obj: Any) -> bool:
        from lvzhi.accounts.scoping import is_admin

        return is_admin(user_obj)

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        return self._is_system_admin(user_obj) or super().has_perm(user_obj, perm, obj)

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        return self._is_system_admin(user_obj) or super().has_module_perms(user_obj, app_label)


class CharacterClassValidator:
    """Password policy: letters and digits both present (length and common-password checks are Django's)."""

    def validate(self, password: str, user: Any = None) -> None:
        has_letter = any(c.isalpha() for c in password)
        has_digit = any(c.isdigit() for c in password)
        if not (has_letter and has_digit):
            raise ValidationError("密码必须同时包含字母和数字。", code="password_character_classes")

    def get_help_text(self) -> str:
        return "密码必须同时包含字母和数字。"


def hash_token(raw: str) -> str:
    # Tokens are 256-bit random strings, so a plain sha256 is enough (no salt/stretching needed).
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def new_token_text() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def authenticate_token(raw: str) -> User | None:
    """The active user owning this unrevoked, unexpired token, or None."""
    if not raw or not raw.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_token(raw), revoked_at__isnull=True)
        .first()
    )
    now = timezone.now()
    if (
        token is None
        or (token.expires_at is not None and token.expires_at <= now)
        or not token.user.is_active
    ):
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def register_session(user: User, request: Any) -> None:
    """Remember a new login session of the user so it can be listed and revoked."""
    key = request.session.session_key if request is not None and hasattr(request, "session") else None
    if not key:
        return
    UserSession.objects.update_or_create(
        session_key=key,
        defaults={
            "user": user,
            "ip": client_ip(request),
            "user_agent": str(request.META.get("HTTP_USER_AGENT", ""))[:255],
        },
    )


def forget_session(session_key: str | None) -> None:
    if session_key:
        UserSession.objects.filter(session_key=session_key).delete()


class ChineseMinimumLengthValidator(MinimumLengthValidator):
    """Django's minimum length check counting only visible characters, the message in Chinese.

    Spaces and zero-width characters add length without adding anything to guess: 'a1' followed by eight
    spaces, or nine U+200B and 'a1', are two-character passwords.
    """

    def validate(self, password: str, user: Any = None) -> None:
        if visible_count(password) < self.min_length:
            raise ValidationError(self.get_error_message(), code="password_too_short")

    def get_error_message(self) -> str:
        return f"密码太短，至少需要 {self.min_length} 个可见字符（空格和不可见字符不计）。"

    def get_help_text(self) -> str:
        return f"密码至少需要 {self.min_length} 个可见字符。"


# The password `lvzhi demo` prints for every demo account: public, so never acceptable for a real account.
PUBLISHED_PASSWORDS = frozenset({"lvzhidemo2024"})


class ChineseCommonPasswordValidator(CommonPasswordValidator):
    """Django's list of 20,000 common passwords plus the ones we published, compared on the visible characters."""

    def validate(self, password: str, user: Any = None) -> None:
        seen = "".join(ch for ch in password if visible_count(ch)).lower()
        if seen in self.passwords or seen in PUBLISHED_PASSWORDS:
            raise ValidationError("这个密码太常见（或已公开），请换一个。", code="password_too_common")

    def get_help_text(self) -> str:
        return "密码不能是常见密码或已公开的演示密码。"
