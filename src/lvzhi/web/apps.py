"""Django app configuration of the web interface."""

from __future__ import annotations

from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "lvzhi.web"
    label = "web"
    verbose_name = "网页界面"
