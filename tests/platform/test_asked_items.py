"""Which statistics an evaluation asks for is decided once: the data page and the Excel template agree."""

from __future__ import annotations

from pathlib import Path

import pytest

from lvzhi.entry.services import item_codes_for, item_rules
from lvzhi.evaluations import gateway
from lvzhi.schemes.registry import builtin_files

pytestmark = pytest.mark.django_db
SCHEMES = Path(__file__).parent / "schemes"


@pytest.mark.parametrize("scheme", ["small-county.yaml", "rank-county.yaml", "evidence-county.yaml"])
def test_the_excel_template_lists_exactly_the_items_the_data_page_asks_for(cast, scheme):
    rnd = cast.open_test_round(scheme, f"{scheme} 轮次", counties=("甲市一县",))
    ev = rnd.evaluations.get()
    on_page = item_codes_for(ev)
    assert on_page, "an evaluation asks for some statistics"
    assert [rule.code for rule in item_rules(rnd)] == on_page


def test_a_scheme_of_manual_indicators_only_still_asks_for_the_enterable_statistics(cast):
    text = (SCHEMES / "evidence-county.yaml").read_text(encoding="utf-8")
    asked = gateway.asked_items(text)
    assert gateway.scheme_info(text).item_codes == ()
    assert {it.code for it in asked} == {c for c, it in gateway.catalogue().items() if it.formula is None}


@pytest.mark.parametrize("scheme_id", sorted(builtin_files()))
def test_every_builtin_scheme_asks_for_entered_items_only_never_a_computed_one(scheme_id):
    text = builtin_files()[scheme_id].read_text(encoding="utf-8")
    asked = gateway.asked_items(text)
    assert asked and all(it.formula is None for it in asked)
    assert {it.code for it in asked} >= set(gateway.scheme_info(text).item_codes) & {
        c for c, it in gateway.catalogue().items() if it.formula is None
    }
