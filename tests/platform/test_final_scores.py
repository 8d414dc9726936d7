"""Score precedence is decided once: the stored final score of a leaf is what the engine counted for it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lvzhi.audit.models import AuditRecord
from lvzhi.evaluations import actions
from lvzhi.evaluations.models import ItemScore
from lvzhi.evidence.services import do_attach_evidence
from lvzhi.web.queries import radar

pytestmark = pytest.mark.django_db


@pytest.fixture
def county(cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    one, _ = cast.start_ranked(cast.open_test_round("rank-evidence-county.yaml", "终分测试"))
    return cast, one


def _self_score(cast, ev, code: str, level: str = "良") -> ItemScore:
    return actions.do_set_self_score(
        acting_user=cast.jia1_filler,
        evaluation=ev,
        indicator_code=code,
        level=level,
        justification="制度健全",
        expected_version=ItemScore.objects.get(evaluation=ev, indicator_code=code).version or None,
    )


def _attach(cast, ev, code: str) -> None:
    do_attach_evidence(
        acting_user=cast.jia1_filler,
        evaluation=ev,
        indicator_code=code,
        name=f"{code}.pdf",
        content=b"%PDF-1.4\n%" + code.encode() + b"\n",
    )


def test_a_self_scored_leaf_waiting_for_evidence_has_no_final_score_until_the_file_is_attached(county):
    cast, one = county
    row = _self_score(cast, one, "2")
    assert row.self_score == Decimal(4) and row.auto_status == "manual-pending"
    assert row.final_score is None  # the total does not count it yet either
    _attach(cast, one, "2")
    row.refresh_from_db()
    assert row.final_score == Decimal(4)


def test_the_final_scores_of_the_leaves_add_up_to_the_stored_total(county):
    cast, one = county
    for code in ("2", "3", "4", "5", "6", "7"):
        _self_score(cast, one, code, "优" if code in "246" else "良")
        _attach(cast, one, code)
    one.refresh_from_db()
    finals = ItemScore.objects.filter(evaluation=one).values_list("final_score", flat=True)
    assert None not in finals and sum(finals) == one.total == Decimal(10) + 3 * 5 + 3 * 4
    # The radar reads the same stored finals: 10/10, three 优 (100 %) and three 良 (80 %).
    assert sorted(t["value"] for t in radar(one)) == [80.0] * 3 + [100.0] * 4


def test_a_reviewers_score_overrides_the_self_score_is_flagged_and_the_audit_record_shows_the_final(county):
    cast, one = county
    _self_score(cast, one, "2")
    _attach(cast, one, "2")
    for code in ("3", "4", "5", "6", "7"):
        _self_score(cast, one, code)
        _attach(cast, one, code)
    actions.do_submit(acting_user=cast.jia1_filler, evaluation=one)
    actions.do_start_review(acting_user=cast.prov_office, evaluation=one)
    row = actions.do_set_review(
        acting_user=cast.prov_office,
        evaluation=one,
        indicator_code="2",
        comment="台账不完整",
        score="3",
        expected_version=ItemScore.objects.get(evaluation=one, indicator_code="2").version,
    )
    assert (row.self_score, row.review_score, row.final_score, row.discrepancy) == (4, 3, 3, True)
    rec = AuditRecord.objects.filter(action="score.review").order_by("-seq").first()
    assert rec.after["final_score"] == "3" and rec.after["discrepancy"] is True
