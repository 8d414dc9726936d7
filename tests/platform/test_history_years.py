"""A scheme reading the years before last is scored with the figures the region reported in those years."""

from __future__ import annotations

from pathlib import Path

from lvzhi.evaluations import actions
from lvzhi.evaluations.models import ItemScore

TEXT = (Path(__file__).parent / "schemes" / "history-county.yaml").read_text(encoding="utf-8")


def open_year(cast, sv, year):  # type: ignore[no-untyped-def]
    r = cast.regions
    rnd = actions.do_open_round(
        acting_user=cast.jia_office,
        scheme_version=sv,
        year=year,
        name=f"{year}年近三年经费",
        owner_region=r["甲市"],
        regions=[r["甲市一县"]],
    )
    return rnd.evaluations.get(region=r["甲市一县"])


def save(cast, ev, value):  # type: ignore[no-untyped-def]
    actions.do_start_filling(acting_user=cast.jia1_filler, evaluation=ev)
    actions.do_save_value(
        acting_user=cast.jia1_filler,
        evaluation=ev,
        item_code="edu_gpb_spending",
        value=value,
        expected_version=None,
    )


def test_a_three_year_average_reads_the_region_s_rounds_of_the_two_years_before(cast):
    sv = actions.do_create_scheme_version(
        acting_user=cast.prov_office, yaml_text=TEXT, source_name="history-county.yaml"
    )
    for year, value in ((2021, "90"), (2022, "100")):
        save(cast, open_year(cast, sv, year), value)
    current = open_year(cast, sv, 2023)
    save(cast, current, "120")
    row = ItemScore.objects.get(evaluation=current, indicator_code="1")
    assert row.auto_score == 10  # (120 + 100 + 90) / 3 ≥ 100


def test_without_the_year_before_last_the_item_says_which_year_is_missing(cast):
    sv = actions.do_create_scheme_version(
        acting_user=cast.prov_office, yaml_text=TEXT, source_name="history-county.yaml"
    )
    save(cast, open_year(cast, sv, 2022), "100")
    current = open_year(cast, sv, 2023)
    save(cast, current, "120")
    row = ItemScore.objects.get(evaluation=current, indicator_code="1")
    assert row.auto_score is None
    assert "缺少 2 年前的数据 一般公共预算教育经费" in row.explanation
