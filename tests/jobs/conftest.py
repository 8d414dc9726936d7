"""Job tests use the platform tests' cast (tests/platform/conftest.py), loaded under its own module name."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

_spec = importlib.util.spec_from_file_location(
    "platform_cast", Path(__file__).parents[1] / "platform" / "conftest.py"
)
assert _spec is not None and _spec.loader is not None
platform_cast = importlib.util.module_from_spec(_spec)
sys.modules["platform_cast"] = platform_cast  # dataclasses look their module up while being built
_spec.loader.exec_module(platform_cast)


@pytest.fixture
def cast(db: Any) -> Any:
    """The fixed cast of regions, users, scheme version and round, 甲市一县 and 甲市二县 填报中."""
    c = platform_cast.build_cast()
    for ev in (c.jia1, c.jia2):
        c.advance(ev, "填报中")
    return c


@pytest.fixture(autouse=True)
def media_in_tmp(settings: Any, tmp_path: Path) -> None:
    """Uploaded inputs and produced zips go to a temporary folder, not the checkout's var/."""
    settings.MEDIA_ROOT = tmp_path / "media"
