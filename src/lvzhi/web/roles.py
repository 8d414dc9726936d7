"""What each role sees in the navigation, and how a user's roles are named on the page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from lvzhi.accounts.models import Role
from lvzhi.accounts.scoping import has_role, is_admin


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    current: bool


def role_label(user: Any) -> str:
    """The user's roles in Chinese, most powerful first (e.g. 督导办 · 专家)."""
    if is_admin(user):
        return Role.ADMIN.label
    order = [Role.OFFICE, Role.EXPERT, Role.FILLER, Role.VIEWER]
    labels = [str(r.label) for r in order if has_role(user, r)]
    return " · ".join(labels) or "无角色"


def nav_items(request: HttpRequest) -> list[NavItem]:
    """The pages this user can use, in the order of the yearly cycle."""
    user = request.user
    entries: list[tuple[str, str]] = [("工作台", reverse("web:home")), ("方案", reverse("web:schemes"))]
    entries.append(("评价轮次", reverse("web:rounds")))
    entries.append(("对比分析", reverse("web:analysis")))
    entries.append(("满意度调查", reverse("surveys:list")))
    entries.append(("整改", reverse("web:rectification")))
    if is_admin(user) or has_role(user, Role.OFFICE, Role.EXPERT):
        entries.append(("可信度", reverse("web:credibility")))
    from lvzhi.notifications.services import unread_count

    unread = unread_count(user)
    entries.append((f"消息（{unread}）" if unread else "消息", reverse("web:inbox")))
    entries.append(("报告阅读", reverse("web:reader")))
    entries.append(("任务", reverse("jobs:list")))
    entries.append(("审计日志", reverse("web:audit")))
    entries.append(("公开结果", reverse("web:public")))
    if is_admin(user) or getattr(user, "is_staff", False):
        entries.append(("管理", reverse("admin:index")))
    path = request.path
    return [
        NavItem(label, url, path == url or (url != "/" and path.startswith(url))) for label, url in entries
    ]


def context(request: HttpRequest) -> dict[str, Any]:
    """Template context processor: navigation and role label for signed-in users."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav_items": nav_items(request), "role_label": role_label(user)}
