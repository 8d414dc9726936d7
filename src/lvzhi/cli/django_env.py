"""Starts Django for CLI commands that need the database (engines' commands never import this)."""

from __future__ import annotations

import os


def setup_django() -> None:
    """Configure settings and load the apps, once."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lvzhi.site.settings")
    import django

    django.setup()
