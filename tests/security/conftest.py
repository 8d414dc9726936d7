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


@pytest.fixture
def problem(cast: Any) -> Any:
    """A rectification problem the cast's expert raised on 甲市一县's evaluation (indicator 2.1)."""
    from datetime import date, timedelta

    from lvzhi.rectification.actions import do_raise_problem

    return do_raise_problem(
        acting_user=cast.expert,
        evaluation=cast.jia1,
        source="专家评审",
        indicator_code="2.1",
        description="公办园在园幼儿占比低于50%",
        evidence_ref="统计年报第3表",
        required_measure="新建公办幼儿园",
        deadline=date.today() + timedelta(days=90),
        severity="较重",
    )
