"""Survey tests use the platform's fixed cast (tests/platform/conftest.py), loaded by path under its own name,
and a round of a scheme that scores the satisfaction rate, opened by 甲市督导办 for 甲市一县 and 甲市二县."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
QUESTIONNAIRE = (
    HERE.parents[1] / "src" / "lvzhi" / "surveys" / "questionnaires" / "education-satisfaction.yaml"
)

_spec = importlib.util.spec_from_file_location(
    "lvzhi_platform_cast", HERE.parent / "platform" / "conftest.py"
)
assert _spec is not None and _spec.loader is not None
platform_cast = sys.modules.get(_spec.name) or importlib.util.module_from_spec(_spec)
if _spec.name not in sys.modules:
    sys.modules[_spec.name] = platform_cast  # dataclasses look their module up there
    _spec.loader.exec_module(platform_cast)


@pytest.fixture
def cast(db: Any) -> Any:
    return platform_cast.build_cast()


@pytest.fixture
def survey_round(cast: Any) -> Any:
    """A round whose scheme scores satisfaction_rate, both 甲市 counties filling."""
    from lvzhi.evaluations import actions
    from lvzhi.evaluations.models import State

    path = HERE / "schemes" / "satisfaction-county.yaml"
    sv = actions.do_create_scheme_version(
        acting_user=cast.prov_office, yaml_text=path.read_text(encoding="utf-8"), source_name=path.name
    )
    rnd = actions.do_open_round(
        acting_user=cast.jia_office,
        scheme_version=sv,
        year=2024,
        name="甲市2024年满意度测试轮次",
        owner_region=cast.regions["甲市"],
        regions=[cast.regions["甲市一县"], cast.regions["甲市二县"]],
    )
    for ev in rnd.evaluations.select_related("region", "round"):
        actions.do_start_filling(acting_user=cast.filler_for(ev), evaluation=ev)
    assert set(rnd.evaluations.values_list("state", flat=True)) == {State.FILLING}
    return rnd


@pytest.fixture
def open_survey(cast: Any, survey_round: Any) -> Any:
    """A survey of both counties, open from an hour ago for a week, 3 links per group."""
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from lvzhi.surveys.actions import do_open_survey

    now = timezone.now()
    return do_open_survey(
        acting_user=cast.jia_office,
        round=survey_round,
        regions=[cast.regions["甲市一县"], cast.regions["甲市二县"]],
        name="甲市2024年教育满意度调查",
        questionnaire_file=QUESTIONNAIRE.name,
        questionnaire_text=QUESTIONNAIRE.read_text(encoding="utf-8"),
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=7),
        margin=Decimal("0.05"),
        tokens_per_group=3,
    )
