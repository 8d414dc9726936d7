"""The names a scheme reads, walked once (lvzhi.schemes.names) for the platform, the engine and the reader."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from lvzhi.schemes import builtin_catalogue, list_builtin, load_builtin, load_scheme
from lvzhi.schemes.names import entered_items, entered_items_of_earlier_years, names_read, scheme_formulas

HEADER = """\
id: names-test
title: 名称测试方案
issuer: 测试
level: 县
year: 2024
document: null
total: 30
grades:
  - {code: A, name: 优秀, min: 27}
  - {code: D, name: 不合格, min: 0}
bonus_cap: null
provenance:
  status: official
  sources: [{title: 测试}]
indicators:
"""


def scheme_of(tmp_path: Path, indicators: str):
    path = tmp_path / "names.yaml"
    path.write_text(HEADER + textwrap.dedent(indicators), encoding="utf-8")
    return load_scheme(path, builtin_catalogue())


def test_a_computed_item_is_read_with_the_entered_items_it_is_computed_from(tmp_path):
    scheme = scheme_of(
        tmp_path,
        """\
        - {code: "1", name: 预算占比, points: 10, rule: {kind: threshold, expr: edu_gpb_budget_share_calc, op: ">=", target: "15"}}
        - {code: "2", name: 教师数, points: 10, rule: {kind: threshold, expr: student_aid_funds, op: ">", target: "0"}}
        - {code: "3", name: 自评, points: 10, rule: {kind: manual}}
        """,
    )
    assert names_read(scheme) == {
        "edu_gpb_budget_share_calc",
        "edu_gpb_spending",
        "gpb_total_spending",
        "student_aid_funds",
    }
    assert entered_items(scheme) == {"edu_gpb_spending", "gpb_total_spending", "student_aid_funds"}
    assert entered_items_of_earlier_years(scheme) == set()


def test_items_read_inside_prev_growth_or_a_history_window_are_read_from_earlier_years(tmp_path):
    scheme = scheme_of(
        tmp_path,
        """\
        - {code: "1", name: 前年比较, points: 10, rule: {kind: threshold, expr: kg_public_share, op: ">", target: "prev(edu_gpb_spending, 2)"}}
        - {code: "2", name: 三年平均, points: 10, rule: {kind: threshold, expr: student_aid_funds, op: ">", target: "mean_years(per_student_gpb_kg, 3)"}}
        - {code: "3", name: 比例增长, points: 10, rule: {kind: threshold, expr: "growth(edu_gpb_budget_share_calc)", op: ">", target: "0"}}
        """,
    )
    assert entered_items_of_earlier_years(scheme) == {
        "edu_gpb_spending",
        "per_student_gpb_kg",
        "gpb_total_spending",
    }
    # This year's names are read too; kg_public_share and student_aid_funds only this year.
    assert {"kg_public_share", "student_aid_funds"} <= entered_items(scheme)


@pytest.mark.parametrize("scheme_id", list_builtin())
def test_every_builtin_scheme_reads_only_names_it_can_resolve_and_is_closed_under_its_computed_items(
    scheme_id,
):
    scheme = load_builtin(scheme_id)
    read = names_read(scheme)
    for name in read:
        definition = scheme.formula_of(name)
        assert definition is None or definition.names <= read
        assert definition is not None or name in scheme.catalogue, name
    assert entered_items(scheme) == {n for n in read if scheme.formula_of(n) is None}
    assert entered_items_of_earlier_years(scheme) <= entered_items(scheme)
    assert all(f.names <= read for f in scheme_formulas(scheme))
