"""Starts Django for CLI commands that need the database (engines' commands never import this)."""

from __future__ import annotations

import os
from pathlib import Path


def setup_django() -> None:
    """Configure settings and load the apps, once."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lvzhi.site.settings")
    import django

    django.setup()
    from django.conf import settings

    # The SQLite file and evidence files live under VAR_DIR; a new installation has none yet.
    Path(settings.VAR_DIR).mkdir(parents=True, exist_ok=True)
