"""The REST API /api/v1: authentication (token, session + CSRF), scoping, actions, offline docs."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from django.test import Client
from openpyxl import load_workbook

from lvzhi.accounts.actions import do_create_api_token, do_revoke_api_token
from lvzhi.audit.models import AuditRecord
from lvzhi.entry import workbook as wbk
from lvzhi.evaluations.models import DataValue

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%%EOF\n"


def _token_client(cast, user):
    _, raw = do_create_api_token(acting_user=cast.admin, user=user, name="测试")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def _session_client(user, csrf=False):
    c = Client(enforce_csrf_checks=csrf)
    c.force_login(user)
    return c


def _put(c, url, body, **extra):
    return c.put(url, json.dumps(body), content_type="application/json", **extra)


@pytest.fixture
def filling(cast):
    cast.advance(cast.jia1, "填报中")
    cast.advance(cast.jia2, "填报中")
    return cast


def test_without_credentials_every_route_answers_401(cast):
    assert Client().get("/api/v1/evaluations/").status_code == 401
    assert Client(HTTP_AUTHORIZATION="Bearer lvzhi_wrong").get("/api/v1/regions/").status_code == 401


def test_a_token_authenticates_until_it_is_revoked(cast):
    _, raw = do_create_api_token(acting_user=cast.admin, user=cast.jia1_filler, name="脚本")
    c = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    body = c.get("/api/v1/evaluations/").json()
    assert [e["region"] for e in body["items"]] == ["990101"]
    from lvzhi.accounts.models import ApiToken

    do_revoke_api_token(acting_user=cast.admin, token=ApiToken.objects.get(name="脚本"))
    assert c.get("/api/v1/evaluations/").status_code == 401


def test_a_token_needs_no_csrf_but_a_session_must_send_it(filling):
    url = f"/api/v1/evaluations/{filling.jia1.pk}/values/kg_public_share"
    assert _put(_token_client(filling, filling.jia1_filler), url, {"value": "55.5"}).status_code == 200
    c = _session_client(filling.jia1_filler, csrf=True)
    r = _put(c, url, {"value": "56", "expected_version": 1})
    assert r.status_code == 403 and "CSRF" in r.json()["detail"]
    assert DataValue.objects.get(evaluation=filling.jia1, item_code="kg_public_share").value == 55.5
    # What a browser holds after any page: the CSRF cookie, echoed in the X-CSRFToken header.
    from django.middleware.csrf import _get_new_csrf_string

    token = _get_new_csrf_string()
    c.cookies["csrftoken"] = token
    r = _put(c, url, {"value": "56", "expected_version": 1}, HTTP_X_CSRFTOKEN=token)
    assert r.status_code == 200, r.content
    assert r.json()["value"] == "56" and r.json()["version"] == 2


def test_a_county_gets_404_for_another_countys_evaluation_and_writes_nothing(filling):
    c = _token_client(filling, filling.jia1_filler)
    other = filling.jia2.pk
    audits = AuditRecord.objects.count()
    assert c.get(f"/api/v1/evaluations/{other}").status_code == 404
    assert c.get(f"/api/v1/evaluations/{other}/values").status_code == 404
    assert _put(c, f"/api/v1/evaluations/{other}/values/kg_public_share", {"value": "1"}).status_code == 404
    r = c.post(
        f"/api/v1/evaluations/{other}/transition",
        json.dumps({"to_state": "已提交"}),
        content_type="application/json",
    )
    assert r.status_code == 404
    assert c.get("/api/v1/regions/990102").status_code == 404
    assert DataValue.objects.count() == 0 and AuditRecord.objects.count() == audits


def test_a_viewer_may_read_but_not_write(filling):
    c = _token_client(filling, filling.viewer)
    assert c.get(f"/api/v1/evaluations/{filling.jia1.pk}/values").status_code == 200
    r = _put(c, f"/api/v1/evaluations/{filling.jia1.pk}/values/kg_public_share", {"value": "1"})
    assert r.status_code == 403 and not DataValue.objects.exists()


def test_a_second_save_on_a_stale_version_is_a_409_conflict_naming_who_changed_it(filling):
    c = _token_client(filling, filling.jia1_filler)
    url = f"/api/v1/evaluations/{filling.jia1.pk}/values/kg_public_share"
    assert _put(c, url, {"value": "50"}).status_code == 200
    r = _put(c, url, {"value": "60", "expected_version": None})
    assert r.status_code == 409 and "甲市一县填报员" in r.json()["detail"] and r.json()["current_value"] == "50"


def test_bad_values_answer_422_with_every_issue(filling):
    c = _token_client(filling, filling.jia1_filler)
    r = _put(c, f"/api/v1/evaluations/{filling.jia1.pk}/values/kg_public_share", {"value": "150"})
    assert r.status_code == 422 and r.json()["issues"][0]["code"] == "kg_public_share"


def test_transitions_follow_the_workflow_through_the_api(filling):
    c = _token_client(filling, filling.jia1_filler)
    url = f"/api/v1/evaluations/{filling.jia1.pk}/transition"
    r = c.post(url, json.dumps({"to_state": "已发布"}), content_type="application/json")
    assert r.status_code == 409 and "不能变为" in r.json()["detail"]
    filling.complete_self_assessment(filling.jia1)
    r = c.post(url, json.dumps({"to_state": "已提交"}), content_type="application/json")
    assert r.status_code == 200 and r.json()["state"] == "已提交"


def test_scores_and_totals_are_exact_strings(filling):
    c = _token_client(filling, filling.jia1_filler)
    _put(c, f"/api/v1/evaluations/{filling.jia1.pk}/values/kg_public_share", {"value": "55.5"})
    body = c.get(f"/api/v1/evaluations/{filling.jia1.pk}/scores").json()
    row = next(i for i in body["items"] if i["indicator"] == "2.1")
    assert row["auto_score"] == "5" and row["points"] == "5"


def test_the_excel_template_downloads_and_a_bad_import_lists_cells_and_writes_nothing(filling):
    c = _token_client(filling, filling.jia1_filler)
    r = c.get(f"/api/v1/rounds/{filling.round.pk}/template.xlsx", {"region": "990101"})
    assert r.status_code == 200 and "attachment" in r["Content-Disposition"]
    wb = load_workbook(io.BytesIO(r.content))
    ws = wb[wbk.ITEM_SHEET]
    ws["E2"] = "很多"
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = "填报.xlsx"
    r = c.post(f"/api/v1/rounds/{filling.round.pk}/import", {"file": buf})
    assert r.status_code == 422 and r.json()["errors"][0].startswith("数据填报!E2: ")
    ws["E2"] = 97
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = "填报.xlsx"
    r = c.post(f"/api/v1/rounds/{filling.round.pk}/import", {"file": buf})
    assert r.status_code == 200 and r.json()["values_written"] == 1


def test_evidence_uploads_downloads_and_shows_reuse(filling, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    c1 = _token_client(filling, filling.jia1_filler)
    f = io.BytesIO(PDF)
    f.name = "纪要.pdf"
    r = c1.post(f"/api/v1/evaluations/{filling.jia1.pk}/evidence", {"indicator": "1.1", "file": f})
    assert r.status_code == 200, r.content
    eid = r.json()["id"]
    got = c1.get(f"/api/v1/evidence/{eid}/file")
    assert got["Content-Type"] == "application/pdf" and b"".join(got.streaming_content) == PDF
    fake = io.BytesIO(b"MZ not a pdf")
    fake.name = "x.pdf"
    r = c1.post(f"/api/v1/evaluations/{filling.jia1.pk}/evidence", {"indicator": "1.1", "file": fake})
    assert r.status_code == 415
    c2 = _token_client(filling, filling.jia2_filler)
    assert c2.get(f"/api/v1/evidence/{eid}").status_code == 404
    assert c2.get(f"/api/v1/evidence/{eid}/file").status_code == 404
    assert c2.delete(f"/api/v1/evidence/{eid}").status_code == 404
    f = io.BytesIO(PDF)
    f.name = "同一文件.pdf"
    r = c2.post(f"/api/v1/evaluations/{filling.jia2.pk}/evidence", {"indicator": "1.1", "file": f})
    assert r.json()["reused_elsewhere"] == 1 and r.json()["reused_in"] == []
    office = _token_client(filling, filling.jia_office)
    seen = office.get(f"/api/v1/evidence/{r.json()['id']}").json()
    assert [x["region"] for x in seen["reused_in"]] == ["甲市一县"]


def test_the_audit_log_is_scoped(filling):
    _put(
        _token_client(filling, filling.jia2_filler),
        f"/api/v1/evaluations/{filling.jia2.pk}/values/kg_public_share",
        {"value": "5"},
    )
    items = _token_client(filling, filling.jia1_filler).get("/api/v1/audit/", {"limit": 1000}).json()["items"]
    assert items and all(i["region"] in ("990101", "") for i in items)
    assert not any(i["action"] == "value.save" for i in items)


def test_the_openapi_docs_are_served_offline_from_bundled_files(cast):
    c = _session_client(cast.jia1_filler)
    html = c.get("/api/v1/docs").content.decode()
    assert not re.search(r"(src|href)=\"(https?:)?//", html), (
        "the docs page must not load anything from a CDN"
    )
    assert '"validatorUrl": null' in html
    import ninja

    static = Path(ninja.__file__).parent / "static" / "ninja"
    for src in re.findall(r"(?:src|href)=\"/static/([^\"]+)\"", html):
        assert (static.parent / src).is_file(), src
    spec = c.get("/api/v1/openapi.json").json()
    paths = set(spec["paths"])
    for p in ("/api/v1/regions/", "/api/v1/evaluations/{evaluation_pk}/values/{item}", "/api/v1/audit/"):
        assert p in paths
    assert {"BearerAuth", "ActiveSessionAuth"} <= set(spec["components"]["securitySchemes"]) or spec[
        "components"
    ]
