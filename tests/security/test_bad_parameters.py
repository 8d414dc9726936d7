"""Item 6: malformed query input answers 400 with a Chinese message; the API always answers JSON; 500s are logged."""

from __future__ import annotations

import uuid

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

HUGE = "9" * 20


@pytest.mark.parametrize(
    "query", ["since=notadate", "until=2024-13-45", "since=2024-02-30", "until=２０２４"]
)
def test_a_bad_date_filter_on_the_audit_page_is_a_400_saying_which(client, cast, query):
    client.force_login(cast.prov_office)
    response = client.get(f"/audit/?{query}")
    assert response.status_code == 400
    text = response.content.decode()
    assert "应为日期" in text and query.split("=")[0] in text


def test_a_real_date_filter_still_works(client, cast):
    client.force_login(cast.prov_office)
    assert client.get("/audit/?since=2024-02-29&until=2030-01-01").status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        f"/api/v1/regions/?offset={HUGE}",
        f"/api/v1/rounds/?offset={HUGE}",
        f"/api/v1/schemes/?offset={HUGE}",
        f"/api/v1/audit/?offset={HUGE}",
        "/api/v1/audit/?offset=-1",
        "/api/v1/audit/?limit=0",
        "/api/v1/regions/?limit=abc",
        f"/api/v1/evaluations/?round={HUGE}",
        f"/api/v1/rectification/problems?evaluation={HUGE}",
    ],
)
def test_an_out_of_range_parameter_is_a_json_400_in_chinese(client, cast, url):
    client.force_login(cast.prov_office)
    response = client.get(url)
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"].startswith("请求参数有误")


@pytest.mark.parametrize(
    "url",
    [
        f"/api/v1/evaluations/{HUGE}",
        f"/api/v1/evidence/{HUGE}",
        f"/api/v1/rounds/{HUGE}",
        f"/api/v1/rectification/problems/{HUGE}",
        "/api/v1/no-such-route",
    ],
)
def test_an_id_no_table_can_hold_or_an_unknown_route_is_a_json_404(client, cast, url):
    client.force_login(cast.prov_office)
    response = client.get(url)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert "不存在" in response.json()["detail"]


def test_a_huge_id_in_a_web_page_address_is_a_404_page(client, cast):
    client.force_login(cast.prov_office)
    response = client.get(f"/e/{HUGE}/")
    assert response.status_code == 404
    assert "不存在" in response.content.decode()


def test_a_server_error_in_the_api_answers_json_and_is_logged(client, cast, monkeypatch):
    marker = f"probe-{uuid.uuid4()}"

    def broken(user):
        raise RuntimeError(marker)

    monkeypatch.setattr("lvzhi.accounts.scoping.regions_visible_to", broken)
    client.raise_request_exception = False
    client.force_login(cast.prov_office)
    response = client.get("/api/v1/regions/")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    assert "已记录错误" in response.json()["detail"]
    log = (settings.LOG_DIR / "lvzhi.log").read_text(encoding="utf-8")
    assert marker in log and "Traceback" in log


def test_a_request_body_over_django_s_limit_under_the_api_is_a_json_400(client, cast, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client.force_login(cast.jia1_filler)
    response = client.post(
        f"/api/v1/evaluations/{cast.jia1.pk}/transition", data="x" * 5000, content_type="application/json"
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert "请求无效" in response.json()["detail"]
