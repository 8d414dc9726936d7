"""The survey pages through Django's test client: the office opens a survey and reads its results, a
respondent answers through a token without signing in, the QR code is a PNG only its office can fetch."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from lvzhi.surveys.models import ResponseToken, Survey, SurveyResponse

pytestmark = pytest.mark.django_db

PARENT = {"overall": "非常满意", "conditions": "比较满意", "fairness": "一般", "burden": "适中"}


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_office_opens_a_survey_for_two_counties_from_the_form(cast, survey_round):
    office = signed_in(cast.jia_office)
    assert "开启满意度调查" in office.get("/surveys/").content.decode()
    now = timezone.localtime()
    response = office.post(
        "/surveys/",
        {
            "name": "甲市教育满意度调查",
            "round": survey_round.pk,
            "questionnaire": "education-satisfaction.yaml",
            "regions": "",
            "opens_at": now.strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (now + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
            "margin": "10",
            "links": "",
        },
    )
    survey = Survey.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/surveys/{survey.pk}/"
    # ±10 points at 95 % needs 97 respondents per group: one link each.
    assert ResponseToken.objects.filter(survey=survey).count() == 2 * 4 * 97
    page = office.get(f"/surveys/{survey.pk}/").content.decode()
    assert "甲市一县" in page and "0/97" in page and "Wilson 95% 置信区间" in page


def test_a_respondent_answers_once_without_signing_in(cast, open_survey):
    token = ResponseToken.objects.filter(survey=open_survey, group="parent").first().token
    anonymous = Client(enforce_csrf_checks=True)
    form = anonymous.get(f"/s/{token}/")
    assert form.status_code == 200
    body = form.content.decode()
    assert "甲市一县" in body and "家长" in body and 'name="teacher_support"' not in body
    assert "<script>" not in body and "style=" not in body
    csrf = anonymous.cookies["csrftoken"].value
    done = anonymous.post(f"/s/{token}/", {**PARENT, "csrfmiddlewaretoken": csrf})
    assert done.status_code == 200 and "提交成功" in done.content.decode()
    assert SurveyResponse.objects.get().answers == PARENT
    again = anonymous.post(f"/s/{token}/", {**PARENT, "csrfmiddlewaretoken": csrf})
    assert again.status_code == 409 and "每个链接只能提交一次" in again.content.decode()
    assert SurveyResponse.objects.count() == 1


def test_a_missing_answer_is_marked_and_nothing_is_written(cast, open_survey):
    token = ResponseToken.objects.filter(survey=open_survey, group="parent").first().token
    page = Client().post(f"/s/{token}/", {"overall": "非常满意"})
    assert page.status_code == 400
    assert "请回答“您对学校办学条件（校舍、设备、图书）是否满意？”" in page.content.decode()
    assert SurveyResponse.objects.count() == 0


def test_a_tampered_or_unknown_token_reaches_no_questionnaire(cast, open_survey):
    token = ResponseToken.objects.filter(survey=open_survey).first().token
    for bad in (token[:-2] + ("zz" if token[-2:] != "zz" else "yy"), "x" * 22, "abc.def"):
        page = Client().get(f"/s/{bad}/")
        assert page.status_code == 404 and "答卷链接无效" in page.content.decode()
        assert "甲市一县" not in page.content.decode()


def test_a_closed_survey_refuses_the_form(cast, open_survey):
    Survey.objects.filter(pk=open_survey.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    token = ResponseToken.objects.filter(survey=open_survey).first().token
    page = Client().post(f"/s/{token}/", PARENT)
    assert page.status_code == 409 and "不再接受答卷" in page.content.decode()
    assert SurveyResponse.objects.count() == 0


def test_the_qr_code_is_a_png_for_the_office_and_refused_to_others(cast, open_survey):
    token = ResponseToken.objects.filter(survey=open_survey).first().token
    png = signed_in(cast.jia_office).get(f"/surveys/{open_survey.pk}/qr/{token}.png")
    assert (
        png.status_code == 200
        and png["Content-Type"] == "image/png"
        and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    )
    assert signed_in(cast.jia1_filler).get(f"/surveys/{open_survey.pk}/qr/{token}.png").status_code in (
        403,
        404,
    )
    links = (
        signed_in(cast.jia_office).get(f"/surveys/{open_survey.pk}/regions/990101/links/").content.decode()
    )
    assert f"/s/{token}/" in links or links.count("/s/") == 12


def test_feeding_from_the_page_saves_the_rate_with_n_and_margin(cast, open_survey):
    from lvzhi.evaluations.models import DataValue
    from lvzhi.surveys.actions import submit_response

    for t in ResponseToken.objects.filter(survey=open_survey, region__code="990101", group="parent"):
        submit_response(token=t.token, answers=PARENT)
    office = signed_in(cast.jia_office)
    page = office.post(f"/surveys/{open_survey.pk}/feed/", {"region": "990101"}, follow=True).content.decode()
    assert "已将甲市一县的满意度 66.67% 写入数据项" in page, re.findall(r"class=\"msg[^<]*", page)
    dv = DataValue.objects.get(item_code="satisfaction_rate")
    assert "n=3" in dv.note and "Wilson" in dv.note


def test_a_countys_filler_sees_only_its_own_row_and_no_links(cast, open_survey):
    page = signed_in(cast.jia1_filler).get(f"/surveys/{open_survey.pk}/").content.decode()
    assert "甲市一县" in page and "甲市二县" not in page
    assert "/s/" not in page and "导入答卷" not in page


def test_too_many_posts_from_one_address_are_turned_away_without_writing(cast, open_survey, monkeypatch):
    from django.core.cache import cache

    from lvzhi.surveys import views

    cache.clear()
    monkeypatch.setattr(views, "RESPONSES_PER_MINUTE", 1)
    first, second = ResponseToken.objects.filter(survey=open_survey, group="parent")[:2]
    assert Client().post(f"/s/{first.token}/", PARENT).status_code == 200
    refused = Client().post(f"/s/{second.token}/", PARENT)
    assert refused.status_code == 429 and "提交过于频繁" in refused.content.decode()
    assert SurveyResponse.objects.count() == 1
    cache.clear()


def test_the_api_gives_results_in_reach_and_feeds_only_for_the_office(cast, open_survey):
    from lvzhi.accounts.actions import do_create_api_token
    from lvzhi.surveys.actions import submit_response

    for t in ResponseToken.objects.filter(survey=open_survey, region__code="990101", group="parent"):
        submit_response(token=t.token, answers=PARENT)

    def api(user) -> Client:
        _, raw = do_create_api_token(acting_user=cast.admin, user=user, name="surveys")
        return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    office, filler = api(cast.jia_office), api(cast.jia1_filler)
    rows = office.get(f"/api/v1/surveys/{open_survey.pk}/results").json()
    assert [r["code"] for r in rows] == ["990101", "990102"]
    assert rows[0]["total"]["n"] == 3 and rows[0]["total"]["method"] == "Wilson 95%"
    assert [r["code"] for r in filler.get(f"/api/v1/surveys/{open_survey.pk}/results").json()] == ["990101"]
    assert filler.post(f"/api/v1/surveys/{open_survey.pk}/regions/990101/feed").status_code == 403
    fed = office.post(f"/api/v1/surveys/{open_survey.pk}/regions/990101/feed")
    assert fed.status_code == 200 and "n=3" in fed.json()["note"]
    assert fed.json()["sample"] == {"n": 3, "low": "20.77", "high": "93.85", "level": 95, "method": "wilson"}
    ev = open_survey.round.evaluations.get(region__code="990101")
    values = office.get(f"/api/v1/evaluations/{ev.pk}/values").json()["items"]
    assert [v["sample"]["n"] for v in values if v["item"] == "satisfaction_rate"] == [3]


def test_a_regions_links_print_as_a_pdf_of_qr_codes_for_its_office_only(cast, open_survey):
    pdf = signed_in(cast.jia_office).get(f"/surveys/{open_survey.pk}/regions/990101/links.pdf")
    assert pdf.status_code == 200 and pdf.content[:5] == b"%PDF-" and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.count(b"/Subtype /Image") >= 12  # one QR code per unused link (4 groups × 3)
    refused = signed_in(cast.jia1_filler).get(f"/surveys/{open_survey.pk}/regions/990101/links.pdf")
    assert refused.status_code in (403, 404)
