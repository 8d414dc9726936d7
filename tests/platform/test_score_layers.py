"""A scheme declaring score layers chooses a manual leaf's final score among the self-score and the
reviewer's score by its own rule (here their mean), instead of the reviewer's score alone."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from lvzhi.evaluations import actions
from lvzhi.evaluations.models import ItemScore, State

pytestmark = pytest.mark.django_db

SMALL = (Path(__file__).parent / "schemes" / "small-county.yaml").read_text(encoding="utf-8")
LAYERED = (
    SMALL.replace("id: test-small-county", "id: test-layers-county")
    + """score_layers:
  layers: [{code: expert, name: 专家评审}, {code: self, name: 自评}]
  final: mean
"""
)


def reviewed(cast, text, name):  # type: ignore[no-untyped-def]
    sv = actions.do_create_scheme_version(acting_user=cast.admin, yaml_text=text, source_name=f"{name}.yaml")
    r = cast.regions
    rnd = actions.do_open_round(
        acting_user=cast.prov_office,
        scheme_version=sv,
        year=2025,
        name=name,
        owner_region=r["示范省"],
        regions=[r["甲市一县"]],
    )
    actions.do_assign_expert(
        acting_user=cast.prov_office, round=rnd, region=r["甲市一县"], expert=cast.expert
    )
    ev = cast.advance(rnd.evaluations.get(region=r["甲市一县"]), State.REVIEWING)
    row = ItemScore.objects.get(evaluation=ev, indicator_code="1.1")
    assert row.self_score == 5
    actions.do_set_review(
        acting_user=cast.expert,
        evaluation=ev,
        indicator_code="1.1",
        score="3",
        comment="会议纪要只有两次",
        expected_version=row.version,
    )
    return ItemScore.objects.get(evaluation=ev, indicator_code="1.1")


def test_without_layers_the_reviewer_s_score_counts(cast):
    assert (
        reviewed(cast, SMALL.replace("id: test-small-county", "id: test-small-2"), "无评分层").final_score
        == 3
    )


def test_with_layers_the_scheme_s_rule_chooses_among_self_and_reviewer_scores(cast):
    row = reviewed(cast, LAYERED, "评分层取平均")
    assert row.final_score == Decimal(4)  # mean of 自评 5 and 专家评审 3
    assert "专家评审 3、自评 5 → 取平均 4/5" in row.explanation
