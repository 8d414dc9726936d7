"""The supervision office's year through the actions: scheme activation, rounds by level (re-run adds only
what is missing, each evaluation linked to last year's), closing, deadlines and extensions, 回避 and the
balanced draw, the completeness gate, shared ranks and the scoped export."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from lvzhi.accounts.models import Role, RoleAssignment, User
from lvzhi.accounts.scoping import Forbidden
from lvzhi.audit.models import AuditRecord
from lvzhi.evaluations import actions
from lvzhi.evaluations.actions import office
from lvzhi.evaluations.errors import ActionError, TransitionError, ValidationFailed
from lvzhi.evaluations.models import Evaluation, ExpertAssignment, Round, State
from lvzhi.evaluations.results import csv_bytes, result_table, shared_ranks, xlsx_bytes
from lvzhi.regions.models import Region

pytestmark = pytest.mark.django_db


def _open(cast, year=2025, level="县", **kw):
    return office.do_open_year_round(
        acting_user=cast.prov_office,
        scheme_version=cast.scheme_version,
        year=year,
        owner_region=cast.regions["示范省"],
        level=level,
        **kw,
    )


def test_a_round_by_level_covers_every_county_and_links_each_to_last_years_evaluation(cast):
    opened = _open(cast)
    assert opened.created and opened.added == 3
    evs = {e.region.name: e for e in Evaluation.objects.filter(round=opened.round).select_related("region")}
    assert set(evs) == {"甲市一县", "甲市二县", "乙市一县"}
    assert evs["甲市一县"].previous_id == cast.jia1.pk
    assert opened.round.name == "示范省2025年度县级政府履行教育职责评价"


def test_reopening_the_same_round_adds_only_the_counties_that_were_missing(cast):
    first = _open(cast)
    new = Region.objects.create(code="990202", name="乙市二县", level="县", parent=cast.regions["乙市"])
    new.path = cast.regions["乙市"].path + "990202/"
    new.save()
    again = _open(cast)
    assert again.round.pk == first.round.pk and not again.created and again.added == 1
    assert Evaluation.objects.filter(round=first.round).count() == 4
    assert _open(cast).added == 0
    assert AuditRecord.objects.filter(action="round.add_regions").count() == 1


def test_a_draft_scheme_version_opens_no_round_until_activated(cast):
    text = cast.scheme_version.yaml_text.replace("测试方案", "测试方案（修订）")
    draft = actions.do_create_scheme_version(
        acting_user=cast.prov_office, yaml_text=text, source_name="new.yaml", activate=False
    )
    assert draft.activated_at is None and draft.version == 2
    with pytest.raises(ActionError, match="尚未启用"):
        office.do_open_year_round(
            acting_user=cast.prov_office,
            scheme_version=draft,
            year=2025,
            owner_region=cast.regions["示范省"],
            level="县",
        )
    actions.do_activate_scheme_version(acting_user=cast.prov_office, version=draft)
    assert office.replaced_version(draft) == cast.scheme_version
    assert AuditRecord.objects.filter(action="scheme.activate").count() == 1


def test_a_closed_round_refuses_every_state_change_and_new_assignments(cast):
    office.do_close_round(acting_user=cast.prov_office, round=cast.round)
    with pytest.raises(TransitionError, match="已关闭"):
        actions.do_start_filling(acting_user=cast.jia1_filler, evaluation=cast.jia1)
    with pytest.raises(ActionError, match="已关闭"):
        actions.do_assign_expert(
            acting_user=cast.prov_office,
            round=cast.round,
            region=cast.regions["甲市二县"],
            expert=cast.expert,
        )
    with pytest.raises(ActionError, match="已关闭"):
        office.do_close_round(acting_user=cast.prov_office, round=cast.round)


def test_a_city_office_cannot_close_the_provinces_round(cast):
    with pytest.raises(Forbidden):
        office.do_close_round(acting_user=cast.jia_office, round=cast.round)
    assert Round.objects.get(pk=cast.round.pk).closed_at is None


def test_after_the_fill_deadline_only_an_extended_county_submits(cast):
    ev = cast.jia1
    cast.advance(ev, State.FILLING)
    cast.complete_data(ev)
    cast.complete_self_assessment(ev)
    past = timezone.now() - timedelta(days=1)
    actions.do_update_round(acting_user=cast.prov_office, round=cast.round, fill_deadline=past)
    ev.round.refresh_from_db()
    with pytest.raises(TransitionError, match="截止"):
        actions.do_submit(acting_user=cast.jia1_filler, evaluation=ev)
    assert Evaluation.objects.get(pk=ev.pk).state == State.FILLING
    with pytest.raises(ActionError, match="原因"):
        office.do_grant_extension(
            acting_user=cast.prov_office, evaluation=ev, until=timezone.now() + timedelta(days=3), reason=" "
        )
    with pytest.raises(Forbidden):
        office.do_grant_extension(
            acting_user=cast.jia_office,
            evaluation=ev,
            until=timezone.now() + timedelta(days=3),
            reason="病假",
        )
    office.do_grant_extension(
        acting_user=cast.prov_office,
        evaluation=ev,
        until=timezone.now() + timedelta(days=3),
        reason="系统故障",
    )
    rec = AuditRecord.objects.get(action="evaluation.extend_deadline")
    assert rec.after["reason"] == "系统故障" and rec.region_code == "990101"
    actions.do_submit(acting_user=cast.jia1_filler, evaluation=ev)
    assert Evaluation.objects.get(pk=ev.pk).state == State.SUBMITTED
    # The other county got no extension.
    ev2 = cast.jia2
    cast.advance(ev2, State.FILLING)
    cast.complete_data(ev2)
    cast.complete_self_assessment(ev2)
    with pytest.raises(TransitionError, match="截止"):
        actions.do_submit(acting_user=cast.jia2_filler, evaluation=ev2)


def _expert(username, region):
    u = User.objects.create(username=username, full_name=username)
    RoleAssignment.objects.create(user=u, role=Role.EXPERT, region=region)
    return u


def test_an_expert_never_reviews_the_region_it_belongs_to(cast):
    local = _expert("jia1_expert", cast.regions["甲市一县"])
    with pytest.raises(ActionError, match="回避"):
        actions.do_assign_expert(
            acting_user=cast.prov_office, round=cast.round, region=cast.regions["甲市一县"], expert=local
        )
    # An expert of 甲市 belongs to both of its counties, not to 乙市's.
    city = _expert("jia_expert", cast.regions["甲市"])
    province = cast.regions["示范省"]
    assert office.conflict_of_interest(city, cast.regions["甲市二县"], province)
    assert not office.conflict_of_interest(city, cast.regions["乙市一县"], province)
    # In 甲市's own round its expert is the organiser's pool.
    assert not office.conflict_of_interest(city, cast.regions["甲市二县"], cast.regions["甲市"])
    assert not office.conflict_of_interest(cast.expert, cast.regions["甲市一县"], province)


def test_the_balanced_draw_spreads_the_work_and_respects_avoidance(cast):
    experts = [
        _expert("e1", cast.regions["甲市一县"]),
        _expert("e2", cast.regions["乙市"]),
        _expert("e3", cast.regions["示范省"]),
    ]
    regions = [e.region for e in cast.round.evaluations.select_related("region")]
    for seed in range(20):
        pairs = office.balanced_draw(experts, regions, per_region=2, owner=cast.regions["示范省"], seed=seed)
        assert len(pairs) == 6
        assert not any(office.conflict_of_interest(u, r, cast.regions["示范省"]) for r, u in pairs)
        load = {u.username: 0 for u in experts}
        for _, u in pairs:
            load[u.username] += 1
        assert max(load.values()) - min(load.values()) <= 1
    with pytest.raises(ActionError, match="乙市一县"):
        office.balanced_draw([experts[1]], regions, per_region=1, owner=cast.regions["示范省"], seed=1)


def test_a_batch_assignment_reports_each_pair(cast):
    local = _expert("jia1_expert", cast.regions["甲市一县"])
    pairs = [(cast.regions["甲市一县"], local), (cast.regions["甲市二县"], local)]
    results = office.do_assign_experts(acting_user=cast.prov_office, round=cast.round, pairs=pairs)
    assert [r.ok for r in results] == [False, True]
    assert "回避" in results[0].message
    assert ExpertAssignment.objects.filter(expert=local).count() == 1


def test_approval_is_refused_while_any_gap_remains_and_every_gap_is_listed(cast):
    ev = cast.jia1
    cast.advance(ev, State.FILLING)
    cast.complete_self_assessment(ev)
    actions.do_save_value(
        acting_user=cast.jia1_filler,
        evaluation=ev,
        item_code="kg_public_share",
        value="60",
        expected_version=None,
        source="prefill",
        source_sentence="公办园在园幼儿占比60%。",
    )
    gaps = office.completeness_gaps(Evaluation.objects.get(pk=ev.pk))
    codes = [g.code for g in gaps]
    assert codes[:3] == ["2.2", "3.1", "kg_public_share"] and codes[-1] in ("total", "grade")
    Evaluation.objects.filter(pk=ev.pk).update(state=State.REVIEWING)
    with pytest.raises(ValidationFailed) as exc:
        actions.do_approve(acting_user=cast.prov_office, evaluation=ev)
    assert [i.code for i in exc.value.issues] == codes
    assert Evaluation.objects.get(pk=ev.pk).state == State.REVIEWING


def test_ties_share_a_rank_and_only_one_state_is_ranked(cast):
    evs = list(Evaluation.objects.filter(round=cast.round).order_by("region__code"))
    totals = [Decimal(18), Decimal(18), Decimal(12)]
    for e, t in zip(evs, totals, strict=True):
        e.total, e.state = t, State.PUBLISHED
    assert sorted(shared_ranks(evs).values()) == [1, 1, 3]
    evs[0].state = State.NOT_STARTED
    ranks = shared_ranks(evs)
    assert evs[0].pk not in ranks and ranks[evs[1].pk] == 1 and ranks[evs[2].pk] == 2


def test_the_export_holds_only_what_the_user_may_see_with_every_indicator(cast):
    table = result_table(cast.jia_office, cast.round)
    assert [r[1] for r in table.rows] == ["甲市一县", "甲市二县"]
    assert "2.1 公办园在园幼儿占比" in table.header
    wb = load_workbook(BytesIO(xlsx_bytes([table])))
    sheet = wb.worksheets[0]
    assert sheet.cell(row=1, column=1).value == "区划代码"
    assert sheet.max_row == 3
    assert csv_bytes(table).decode("utf-8").lstrip("\ufeff").splitlines()[0].startswith("区划代码,地区")


def test_a_formula_like_text_is_exported_as_text():
    from lvzhi.evaluations.results import Table

    data = csv_bytes(Table("t", ("地区",), [("=HYPERLINK(1)",)])).decode("utf-8")
    assert "'=HYPERLINK(1)" in data
