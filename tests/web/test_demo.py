"""The demo builder: real seed material plus a reproducible synthetic province, every role and state."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lvzhi.demo import synthetic


def test_synthetic_province_is_the_same_on_every_run():
    first = synthetic.build_province([2023, 2024])
    second = synthetic.build_province([2023, 2024])
    assert first.values == second.values
    assert len(first.counties) == 100
    assert len({c.code for c in first.counties}) == 100


def test_synthetic_figures_are_plausible_and_sometimes_break_the_spending_rule():
    p = synthetic.build_province([2023, 2024])
    shares = [v["kg_public_share"] for v in p.values[2024].values()]
    assert all(Decimal(0) <= s <= Decimal(100) for s in shares)
    assert min(shares) < 50 < max(shares), "the 50% threshold should split the counties"
    cuts = [
        c
        for c in p.values[2024]
        if p.values[2024][c]["edu_gpb_spending"] < p.values[2023][c]["edu_gpb_spending"]
    ]
    assert 0 < len(cuts) < 50, "some counties, not most, cut their education spending"
    for v in p.values[2024].values():
        assert v["large_classes"] <= v["classes_total"]
        assert v["hazards_fixed"] <= v["hazards_found"]


@pytest.mark.django_db
def test_small_demo_has_every_role_state_and_prefilled_seed_values(small_demo):
    from lvzhi.accounts.models import Role, RoleAssignment
    from lvzhi.evaluations.models import DataValue, Evaluation, Source, State

    manifest = small_demo
    roles = set(RoleAssignment.objects.values_list("role", flat=True))
    assert roles == {Role.ADMIN, Role.OFFICE, Role.EXPERT, Role.FILLER, Role.VIEWER}
    assert {u["username"] for u in manifest["users"]} >= {
        "admin",
        "sheng_office",
        "expert",
        "xian1_filler",
        "hlj_filler",
    }
    current = Evaluation.objects.filter(round__year=2024, region__code__startswith="99")
    states = set(current.values_list("state", flat=True))
    assert states == set(State.values), "the current round shows every workflow state"
    history = Evaluation.objects.filter(round__year=2023, region__code__startswith="99")
    assert history.exists() and all(e.state == State.PUBLISHED for e in history)
    seeded = DataValue.objects.filter(evaluation__region__code="239901", source=Source.PREFILL)
    assert seeded.count() >= 10
    assert all(v.source_sentence and not v.confirmed for v in seeded)
    share = seeded.get(item_code="kg_public_share")
    assert share.value == Decimal("56.1") and "56.1%" in share.source_sentence
