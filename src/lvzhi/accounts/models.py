"""Users, their region-bound roles, login attempts, the session registry and API tokens."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "系统管理员"
    OFFICE = "office", "督导办"
    EXPERT = "expert", "专家"
    FILLER = "filler", "填报员"
    VIEWER = "viewer", "查看"


class User(AbstractUser):
    """A person; what they may do comes from their RoleAssignments, never from is_staff alone."""

    full_name = models.CharField(max_length=100, blank=True, verbose_name="姓名")

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_full_name(self) -> str:
        """The person's name as pages show it (full_name; the user name when none is recorded)."""
        return self.full_name.strip() or self.username


class RoleAssignment(models.Model):
    """One role of a user, bound to a region subtree (the system administrator's role has no region)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(max_length=10, choices=Role.choices, verbose_name="角色")
    region = models.ForeignKey(
        "regions.Region",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="区划",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "角色"
        verbose_name_plural = "角色"
        constraints = (
            models.UniqueConstraint(fields=["user", "role", "region"], name="uniq_role_per_region"),
            models.CheckConstraint(
                condition=models.Q(role="admin", region__isnull=True)
                | (~models.Q(role="admin") & models.Q(region__isnull=False)),
                name="role_region_presence",
            ),
        )

    def __str__(self) -> str:
        where = self.region.name if self.region is not None else "全部"
        return f"{self.get_role_display()}（{where}）"


class LoginFailure(models.Model):
    """A failed login, counted per username + IP to lock brute-force attempts."""

    username = models.CharField(max_length=150, db_index=True)
    ip = models.CharField(max_length=64, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "登录失败"
        verbose_name_plural = "登录失败"


class UserSession(models.Model):
    """The registry of a user's live sessions, so they can be listed and revoked one by one."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="session_entries"
    )
    session_key = models.CharField(max_length=40, unique=True)
    ip = models.CharField(max_length=64, blank=True)
    user_agent = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at",)
        verbose_name = "登录会话"
        verbose_name_plural = "登录会话"


class ApiToken(models.Model):
    """A bearer token for the API; only its sha256 is stored, the plain text is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, verbose_name="名称")
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API 令牌"
        verbose_name_plural = "API 令牌"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
