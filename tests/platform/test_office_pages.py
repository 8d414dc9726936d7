"""The office's pages with the cast: upload a scheme (errors with file:line, then a draft with its preview
and diff, activated), open a round, drill down the progress, assign experts, refuse and extend, batch steps
and the export — each through the real views and actions."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from lvzhi.evaluations import actions
from lvzhi.evaluations.models import Evaluation, ExpertAssignment, Round, SchemeVersion, State

pytestmark = pytest.mark.django_db


def _client(user):
    c = Client()
    c.force_login(user)
    return c


def _text(response):
    return response.content.decode("utf-8")


def test_a_broken_scheme_file_is_refused_with_its_line_and_a_good_one_becomes_a_draft(cast):
    c = _client(cast.prov_office)
    bad = SimpleUploadedFile("broken.yaml", b"id: x\ntitle: [unclosed\n")
    page = _text(c.post("/schemes/upload/", {"file": bad}))
    assert "broken.yaml:" in page and "未导入" in page
    assert SchemeVersion.objects.count() == 1
    text = cast.scheme_version.yaml_text.replace("target: 50", "target: 60")
    good = SimpleUploadedFile("small-v2.yaml", text.encode("utf-8"))
    response = c.post("/schemes/upload/", {"file": good})
    sv = SchemeVersion.objects.order_by("-pk").first()
    assert response.status_code == 302 and response["Location"] == f"/schemes/{sv.pk}/review/"
    assert sv.activated_at is None
    page = _text(c.get(f"/schemes/{sv.pk}/review/"))
    assert "草稿" in page and "评分规则" in page and "60%" in page and "50%" in page
    page = _text(c.get(f"/schemes/{sv.pk}/review/?base=b:national-2021"))
    assert "内置方案 national-2021" in page and "删除" in page
    c.post(f"/schemes/{sv.pk}/activate/")
    sv.refresh_from_db()
    assert sv.activated_at is not None


def test_a_filler_may_not_upload_schemes(cast):
    assert _client(cast.jia1_filler).get("/schemes/upload/").status_code == 403


def test_the_office_opens_a_round_and_drills_down_its_progress(cast):
    c = _client(cast.prov_office)
    response = c.post(
        "/rounds/",
        {
            "scheme": cast.scheme_version.pk,
            "year": "2025",
            "region": "990000",
            "level": "县",
            "fill_deadline": "2030-06-30",
        },
    )
    rnd = Round.objects.get(year=2025)
    assert response["Location"] == f"/rounds/{rnd.pk}/"
    assert rnd.fill_deadline.date().isoformat() == "2030-06-30"
    page = _text(c.get(f"/rounds/{rnd.pk}/"))
    assert "甲市" in page and "乙市" in page and 'href="?region=990100&amp;state=未开始"' in page
    page = _text(c.get(f"/rounds/{rnd.pk}/?region=990100"))
    assert "甲市一县" in page and "乙市一县" not in page
    page = _text(c.get(f"/rounds/{rnd.pk}/?region=990000&state=未开始"))
    assert page.count('type="checkbox" name="evaluation"') == 3


def test_a_city_office_sees_its_counties_progress_only(cast):
    page = _text(_client(cast.jia_office).get(f"/rounds/{cast.round.pk}/"))
    assert "甲市一县" in page and "乙市一县" not in page
    assert "批量执行" not in page  # it may see the province's round, not manage it


def test_overdue_counties_are_marked_and_an_extension_lets_one_submit(cast):
    actions.do_update_round(
        acting_user=cast.prov_office, round=cast.round, fill_deadline=timezone.now() - timedelta(hours=1)
    )
    c = _client(cast.prov_office)
    page = _text(c.get(f"/rounds/{cast.round.pk}/?region=990000&overdue=1"))
    assert page.count("逾期") >= 3
    until = (timezone.localdate() + timedelta(days=5)).isoformat()
    c.post(
        f"/rounds/{cast.round.pk}/extend/", {"evaluation": cast.jia1.pk, "until": until, "reason": "网络故障"}
    )
    page = _text(c.get(f"/rounds/{cast.round.pk}/?region=990000&overdue=1"))
    assert f'value="{cast.jia1.pk}"' not in page.split("延长填报截止")[0]


def test_batch_steps_report_each_evaluation_and_the_gate_names_the_gaps(cast):
    for ev in (cast.jia1, cast.jia2):
        cast.advance(ev, State.SUBMITTED)
    Evaluation.objects.filter(pk=cast.jia2.pk).update(total=None)
    c = _client(cast.prov_office)
    c.post(
        f"/rounds/{cast.round.pk}/batch/",
        {"step": "start_review", "evaluation": [cast.jia1.pk, cast.jia2.pk]},
    )
    response = c.post(
        f"/rounds/{cast.round.pk}/batch/",
        {"step": "approve", "evaluation": [cast.jia1.pk, cast.jia2.pk]},
        follow=True,
    )
    page = _text(response)
    assert "审核通过完成 1 个：甲市一县" in page
    assert "甲市二县：总分尚未算出" in page
    assert Evaluation.objects.get(pk=cast.jia1.pk).state == State.APPROVED
    assert Evaluation.objects.get(pk=cast.jia2.pk).state == State.REVIEWING


def test_experts_are_assigned_by_list_and_by_draw_and_unassigned(cast):
    c = _client(cast.prov_office)
    c.post(
        f"/rounds/{cast.round.pk}/experts/",
        {"expert": [cast.expert.pk], "mode": "list", "region": ["990102"]},
    )
    assert ExpertAssignment.objects.filter(round=cast.round, region__code="990102").exists()
    c.post(
        f"/rounds/{cast.round.pk}/experts/", {"expert": [cast.expert.pk], "mode": "draw", "per_region": "1"}
    )
    assert ExpertAssignment.objects.filter(round=cast.round).count() == 3
    a = ExpertAssignment.objects.get(round=cast.round, region__code="990201")
    c.post(f"/rounds/{cast.round.pk}/experts/remove/", {"assignment": a.pk})
    assert ExpertAssignment.objects.filter(round=cast.round).count() == 2


def test_the_export_downloads_what_the_user_sees(cast):
    response = _client(cast.jia_office).get(f"/rounds/{cast.round.pk}/export.xlsx")
    sheet = load_workbook(BytesIO(response.content)).worksheets[0]
    names = [sheet.cell(row=i, column=2).value for i in range(2, sheet.max_row + 1)]
    assert names == ["甲市一县", "甲市二县"]
    csv = _client(cast.jia_office).get(f"/rounds/{cast.round.pk}/export.csv").content.decode("utf-8")
    assert "乙市一县" not in csv and "甲市二县" in csv


def test_the_public_page_shows_each_published_region_with_its_indicator_scores_date_and_report(cast):
    cast.advance(cast.jia1, State.PUBLISHED)
    page = _text(Client().get("/public/"))
    assert "甲市一县" in page and "甲市二县" not in page
    assert "2 学前教育" in page and timezone.localdate().isoformat() in page
    report = Client().get(f"/public/{cast.jia1.pk}/report.pdf")
    assert report.status_code == 200 and report.content.startswith(b"%PDF")
    assert Client().get(f"/public/{cast.jia2.pk}/report.pdf").status_code == 404


def test_the_league_table_ranks_only_published_evaluations_with_shared_ranks(cast):
    cast.advance(cast.jia1, State.PUBLISHED)
    cast.advance(cast.jia2, State.SUBMITTED)
    page = _text(_client(cast.prov_office).get(f"/analysis/?round={cast.round.pk}"))
    rows = [r for r in page.split("<tr>") if "甲市" in r and "badge" in r]
    first = next(r for r in rows if "甲市一县" in r)
    second = next(r for r in rows if "甲市二县" in r)
    assert '<td class="num">1</td>' in first and '<td class="num">—</td>' in second


def test_the_audit_page_reads_as_sentences_with_region_names(cast):
    office_client = _client(cast.prov_office)
    office_client.post(
        f"/rounds/{cast.round.pk}/extend/",
        {"evaluation": cast.jia1.pk, "until": "2099-06-30", "reason": "网络故障"},
    )
    page = _text(office_client.get("/audit/"))
    assert "为“" in page and "延长了填报截止时间" in page and "原因：网络故障" in page
    assert "开启了评价轮次" in page and "甲市一县（990101）" in page
    assert "{'" not in page  # no Python dicts


def test_the_workbench_shows_each_task_with_its_deadline_and_what_is_left(cast):
    actions.do_update_round(
        acting_user=cast.prov_office,
        round=cast.round,
        fill_deadline=timezone.now() + timedelta(days=2, hours=1),
    )
    cast.advance(cast.jia1, State.FILLING)
    assert "（还剩 2 天）" in _text(_client(cast.jia1_filler).get("/"))
    actions.do_update_round(
        acting_user=cast.prov_office, round=cast.round, fill_deadline=timezone.now() - timedelta(hours=1)
    )
    assert "（逾期）" in _text(_client(cast.jia1_filler).get("/"))
