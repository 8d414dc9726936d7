"""Inspection tests use the platform tests' cast (tests/platform/conftest.py), loaded under its own module name."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

if "platform_cast" not in sys.modules:
    _spec = importlib.util.spec_from_file_location(
        "platform_cast", Path(__file__).parents[1] / "platform" / "conftest.py"
    )
    assert _spec is not None and _spec.loader is not None
    _module = importlib.util.module_from_spec(_spec)
    sys.modules["platform_cast"] = _module  # dataclasses look their module up while being built
    _spec.loader.exec_module(_module)
platform_cast = sys.modules["platform_cast"]


@pytest.fixture
def cast(db: Any) -> Any:
    """The fixed cast: a province round of three counties (see tests/platform/conftest.py)."""
    return platform_cast.build_cast()


@pytest.fixture(autouse=True)
def media_in_tmp(settings: Any, tmp_path: Path) -> None:
    """Photos go to a temporary folder, not the checkout's var/."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def over_scored(cast: Any) -> Any:
    """甲市一县 in 审核中, having rated itself 优 on 1.1 where the reviewer gives 差; returns its evaluation."""
    from lvzhi.evaluations.actions import do_set_review
    from lvzhi.evaluations.models import ItemScore

    ev = cast.advance(cast.jia1, "审核中")
    row = ItemScore.objects.get(evaluation=ev, indicator_code="1.1")
    do_set_review(
        acting_user=cast.prov_office,
        evaluation=ev,
        indicator_code="1.1",
        comment="会议记录不全",
        expected_version=row.version,
        level="差",
    )
    return ev


PNG = b"\x89PNG\r\n\x1a\n" + bytes(32)


@pytest.fixture
def flagged_finding(cast: Any) -> Any:
    """甲市一县 reported a 公办园在园幼儿占比 of 60; inspectors verified 52 (tolerance 5 %), with a photo, and
    raised a problem for it. Returns the finding."""
    from datetime import date, timedelta
    from decimal import Decimal

    from lvzhi.evaluations.actions import do_save_value
    from lvzhi.inspections.actions import do_create_plan, do_record_finding

    cast.advance(cast.jia1, "填报中")
    do_save_value(
        acting_user=cast.jia1_filler,
        evaluation=cast.jia1,
        item_code="kg_public_share",
        value="60",
        expected_version=None,
    )
    plan = do_create_plan(
        acting_user=cast.prov_office,
        round=cast.round,
        name="春季督导",
        team="张三",
        starts_on=date(2024, 5, 6),
        ends_on=date(2024, 5, 8),
        regions=["990101"],
    )
    return do_record_finding(
        acting_user=cast.prov_office,
        visit=plan.visits.get(),
        description="公办园在园幼儿数与花名册不符",
        indicator_code="2.1",
        item_code="kg_public_share",
        verified_value=Decimal("52"),
        tolerance=Decimal(5),
        photos=[("花名册.png", PNG)],
        raise_problem=True,
        required_measure="据实更正数据并说明原因",
        deadline=date.today() + timedelta(days=60),
    )
