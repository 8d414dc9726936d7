"""What data entry refuses or asks about so a county clerk cannot go wrong silently: implausible changes from
last year, emptied scored items, missing last-year figures, invisible justifications; prefills confirmed in one
reviewed batch."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lvzhi.audit.models import AuditRecord
from lvzhi.evaluations import actions, gateway
from lvzhi.evaluations.errors import EditConflict, ImplausibleChange, ValidationFailed
from lvzhi.evaluations.models import DataValue, Source, State
from lvzhi.evaluations.validation import change_tolerance, implausible_change

pytestmark = pytest.mark.django_db


@pytest.fixture
def filling(cast):
    cast.advance(cast.jia1, State.FILLING)
    return cast


def save(cast, code, value, version=None, **kw):
    return actions.do_save_value(
        acting_user=cast.jia1_filler,
        evaluation=cast.jia1,
        item_code=code,
        value=value,
        expected_version=version,
        **kw,
    )


def test_a_figure_ten_times_last_years_is_saved_only_once_confirmed(filling):
    gdp = gateway.catalogue()["gdp"]
    assert change_tolerance(gdp) == Decimal(30)  # the item's own tolerance, from the catalogue
    before = AuditRecord.objects.count()
    with pytest.raises(ImplausibleChange) as refused:
        save(filling, "gdp", "31468710", prev_value="3089491")
    assert (
        "地区生产总值" in str(refused.value)
        and "±30%" in str(refused.value)
        and "gdp" not in str(refused.value)
    )
    assert not DataValue.objects.filter(item_code="gdp").exists() and AuditRecord.objects.count() == before
    dv, _ = save(filling, "gdp", "31468710", prev_value="3089491", confirm_change=True)
    assert dv.value == Decimal("31468710") and dv.prev_value == Decimal("3089491")
    assert AuditRecord.objects.latest("seq").after["change_confirmed"] is True
    # Within the tolerance nothing is asked.
    dv, _ = save(filling, "gdp", "3300000", version=dv.version)
    assert dv.value == Decimal("3300000")


@pytest.mark.parametrize(
    ("now", "last", "flagged"),
    [
        ("130", "100", False),
        ("131", "100", True),
        ("77", "100", False),
        ("76", "100", True),
        ("5", "0", False),
    ],
)
def test_the_tolerance_is_symmetric_as_a_factor(now, last, flagged):
    gdp = gateway.catalogue()["gdp"]
    assert (implausible_change(gdp, Decimal(now), Decimal(last)) is not None) is flagged


def test_rates_and_yes_no_items_have_no_default_tolerance():
    cat = gateway.catalogue()
    assert change_tolerance(cat["kg_public_share"]) is None
    assert change_tolerance(cat["edu_gpb_spending_growth"]) is None
    assert change_tolerance(cat["kg_enrolment"]) is not None


def test_an_item_the_scheme_scores_with_cannot_be_emptied(filling):
    dv, _ = save(filling, "kg_public_share", "55")
    with pytest.raises(ValidationFailed, match="不能清空") as refused:
        save(filling, "kg_public_share", "", version=dv.version)
    assert "公办园在园幼儿占比" in str(refused.value) or "公办" in str(refused.value)
    assert DataValue.objects.get(pk=dv.pk).value == Decimal(55)
    # An item no rule reads may be emptied.
    other, _ = save(filling, "staff_total", "300")
    emptied, _ = save(filling, "staff_total", "", version=other.version)
    assert emptied.value is None


def test_submission_waits_for_last_years_figure_of_an_item_compared_with_last_year(filling):
    dv, _ = save(filling, "edu_gpb_spending", "120")
    filling.complete_self_assessment(filling.jia1)
    with pytest.raises(ValidationFailed) as refused:
        actions.do_submit(acting_user=filling.jia1_filler, evaluation=filling.jia1)
    assert any("缺少上年数值" in i.message and i.code == "edu_gpb_spending" for i in refused.value.issues)
    save(filling, "edu_gpb_spending", "120", version=dv.version, prev_value="110")
    actions.do_submit(acting_user=filling.jia1_filler, evaluation=filling.jia1)


@pytest.mark.parametrize("blank", ["   ", "\u3000\u3000", "\u200b\u200b", "\t\n"])
def test_a_justification_without_a_visible_character_is_refused(filling, blank):
    with pytest.raises(ValidationFailed, match="自评说明"):
        actions.do_set_self_score(
            acting_user=filling.jia1_filler,
            evaluation=filling.jia1,
            indicator_code="1.1",
            level="良",
            justification=blank,
            expected_version=None,
        )


def test_prefills_shown_together_are_confirmed_together_or_not_at_all(filling):
    a, _ = save(filling, "kg_public_share", "39.66", source=Source.PREFILL, source_sentence="占比39.66%。")
    b, _ = save(filling, "kg_inclusive_coverage", "85", source=Source.PREFILL, source_sentence="覆盖率85%。")
    # Someone changed one of them after the page was shown: nothing is confirmed.
    b2, _ = save(filling, "kg_inclusive_coverage", "86", version=b.version, source=Source.PREFILL)
    with pytest.raises(EditConflict) as conflict:
        actions.do_confirm_values(
            acting_user=filling.jia1_filler,
            evaluation=filling.jia1,
            versions={"kg_public_share": a.version, "kg_inclusive_coverage": b.version},
        )
    assert "普惠性幼儿园覆盖率" in str(conflict.value)
    assert not DataValue.objects.filter(confirmed=True, source=Source.PREFILL).exists()
    done = actions.do_confirm_values(
        acting_user=filling.jia1_filler,
        evaluation=filling.jia1,
        versions={"kg_public_share": a.version, "kg_inclusive_coverage": b2.version},
    )
    assert len(done) == 2 and all(dv.confirmed for dv in done)
    reprs = list(AuditRecord.objects.filter(action="value.confirm").values_list("object_repr", flat=True))
    assert len(reprs) == 2 and all("DataValue" not in r and "甲市一县" in r for r in reprs)
