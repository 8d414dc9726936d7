"""One message to one user about something they must act on."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Kind(models.TextChoices):
    ROUND_OPENED = "round_opened", "评价开始"
    RETURNED = "returned", "退回修改"
    ASSIGNED = "assigned", "评审任务"
    DUE_SOON = "due_soon", "即将截止"
    OVERDUE = "overdue", "催报"
    PUBLISHED = "published", "结果发布"
    EXTENDED = "extended", "填报延期"
    PROBLEM_DUE = "problem_due", "整改到期"
    PROBLEM_REFUSED = "problem_refused", "整改退回"


class Notification(models.Model):
    """A message in a user's 消息 inbox; `key` names the event so the same one is never sent twice."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20, choices=Kind.choices, verbose_name="类别")
    key = models.CharField(max_length=200, verbose_name="事件")
    title = models.CharField(max_length=200, verbose_name="标题")
    body = models.TextField(blank=True, verbose_name="内容")
    url = models.CharField(max_length=300, blank=True, verbose_name="链接")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True, verbose_name="已读时间")
    emailed_at = models.DateTimeField(null=True, blank=True, verbose_name="邮件发送时间")

    class Meta:
        ordering = ("-created_at", "-pk")
        verbose_name = "消息"
        verbose_name_plural = "消息"
        constraints = (models.UniqueConstraint(fields=["user", "key"], name="uniq_notification_event"),)

    def __str__(self) -> str:
        return self.title
