"""The rectification API applies the same scope and permissions as the actions: 404 / 403 / 409 / 422."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.datastructures import MultiValueDict
from ninja.testing import TestClient

from lvzhi.audit.models import AuditRecord
from lvzhi.rectification.api import make_router
from lvzhi.rectification.models import Measure, Problem, ProblemState

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def upload(*names):
    """A multipart FILES mapping with one small real PDF per name."""
    return MultiValueDict({"files": [SimpleUploadedFile(n, PDF, "application/pdf") for n in names]})


DEADLINE = (date.today() + timedelta(days=60)).isoformat()
PROBLEM = {
    "source": "实地检查",
    "indicator_code": "3.1",
    "description": "残疾儿童送教上门记录不完整",
    "evidence_ref": "实地检查记录表第12页",
    "required_measure": "建立送教上门台账，逐人核实",
    "deadline": DEADLINE,
}
MEASURE = {
    "text": "建立送教上门台账",
    "responsible_unit": "县特殊教育学校",
    "deadline": DEADLINE,
    "owner": "李某",
}


@pytest.fixture
def client():
    return TestClient(make_router())


def footprint():
    return Problem.objects.count(), Measure.objects.count(), AuditRecord.objects.count()


def post_problem(client, cast, user, evaluation=None):
    return client.post(f"/evaluations/{(evaluation or cast.jia1).pk}/problems", json=PROBLEM, user=user)


def test_an_assigned_expert_raises_a_problem_and_the_region_sees_it(client, cast):
    r = post_problem(client, cast, cast.expert)
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["region_name"] == "甲市一县" and body["state"] == "待整改" and body["overdue"] is False
    listed = client.get("/problems", user=cast.jia1_filler).json()
    assert [p["id"] for p in listed] == [body["id"]]
    assert client.get("/problems", user=cast.jia2_filler).json() == []
    detail = client.get(f"/problems/{body['id']}", user=cast.viewer).json()
    assert detail["events"][0]["to_state"] == "待整改" and detail["events"][0]["by"] == "expert"


@pytest.mark.parametrize(
    ("user", "region", "status"),
    [
        ("expert", "甲市二县", 404),
        ("jia2_filler", "甲市一县", 404),
        ("jia_office", "乙市一县", 404),
        ("viewer", "甲市一县", 403),
        ("jia1_filler", "甲市一县", 403),
    ],
)
def test_raising_outside_ones_scope_or_role_is_refused_and_writes_nothing(client, cast, user, region, status):
    before = footprint()
    r = post_problem(client, cast, cast.users[user], cast.evaluations[region])
    assert r.status_code == status
    assert "权" in r.json()["detail"] or "不存在" in r.json()["detail"]
    assert footprint() == before


def test_an_anonymous_request_sees_nothing_and_changes_nothing(client, cast):
    pid = post_problem(client, cast, cast.expert).json()["id"]
    before = footprint()
    assert client.get("/problems").json() == []
    assert client.get(f"/problems/{pid}").status_code == 404
    assert client.post(f"/problems/{pid}/measures", json=MEASURE).status_code == 404
    assert footprint() == before


def test_the_region_plans_and_reports_and_the_city_office_closes_through_the_api(client, cast):
    pid = post_problem(client, cast, cast.expert).json()["id"]
    before = footprint()
    assert client.post(f"/problems/{pid}/measures", json=MEASURE, user=cast.jia2_filler).status_code == 404
    assert client.post(f"/problems/{pid}/measures", json=MEASURE, user=cast.jia_office).status_code == 403
    bad = client.post(f"/problems/{pid}/measures", json={**MEASURE, "text": ""}, user=cast.jia1_filler)
    assert bad.status_code == 422 and bad.json()["issues"] == [{"field": "text", "message": "请填写整改措施"}]
    assert footprint() == before

    assert client.post(f"/problems/{pid}/measures", json=MEASURE, user=cast.jia1_filler).status_code == 201
    progress = {"text": "台账已建立", "percent": "100"}
    r = client.post(
        f"/problems/{pid}/progress", data=progress, FILES=upload("送教台账.pdf"), user=cast.jia1_filler
    )
    assert r.status_code == 201, r.json()
    assert r.json()["files"] == [{"name": "送教台账.pdf", "sha256": hashlib.sha256(PDF).hexdigest()}]
    wrong = client.post(
        f"/problems/{pid}/progress", data=progress, FILES=upload("台账.docx"), user=cast.jia1_filler
    )
    assert wrong.status_code == 422 and "扩展名是 .docx" in wrong.json()["issues"][0]["message"]
    # The office may not close what the region has not asked to close.
    early = client.post(f"/problems/{pid}/verify", json={}, user=cast.jia_office)
    assert early.status_code == 409 and "整改中" in early.json()["detail"]
    r = client.post(f"/problems/{pid}/closure-request", data={"summary": "已完成"}, user=cast.jia1_filler)
    assert r.status_code == 200 and r.json()["state"] == "已提交销号"
    assert client.post(f"/problems/{pid}/verify", json={}, user=cast.jia1_filler).status_code == 403
    assert (
        client.post(f"/problems/{pid}/refuse", json={"reason": "不全"}, user=cast.expert).status_code == 403
    )
    r = client.post(f"/problems/{pid}/verify", json={"comment": "同意销号"}, user=cast.jia_office)
    assert r.status_code == 200 and r.json()["state"] == ProblemState.CLOSED
    detail = client.get(f"/problems/{pid}", user=cast.jia1_filler).json()
    assert [e["to_state"] for e in detail["events"]] == ["待整改", "整改中", "已提交销号", "已销号"]
    assert (
        detail["progress"][0]["files"][0]["name"] == "送教台账.pdf"
        and detail["measures"][0]["owner"] == "李某"
    )


def test_a_refused_closure_returns_the_reason_and_the_list_filters_by_state(client, cast):
    pid = post_problem(client, cast, cast.expert).json()["id"]
    client.post(f"/problems/{pid}/measures", json=MEASURE, user=cast.jia1_filler)
    r = client.post(
        f"/problems/{pid}/closure-request",
        data={"summary": "已完成"},
        FILES=upload("验收单.pdf"),
        user=cast.jia1_filler,
    )
    assert r.status_code == 200, r.json()
    closure = client.get(f"/problems/{pid}", user=cast.viewer).json()["closure_files"]
    assert [f["name"] for f in closure] == ["验收单.pdf"]
    assert (
        client.post(f"/problems/{pid}/refuse", json={"reason": " "}, user=cast.prov_office).status_code == 422
    )
    r = client.post(f"/problems/{pid}/refuse", json={"reason": "台账缺少家长签字"}, user=cast.prov_office)
    assert r.json()["state"] == "退回" and r.json()["refusal_reason"] == "台账缺少家长签字"
    assert [p["id"] for p in client.get("/problems?state=退回", user=cast.viewer).json()] == [pid]
    assert client.get("/problems?state=已销号", user=cast.viewer).json() == []
    assert client.get("/problems?state=逾期", user=cast.viewer).json() == []
    unknown = client.get("/problems?state=已完成", user=cast.viewer)
    assert unknown.status_code == 422 and "未知状态" in unknown.json()["detail"]


def test_carry_over_through_the_api_is_for_supervising_offices(client, cast):
    before = footprint()
    assert (
        client.post(f"/evaluations/{cast.jia1.pk}/carry-over", json={}, user=cast.jia1_filler).status_code
        == 403
    )
    assert (
        client.post(f"/evaluations/{cast.yi1.pk}/carry-over", json={}, user=cast.jia_office).status_code
        == 404
    )
    assert footprint() == before
    r = client.post(f"/evaluations/{cast.jia1.pk}/carry-over", json={}, user=cast.jia_office)
    assert r.status_code == 200 and r.json() == []  # nothing from earlier years in this fresh database


def test_the_router_is_served_under_api_v1_with_the_sites_authentication(client, cast):
    from django.test import Client

    pid = post_problem(client, cast, cast.expert).json()["id"]
    web = Client()
    assert web.get("/api/v1/rectification/problems").status_code == 401
    web.force_login(cast.jia2_filler)
    assert web.get(f"/api/v1/rectification/problems/{pid}").status_code == 404
    web.force_login(cast.jia1_filler)
    r = web.get(f"/api/v1/rectification/problems/{pid}")
    assert r.status_code == 200 and r.json()["region_code"] == "990101"
    r = web.post(f"/api/v1/rectification/problems/{pid}/measures", MEASURE, content_type="application/json")
    assert r.status_code == 201 and r.json()["responsible_unit"] == "县特殊教育学校"
