from __future__ import annotations

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "lvzhi.notifications"
    label = "notifications"
    verbose_name = "消息"
    default_auto_field = "django.db.models.BigAutoField"
