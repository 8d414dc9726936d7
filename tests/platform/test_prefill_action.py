"""Prefilling from a report is one action in one transaction: all figures saved, or none."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lvzhi.audit.models import AuditRecord
from lvzhi.evaluations import actions
from lvzhi.evaluations.errors import ValidationFailed
from lvzhi.evaluations.models import DataValue, State

pytestmark = pytest.mark.django_db


def prefill(cast, *figures):
    return actions.do_prefill_values(
        acting_user=cast.jia1_filler,
        evaluation=cast.jia1,
        figures=[actions.Prefill(code, Decimal(v), f"报告称{code}为{v}。") for code, v in figures],
        source_document="甲市一县自评报告",
    )


def test_figures_are_saved_unconfirmed_with_their_sentence_and_a_persons_value_is_kept(cast):
    cast.advance(cast.jia1, State.FILLING)
    actions.do_save_value(
        acting_user=cast.jia1_filler,
        evaluation=cast.jia1,
        item_code="edu_gpb_spending",
        value="120",
        expected_version=None,
    )
    outcome = prefill(cast, ("edu_gpb_spending", "99"), ("kg_public_share", "51.5"))
    assert outcome.written == ["kg_public_share"] and outcome.kept == ["edu_gpb_spending"]
    dv = DataValue.objects.get(evaluation=cast.jia1, item_code="kg_public_share")
    assert (dv.value, dv.confirmed, dv.source) == (Decimal("51.5"), False, "prefill")
    assert dv.source_sentence == "报告称kg_public_share为51.5。" and dv.source_document == "甲市一县自评报告"
    assert DataValue.objects.get(evaluation=cast.jia1, item_code="edu_gpb_spending").value == 120


def test_one_refused_figure_writes_nothing_and_the_error_names_it(cast):
    cast.advance(cast.jia1, State.FILLING)
    records = AuditRecord.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        prefill(cast, ("edu_gpb_spending", "99"), ("kg_public_share", "151"))
    assert [i.code for i in refused.value.issues] == ["kg_public_share"]
    assert "不能大于 100" in refused.value.issues[0].message
    assert not DataValue.objects.filter(evaluation=cast.jia1).exists()
    assert AuditRecord.objects.count() == records
