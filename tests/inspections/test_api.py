"""/api/v1/inspection: the risk list, a draw, its re-run check and the credibility table, scoped as the UI."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from lvzhi.accounts.actions import do_create_api_token
from lvzhi.accounts.models import User
from lvzhi.audit.models import AuditRecord
from lvzhi.inspections.models import Draw, Finding, Plan
from lvzhi.rectification.models import Problem

PNG = b"\x89PNG\r\n\x1a\n" + bytes(32)


def api(cast, user) -> Client:
    _, token = do_create_api_token(acting_user=cast.admin, user=user, name="督导测试")
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def test_the_office_reads_the_risks_draws_and_anyone_in_scope_checks_the_draw(cast, over_scored):
    office = api(cast, cast.prov_office)
    risks = office.get(f"/api/v1/inspection/rounds/{cast.round.pk}/risk").json()
    assert risks[0]["name"] == "甲市一县" and risks[0]["reasons"][0]["code"] == "credibility"
    answer = office.post(
        f"/api/v1/inspection/rounds/{cast.round.pk}/draws",
        json.dumps({"n": 2, "seed": 99}),
        content_type="application/json",
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    draw = Draw.objects.get()
    assert body["drawn"] == draw.drawn and body["seed"] == 99 and body["rerun_matches"]
    seen = api(cast, cast.users["viewer"]).get(f"/api/v1/inspection/draws/{draw.pk}").json()
    assert seen["drawn"] == draw.drawn and seen["rerun_matches"]
    table = office.get("/api/v1/inspection/credibility").json()
    assert any(r["name"] == "甲市一县" and r["over"] == 1 for r in table)


def test_refusals_keep_their_statuses(cast):
    city = api(cast, cast.jia_office)
    assert city.get(f"/api/v1/inspection/rounds/{cast.round.pk}/risk").status_code == 403
    wrong = api(cast, cast.prov_office).post(
        f"/api/v1/inspection/rounds/{cast.round.pk}/draws",
        json.dumps({"n": 0}),
        content_type="application/json",
    )
    assert wrong.status_code == 422 and "抽取数量" in wrong.json()["detail"]
    assert api(cast, cast.users["jia1_filler"]).get("/api/v1/inspection/credibility").status_code == 403
    assert not Draw.objects.exists()


def test_a_draw_answers_with_every_regions_probability_and_its_recomputation(cast, over_scored):
    office = api(cast, cast.prov_office)
    body = office.post(
        f"/api/v1/inspection/rounds/{cast.round.pk}/draws",
        json.dumps({"n": 1, "seed": 5}),
        content_type="application/json",
    ).json()
    assert body["inclusion"]["method"] == "exact" and body["inclusion_matches"] is True
    assert set(body["inclusion"]["probabilities"]) == {"990101", "990102", "990201"}
    assert body["inclusion"] == Draw.objects.get().inclusion


def test_the_office_reads_and_changes_the_rounds_risk_settings(cast):
    office = api(cast, cast.prov_office)
    url = f"/api/v1/inspection/rounds/{cast.round.pk}/risk-settings"
    shown = {s["name"]: s for s in office.get(url).json()}
    assert shown["digit_sample"] == {
        "name": "digit_sample",
        "label": "末位数字检验的最小样本量（个）",
        "value": "50",
        "default": "50",
    }
    answer = office.put(url, json.dumps({"values": {"digit_sample": 80}}), content_type="application/json")
    assert answer.status_code == 200
    assert {s["name"]: s["value"] for s in answer.json()}["digit_sample"] == "80"
    wrong = office.put(url, json.dumps({"values": {"floor": "0"}}), content_type="application/json")
    assert wrong.status_code == 422 and "基础权重（保底机会）应大于 0" in wrong.json()["detail"]
    assert api(cast, cast.jia_office).get(url).status_code == 403


# ------------------------------------------------------------------------ plans, visits, findings, reports


def _plan(office: Client, cast, **fields) -> Any:
    body = {"name": "春季督导", "team": "张三、李四", "starts_on": "2024-05-06", "ends_on": "2024-05-08"}
    return office.post(
        f"/api/v1/inspection/rounds/{cast.round.pk}/plans",
        json.dumps({**body, **fields}),
        content_type="application/json",
    )


def test_the_office_plans_a_drawn_and_a_chosen_county_records_a_finding_with_a_photo_and_corrects_it(cast):
    from lvzhi.evaluations.actions import do_save_value

    cast.advance(cast.jia1, "填报中")
    do_save_value(
        acting_user=cast.jia1_filler, evaluation=cast.jia1, item_code="kg_public_share", value="60",
        expected_version=None,
    )  # fmt: skip
    office = api(cast, cast.prov_office)
    draw = office.post(
        f"/api/v1/inspection/rounds/{cast.round.pk}/draws",
        json.dumps({"n": 1, "seed": 3}),
        content_type="application/json",
    ).json()
    answer = _plan(office, cast, draw_id=draw["id"], regions=["990101"])
    assert answer.status_code == 201, answer.content
    plan = answer.json()
    codes = {v["region"]: v for v in plan["visits"]}
    assert set(codes) == {"990101", *draw["drawn"]} and codes[draw["drawn"][0]]["drawn"]
    listed = api(cast, cast.viewer).get(f"/api/v1/inspection/rounds/{cast.round.pk}/plans").json()
    assert [p["name"] for p in listed] == ["春季督导"]

    visit = codes["990101"]["id"]
    checklist = office.get(f"/api/v1/inspection/visits/{visit}/checklist").json()
    assert any(
        f["item"] == "kg_public_share" and f["reported"] == "60" for x in checklist for f in x["figures"]
    )
    answer = office.post(
        f"/api/v1/inspection/visits/{visit}/findings",
        {
            "description": "公办园在园幼儿数与花名册不符",
            "indicator_code": "2.1",
            "item_code": "kg_public_share",
            "verified_value": "52",
            "tolerance": "5",
            "raise_problem": "true",
            "deadline": "2099-06-30",
            "required_measure": "据实更正数据并说明原因",
            "photos": [SimpleUploadedFile("花名册.png", PNG, content_type="image/png")],
        },
    )
    assert answer.status_code == 201, answer.content
    found = answer.json()
    assert found["flagged"] and found["reported_value"] == "60" and found["verified_value"] == "52"
    assert len(found["photos"]) == 1 and found["problem_id"] is not None
    assert AuditRecord.objects.filter(action="inspection.finding").count() == 1

    answer = office.post(
        f"/api/v1/inspection/findings/{found['id']}/correct",
        json.dumps({"verified_value": "59", "tolerance": "5"}),
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["verified_value"] == "59" and not answer.json()["flagged"]
    assert Finding.objects.get().verified_value == Decimal(59)
    listed = office.get(f"/api/v1/inspection/visits/{visit}/findings").json()
    assert [f["verified_value"] for f in listed] == ["59"]


def test_the_visits_report_downloads_as_the_page_builds_it(cast, flagged_finding):
    from lvzhi.inspections.queries import report_file
    from lvzhi.rectification.queries import today_in_shanghai

    visit = flagged_finding.visit
    answer = api(cast, cast.viewer).get(f"/api/v1/inspection/visits/{visit.pk}/report/docx")
    assert answer.status_code == 200
    data, name = report_file(visit, "docx", today_in_shanghai())
    assert answer.content[:2] == b"PK" and len(answer.content) == len(data)
    assert quote(name) in answer["Content-Disposition"]
    pdf = api(cast, cast.viewer).get(f"/api/v1/inspection/visits/{visit.pk}/report/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    wrong = api(cast, cast.viewer).get(f"/api/v1/inspection/visits/{visit.pk}/report/xls")
    assert wrong.status_code == 404 and "docx 或 pdf" in wrong.json()["detail"]


def test_out_of_scope_and_unmanaging_users_are_refused_and_nothing_is_written(cast, flagged_finding):
    visit = flagged_finding.visit
    stranger = User.objects.create(username="stranger", full_name="无角色用户")
    outsider = api(cast, stranger)
    assert outsider.get(f"/api/v1/inspection/visits/{visit.pk}/checklist").status_code == 404
    assert outsider.get(f"/api/v1/inspection/visits/{visit.pk}/report/pdf").status_code == 404
    assert outsider.get(f"/api/v1/inspection/rounds/{cast.round.pk}/plans").status_code == 404
    city = api(cast, cast.jia_office)
    assert _plan(city, cast, regions=["990101"]).status_code == 403
    refused = city.post(f"/api/v1/inspection/visits/{visit.pk}/findings", {"description": "越权记录"})
    assert refused.status_code == 403 and "权限" in refused.json()["detail"]
    correct = city.post(
        f"/api/v1/inspection/findings/{flagged_finding.pk}/correct",
        json.dumps({"verified_value": "60"}),
        content_type="application/json",
    )
    assert correct.status_code == 403
    assert (
        outsider.post(
            f"/api/v1/inspection/findings/{flagged_finding.pk}/correct", "{}", content_type="application/json"
        ).status_code
        == 404
    )
    assert Plan.objects.count() == 1 and Finding.objects.count() == 1
    assert Finding.objects.get().verified_value == Decimal(52)


def test_bad_input_is_refused_in_chinese_and_writes_nothing(cast, flagged_finding):
    office = api(cast, cast.prov_office)
    audits = AuditRecord.objects.count()
    wrong = _plan(office, cast, starts_on="2024-05-09", regions=["990101", "123456"])
    assert wrong.status_code == 422
    assert "早于开始日期" in wrong.json()["detail"] and "123456" in wrong.json()["detail"]
    malformed = _plan(office, cast, starts_on="五月六日")
    assert malformed.status_code == 400 and "starts_on" in malformed.json()["detail"]
    visit = flagged_finding.visit
    wrong = office.post(
        f"/api/v1/inspection/visits/{visit.pk}/findings",
        {
            "description": "照片不是图片",
            "verified_value": "五十二",
            "photos": [SimpleUploadedFile("现场.png", b"not a picture", content_type="image/png")],
        },
    )
    assert wrong.status_code == 422 and "核查数值“五十二”不是数字" in wrong.json()["detail"]
    wrong = office.post(
        f"/api/v1/inspection/visits/{visit.pk}/findings",
        {"description": "没有时限", "raise_problem": "true", "verified_score": "99", "indicator_code": "1.1"},
    )
    assert wrong.status_code == 422 and "整改时限" in wrong.json()["detail"]
    wrong = office.post(
        f"/api/v1/inspection/findings/{flagged_finding.pk}/correct",
        json.dumps({"verified_value": "NaN"}),
        content_type="application/json",
    )
    assert wrong.status_code == 422 and "不是数字" in wrong.json()["detail"]
    assert Plan.objects.count() == 1 and Finding.objects.count() == 1 and Problem.objects.count() == 1
    assert AuditRecord.objects.count() == audits
    assert Finding.objects.get().verified_value == Decimal(52)
