"""A region's history for the risk list: one evaluation per year, the one whose round uses the same scheme."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db

SATISFACTION = Path(__file__).parents[1] / "surveys" / "schemes" / "satisfaction-county.yaml"


def test_a_later_round_of_another_scheme_the_same_year_does_not_hide_the_credibility_history(
    cast, over_scored
):
    from lvzhi.evaluations import actions
    from lvzhi.inspections.queries import region_facts

    other = actions.do_create_scheme_version(
        acting_user=cast.prov_office, yaml_text=SATISFACTION.read_text(encoding="utf-8"), source_name="s.yaml"
    )
    owner, jia1 = cast.round.owner_region, cast.regions["甲市一县"]
    actions.do_open_round(  # a survey pilot of 2024, opened after the year's evaluation
        acting_user=cast.prov_office,
        scheme_version=other,
        year=2024,
        name="满意度试点",
        owner_region=owner,
        regions=[jia1],
    )
    next_year = actions.do_open_round(
        acting_user=cast.prov_office,
        scheme_version=cast.round.scheme_version,
        year=2025,
        name="示范省2025年县级履职评价",
        owner_region=owner,
        regions=[jia1],
    )
    (facts,) = region_facts(next_year)
    # 2024's layers are those of the year's evaluation under the same scheme, where 甲市一县 rated itself 优
    # on 1.1 and the reviewer 差 — not the pilot's, which has none.
    assert {"self", "expert"} <= set(facts.layers_by_year[2024])
