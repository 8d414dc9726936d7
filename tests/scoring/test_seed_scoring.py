"""The statutory scheme on the seed regions' stated figures: which rules hold, fail, or cannot be judged."""

from __future__ import annotations

from pathlib import Path

import pytest

from lvzhi.schemes import load_builtin
from lvzhi.scoring import SCORED, UNSCORED, compile_scheme, read_data

SEED_DATA = Path(__file__).resolve().parents[2] / "src" / "lvzhi" / "data" / "seeds"


@pytest.fixture(scope="module")
def statutory():
    return load_builtin("statutory")


def item_reading(result, code):
    """The leaf whose rule reads the data item `code`."""
    return next(it for it in result.items if it.kind == "leaf" and any(i.code == code for i in it.inputs))


def test_zhaotong_public_kindergarten_share_fails_the_50_percent_rule(statutory):
    data = read_data(SEED_DATA / "yunnan-zhaotong-2024.json", statutory.catalogue)
    (result,) = compile_scheme(statutory).score(data.regions)
    kg = item_reading(result, "kg_public_share")
    assert kg.status == SCORED and kg.score == 0
    assert kg.explanation.startswith("公办园在园幼儿占比 39.66% < 50% → 0/")


def test_every_seed_region_gets_held_failed_and_unjudged_rules_never_a_silent_zero(statutory):
    scorer = compile_scheme(statutory)
    files = sorted(SEED_DATA.glob("*.json"))
    assert len(files) == 5
    for path in files:
        (result,) = scorer.score(read_data(path, statutory.catalogue).regions)
        leaves = [it for it in result.items if it.kind == "leaf"]
        assert any(it.status == SCORED for it in leaves), path.name
        for it in leaves:
            if it.status == UNSCORED:
                assert it.score is None and it.explanation.startswith("无法评分："), (path.name, it.code)
            else:
                assert "→" in it.explanation
