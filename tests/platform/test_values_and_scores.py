"""Data entry: exact values, validation, cross-field rules, optimistic locking, prefill, import, re-scoring."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lvzhi.accounts.scoping import Forbidden
from lvzhi.audit.models import AuditRecord
from lvzhi.evaluations import actions
from lvzhi.evaluations.errors import EditConflict, NotEditable, ValidationFailed
from lvzhi.evaluations.models import DataValue, ItemScore, Source, State

pytestmark = pytest.mark.django_db


@pytest.fixture
def filling(cast):
    cast.advance(cast.jia1, State.FILLING)
    return cast


def save(cast, code, value, version=None, user=None, **kw):
    return actions.do_save_value(
        acting_user=user or cast.jia1_filler,
        evaluation=cast.jia1,
        item_code=code,
        value=value,
        expected_version=version,
        **kw,
    )


def test_money_and_ratios_come_back_exactly_as_entered(filling):
    cases = {
        "edu_gpb_spending": "168824.37",
        "gdp": "12345678901234567.89",  # more digits than a double holds
        "kg_public_share": "39.66",
        "edu_gpb_budget_share": "0.1",
    }
    for code, text in cases.items():
        save(filling, code, text)
    stored = dict(DataValue.objects.filter(evaluation=filling.jia1).values_list("item_code", "value"))
    for code, text in cases.items():
        assert stored[code] == Decimal(text)
        assert format(stored[code], "f") == text
    # Sums stay exact too (a float column would give 0.30000000000000004-style results).
    save(filling, "edu_gpb_gdp_share", Decimal("0.2"))
    dv = {d.item_code: d.value for d in DataValue.objects.filter(evaluation=filling.jia1)}
    assert dv["edu_gpb_budget_share"] + dv["edu_gpb_gdp_share"] == Decimal("0.3")


def test_values_accept_thousands_separators_and_full_width_digits(filling):
    dv, _ = save(filling, "edu_gpb_spending", "１６８,８２４.５")
    assert dv.value == Decimal("168824.5")


@pytest.mark.parametrize(
    ("code", "value", "message"),
    [
        ("kg_public_share", "120", "不能大于 100"),
        ("edu_gpb_spending", "-5", "不能小于 0"),
        ("kindergartens", "12.5", "应为整数"),
        ("edu_gpb_spending", "一百万", "不是数字"),
        ("edu_gpb_spending", "NaN", "不是数字"),
        ("kg_public_share_calc", "50", "由公式计算"),
        ("no_such_item", "1", "没有代码为 no_such_item"),
    ],
)
def test_an_invalid_value_is_refused_with_a_chinese_message_and_nothing_written(
    filling, code, value, message
):
    count = AuditRecord.objects.count()
    with pytest.raises(ValidationFailed, match=message):
        save(filling, code, value)
    assert not DataValue.objects.filter(evaluation=filling.jia1).exists()
    assert AuditRecord.objects.count() == count


def test_the_second_of_two_people_editing_the_same_item_is_refused_and_nothing_is_lost(filling):
    dv, _ = save(filling, "edu_gpb_spending", "100")
    # Two editors load version 1.
    loaded_by_a = loaded_by_b = dv.version
    save(filling, "edu_gpb_spending", "110", version=loaded_by_a)
    with pytest.raises(EditConflict) as exc:
        save(filling, "edu_gpb_spending", "120", version=loaded_by_b, user=filling.jia1_filler)
    msg = str(exc.value)
    assert "保存冲突" in msg and "110" in msg and "120" in msg and "甲市一县填报员" in msg  # the person, not the account
    assert exc.value.your_value == "120"  # the refused input is handed back for the editor to reapply
    assert DataValue.objects.get(evaluation=filling.jia1, item_code="edu_gpb_spending").value == Decimal(110)


def test_an_editor_who_saw_an_empty_item_conflicts_with_someone_who_filled_it_meanwhile(filling):
    save(filling, "kg_public_share", "55")
    with pytest.raises(EditConflict):
        save(filling, "kg_public_share", "45", version=None)


def test_values_are_locked_once_submitted(filling):
    filling.advance(filling.jia1, State.SUBMITTED)
    with pytest.raises(NotEditable, match="已锁定"):
        save(filling, "edu_gpb_spending", "1")


@pytest.mark.parametrize("who", ["jia2_filler", "jia_office", "prov_office", "expert", "viewer"])
def test_nobody_but_the_county_filler_can_write_its_values(filling, who):
    count = AuditRecord.objects.count()
    with pytest.raises(Forbidden):
        save(filling, "edu_gpb_spending", "1", user=filling.users[who])
    assert not DataValue.objects.exists()
    assert AuditRecord.objects.count() == count


def test_a_part_larger_than_its_whole_is_warned_at_save_and_blocks_submission(filling):
    save(filling, "kg_enrolment", "1000")
    _, warnings = save(filling, "kg_public_enrolment", "1200")
    assert warnings and "部分不能大于整体" in warnings[0].message
    filling.complete_self_assessment(filling.jia1)
    with pytest.raises(ValidationFailed, match="部分不能大于整体"):
        actions.do_submit(acting_user=filling.jia1_filler, evaluation=filling.jia1)


def test_teacher_pay_above_civil_servants_pay_is_not_a_part_whole_error(filling):
    save(filling, "civil_servant_avg_pay", "100000")
    _, warnings = save(filling, "teacher_avg_pay", "110000")
    assert warnings == []


def test_a_stated_growth_inconsistent_with_the_two_years_is_flagged(filling):
    save(filling, "edu_gpb_spending", "110", prev_value="100")
    _, ok = save(filling, "edu_gpb_spending_growth", "10")
    assert ok == []
    dv = DataValue.objects.get(evaluation=filling.jia1, item_code="edu_gpb_spending_growth")
    _, warnings = save(filling, "edu_gpb_spending_growth", "12.5", version=dv.version)
    assert (
        len(warnings) == 1 and "与两年数值不一致" in warnings[0].message and "10.00%" in warnings[0].message
    )


def test_a_prefilled_value_keeps_its_sentence_until_confirmed_and_blocks_submission_meanwhile(filling):
    dv, _ = save(
        filling,
        "kg_public_share",
        "39.66",
        source=Source.PREFILL,
        source_sentence="全市公办园在园幼儿占比39.66%。",
        source_document="自评报告.docx",
    )
    assert dv.confirmed is False and dv.source_sentence == "全市公办园在园幼儿占比39.66%。"
    filling.complete_self_assessment(filling.jia1)
    with pytest.raises(ValidationFailed, match="尚未确认"):
        actions.do_submit(acting_user=filling.jia1_filler, evaluation=filling.jia1)
    dv = actions.do_confirm_value(
        acting_user=filling.jia1_filler,
        evaluation=filling.jia1,
        item_code="kg_public_share",
        expected_version=dv.version,
    )
    assert dv.confirmed and dv.source == Source.PREFILL
    actions.do_submit(acting_user=filling.jia1_filler, evaluation=filling.jia1)


def test_automatic_scores_and_explanations_follow_every_data_change(filling):
    dv, _ = save(filling, "kg_public_share", "39.66")
    row = ItemScore.objects.get(evaluation=filling.jia1, indicator_code="2.1")
    assert row.auto_score == 0 and row.final_score == 0 and "39.66" in row.explanation
    assert row.inputs[0]["code"] == "kg_public_share" and row.inputs[0]["value"] == "39.66"
    save(filling, "kg_public_share", "55", version=dv.version)
    row.refresh_from_db()
    assert row.auto_score == 5 and row.final_score == 5
    missing = ItemScore.objects.get(evaluation=filling.jia1, indicator_code="3.1")
    assert missing.auto_status == "unscored" and missing.auto_score is None


def test_total_and_grade_come_from_the_engine_with_self_scores(filling):
    ev = filling.jia1
    for code, value in [
        ("kg_public_share", "60"),
        ("kg_inclusive_coverage", "77"),
        ("disabled_enrolment_rate", "92"),
        ("edu_gpb_spending", "140"),
    ]:
        save(filling, code, value, prev_value="100" if code == "edu_gpb_spending" else actions.UNSET)
    filling.complete_self_assessment(ev)  # 1.1 优 → 5, bonus J1 差 → 0
    ev.refresh_from_db()
    # 5 (manual) + 5 (≥50) + 2 (80−77=3 short → 5−3) + 3 (≥90 band) = 15 → 良好
    assert ev.total == Decimal(15)
    assert ev.grade == "良好"
    assert ev.result["complete"] is True


def test_reviewer_scores_sit_beside_self_scores_and_differences_are_flagged(filling):
    ev = filling.advance(filling.jia1, State.REVIEWING)
    row = ItemScore.objects.get(evaluation=ev, indicator_code="1.1")
    assert row.self_score == 5
    row = actions.do_set_review(
        acting_user=filling.expert,
        evaluation=ev,
        indicator_code="1.1",
        score="3",
        comment="会议纪要只有两次",
        expected_version=row.version,
    )
    assert row.review_score == 3 and row.discrepancy is True and row.final_score == 3
    assert row.self_score == 5 and row.review_comment == "会议纪要只有两次"
    row = actions.do_set_review(
        acting_user=filling.expert,
        evaluation=ev,
        indicator_code="1.1",
        score="5",
        comment="补充材料后认可",
        expected_version=row.version,
    )
    assert row.discrepancy is False


def test_an_expert_cannot_review_a_county_outside_the_assignment(cast):
    ev = cast.advance(cast.jia2, State.REVIEWING)
    with pytest.raises(Forbidden):
        actions.do_set_review(
            acting_user=cast.expert,
            evaluation=ev,
            indicator_code="1.1",
            score="1",
            comment="x",
            expected_version=1,
        )
    assert ItemScore.objects.get(evaluation=ev, indicator_code="1.1").review_score is None


def test_self_scores_of_automatic_indicators_are_refused(filling):
    with pytest.raises(Exception, match="自动计分"):
        actions.do_set_self_score(
            acting_user=filling.jia1_filler,
            evaluation=filling.jia1,
            indicator_code="2.1",
            level="优",
            justification="x",
            expected_version=None,
        )


def test_importing_a_round_writes_everything_or_nothing(cast):
    for ev in (cast.jia1, cast.jia2):
        cast.advance(ev, State.FILLING)
    good = {
        "990101": {"kg_public_share": "51.5", "edu_gpb_spending": "1000"},
        "990102": {"kg_public_share": "44"},
    }
    bad = {
        "990101": {"kg_public_share": "51.5"},
        "990102": {"kg_public_share": "144", "kindergartens": "2.5"},
    }
    count = AuditRecord.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        actions.do_import_values(acting_user=cast.prov_office, round=cast.round, rows=bad)
    assert {i.code for i in exc.value.issues} == {"990102/kg_public_share", "990102/kindergartens"}
    assert not DataValue.objects.exists() and AuditRecord.objects.count() == count
    assert (
        actions.do_import_values(
            acting_user=cast.prov_office,
            round=cast.round,
            rows=good,
            previous={"990101": {"edu_gpb_spending": "900"}},
        ).written
        == 3
    )
    dv = DataValue.objects.get(evaluation=cast.jia1, item_code="edu_gpb_spending")
    assert (dv.value, dv.prev_value, dv.source) == (Decimal(1000), Decimal(900), Source.IMPORT)
    assert ItemScore.objects.get(evaluation=cast.jia2, indicator_code="2.1").auto_score == 0


def test_a_county_filler_cannot_import_into_another_county(cast):
    cast.advance(cast.jia2, State.FILLING)
    with pytest.raises(Forbidden):
        actions.do_import_values(
            acting_user=cast.jia1_filler, round=cast.round, rows={"990102": {"kg_public_share": "50"}}
        )
    assert not DataValue.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_saves_of_the_same_version_let_exactly_one_through(cast):
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs real concurrent connections (runs in the PostgreSQL pass)")
    cast.advance(cast.jia1, State.FILLING)
    dv, _ = save(cast, "edu_gpb_spending", "100")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def editor(value: str) -> None:
        try:
            barrier.wait()
            save(cast, "edu_gpb_spending", value, version=dv.version)
            outcomes.append("saved")
        except EditConflict:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=editor, args=(v,)) for v in ("111", "222")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "saved"]
    final = DataValue.objects.get(evaluation=cast.jia1, item_code="edu_gpb_spending")
    assert final.version == dv.version + 1 and final.value in (Decimal(111), Decimal(222))


def test_with_a_rank_rule_one_countys_change_rescores_its_peers(cast):
    ev1, ev2 = cast.start_ranked(cast.open_test_round("rank-county.yaml", "甲市支出进度排名"))
    score = lambda ev: ItemScore.objects.get(evaluation=ev, indicator_code="1").auto_score  # noqa: E731
    assert (score(ev1), score(ev2)) == (10, 6)
    dv = DataValue.objects.get(evaluation=ev2, item_code="edu_budget_progress")
    actions.do_save_value(
        acting_user=cast.jia2_filler,
        evaluation=ev2,
        item_code="edu_budget_progress",
        value="95",
        expected_version=dv.version,
    )
    assert (score(ev1), score(ev2)) == (6, 10)  # 甲市一县 lost its first place without touching its data


def test_importing_again_updates_changed_values_only_and_keeps_the_audit_chain_intact(cast):
    from lvzhi.audit.services import verify_chain

    cast.advance(cast.jia1, State.FILLING)
    first = {"990101": {"kg_public_share": "51.5", "edu_gpb_spending": "1000"}}
    actions.do_import_values(acting_user=cast.jia1_filler, round=cast.round, rows=first)
    again = {"990101": {"kg_public_share": "48", "edu_gpb_spending": "1000"}}
    assert actions.do_import_values(acting_user=cast.jia1_filler, round=cast.round, rows=again).written == 1
    dv = DataValue.objects.get(evaluation=cast.jia1, item_code="kg_public_share")
    assert (dv.value, dv.version) == (Decimal(48), 2)
    assert DataValue.objects.get(evaluation=cast.jia1, item_code="edu_gpb_spending").version == 1
    rec = AuditRecord.objects.filter(action="value.import").order_by("-seq").first()
    assert rec.before == {"kg_public_share": "51.5"} and rec.after == {"kg_public_share": "48"}
    assert ItemScore.objects.get(evaluation=cast.jia1, indicator_code="2.1").auto_score == 0
    assert verify_chain() is None


def test_an_indicator_requiring_evidence_stays_pending_and_blocks_submission_until_a_file_is_attached(cast):
    from pathlib import Path

    from lvzhi.evidence.services import do_attach_evidence

    text = (Path(__file__).parent / "schemes" / "evidence-county.yaml").read_text(encoding="utf-8")
    sv = actions.do_create_scheme_version(
        acting_user=cast.prov_office, yaml_text=text, source_name="evidence.yaml"
    )
    r = cast.regions
    rnd = actions.do_open_round(
        acting_user=cast.jia_office,
        scheme_version=sv,
        year=2024,
        name="佐证测试",
        owner_region=r["甲市"],
        regions=[r["甲市一县"]],
    )
    ev = rnd.evaluations.get()
    actions.do_start_filling(acting_user=cast.jia1_filler, evaluation=ev)
    row = actions.do_set_self_score(
        acting_user=cast.jia1_filler,
        evaluation=ev,
        indicator_code="1",
        level="良",
        justification="建立了控辍保学台账",
        expected_version=None,
    )
    assert row.auto_status == "manual-pending" and "佐证" in row.explanation
    with pytest.raises(ValidationFailed, match="须上传佐证材料"):
        actions.do_submit(acting_user=cast.jia1_filler, evaluation=ev)
    do_attach_evidence(
        acting_user=cast.jia1_filler,
        evaluation=ev,
        indicator_code="1",
        name="控辍保学台账.pdf",
        content=b"%PDF-1.4\n%test\n",
    )
    row.refresh_from_db()
    ev.refresh_from_db()
    assert row.auto_status == "scored" and ev.total == 8
    actions.do_submit(acting_user=cast.jia1_filler, evaluation=ev)


def test_control_characters_in_free_text_are_dropped_so_both_databases_store_it(filling):
    row = actions.do_set_self_score(
        acting_user=filling.jia1_filler,
        evaluation=filling.jia1,
        indicator_code="1.1",
        level="良",
        justification="会议\x00纪要\n见附件\x07",
        expected_version=None,
    )
    assert row.self_justification == "会议纪要\n见附件"
    ev = filling.advance(filling.jia1, State.REVIEWING)
    with pytest.raises(actions.ActionError, match="必须填写原因"):
        actions.do_return(acting_user=filling.expert, evaluation=ev, reasons="\x00 ")
