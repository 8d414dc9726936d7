"""/api/v1/inspection: the risk list, a draw, its re-run check and the credibility table, scoped as the UI."""

from __future__ import annotations

import json

from django.test import Client

from lvzhi.accounts.actions import do_create_api_token
from lvzhi.inspections.models import Draw


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
