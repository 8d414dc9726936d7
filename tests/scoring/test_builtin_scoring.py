"""Every built-in scheme compiles and scores any region without crashing: empty, full, and all zeros."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lvzhi.schemes import builtin_catalogue, list_builtin, load_builtin
from lvzhi.scoring import (
    MANUAL_PENDING,
    SCORED,
    UNSCORED,
    ManualScore,
    RegionInput,
    compile_scheme,
    results_to_json,
)


@pytest.mark.parametrize("scheme_id", list_builtin())
def test_built_in_scheme_scores_empty_full_and_zero_regions(scheme_id):
    scheme = load_builtin(scheme_id)
    catalogue = builtin_catalogue()
    plain = [code for code, item in catalogue.items.items() if item.formula is None]
    full = {code: Decimal(1) if catalogue.items[code].is_boolean else Decimal(50) for code in plain}
    zeros = dict.fromkeys(plain, Decimal(0))
    manual = {
        leaf.code: ManualScore(level=leaf.rule.levels[0][0], justification="测试", evidence=("x",))
        for leaf in scheme.leaves()
        if leaf.rule and leaf.rule.kind == "manual"
    }
    regions = [
        RegionInput("empty"),
        RegionInput("full", values=full, previous=full, manual=manual),
        RegionInput("zeros", values=zeros, previous=zeros),
    ]
    empty, filled, zero = compile_scheme(scheme).score(regions)
    reads_data = {
        leaf.code for leaf in scheme.leaves() if leaf.rule and any(f.names for f in leaf.rule.formulas())
    }
    for it in empty.items:
        if it.kind == "leaf" and (it.code in reads_data or it.code in manual):
            assert it.status in (UNSCORED, MANUAL_PENDING), (it.code, it.explanation)
    assert empty.grade is None or any(c.triggered for c in empty.conditions)
    assert all(it.status == SCORED for it in filled.items if it.kind == "leaf"), [
        (it.code, it.explanation) for it in filled.items if it.status != SCORED
    ]
    for result in (empty, filled, zero):
        for it in result.items:
            assert it.explanation  # every item explains itself
            assert it.score is None or Decimal(0) <= it.score <= it.points or it.kind == "group"
    assert results_to_json(scheme, [empty, filled, zero])["scheme"] == scheme_id
