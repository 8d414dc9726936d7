"""Security tests use the platform's fixed cast (tests/platform/conftest.py), loaded by path under its own name.

Files written by a test (evidence, backups, logs) go to the test's own temporary directory.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

_spec = importlib.util.spec_from_file_location(
    "lvzhi_platform_cast", Path(__file__).resolve().parents[1] / "platform" / "conftest.py"
)
assert _spec is not None and _spec.loader is not None
platform_cast = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = platform_cast  # dataclasses look their module up there
_spec.loader.exec_module(platform_cast)


@pytest.fixture
def cast(db: Any) -> Any:
    """The fixed cast of regions, users, scheme version and round (see tests/platform/conftest.py)."""
    return platform_cast.build_cast()


@pytest.fixture(autouse=True)
def media_in_tmp(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


def login(client: Any, user: Any) -> Any:
    client.force_login(user)
    return client
