"""/api/v1/surveys: an office uploads a questionnaire, opens a survey with an uploaded version, adds links for a
county's group — through the same actions and scoping as the pages; refusals keep their statuses and write
nothing."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from lvzhi.accounts.actions import do_create_api_token
from lvzhi.accounts.models import User
from lvzhi.audit.models import AuditRecord
from lvzhi.surveys.models import QuestionnaireVersion, ResponseToken, Survey

from .conftest import QUESTIONNAIRE

pytestmark = pytest.mark.django_db

TEXT = (
    QUESTIONNAIRE.read_text(encoding="utf-8")
    .replace("code: education-satisfaction", "code: jia-satisfaction")
    .replace("name: 县域教育满意度调查", "name: 甲市家长满意度调查")
)


def api(cast, user) -> Client:
    _, token = do_create_api_token(acting_user=cast.admin, user=user, name="调查测试")
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def upload(client: Client, text: str, name: str = "甲市问卷.yaml"):
    return client.post(
        "/api/v1/surveys/questionnaires", {"file": SimpleUploadedFile(name, text.encode("utf-8"))}
    )


def post_survey(client: Client, round_id: int, **fields):
    body = {
        "round_id": round_id,
        "name": "甲市家长满意度调查2024",
        "questionnaire": "jia-satisfaction@1",
        "opens_at": "2024-05-01T08:00",
        "closes_at": "2099-05-31T18:00",
        "margin": "10",
        "regions": ["990101"],
        "links": 3,
    }
    return client.post("/api/v1/surveys", json.dumps({**body, **fields}), content_type="application/json")


def test_the_office_uploads_two_versions_opens_a_survey_with_the_first_and_adds_links(cast, survey_round):
    office = api(cast, cast.jia_office)
    first = upload(office, TEXT)
    assert first.status_code == 201, first.content
    assert first.json()["reference"] == "jia-satisfaction@1" and first.json()["name"] == "甲市家长满意度调查"
    second = upload(office, TEXT.replace("甲市家长满意度调查", "甲市家长满意度调查（修订）"))
    assert second.json()["reference"] == "jia-satisfaction@2"
    offered = [q["reference"] for q in office.get("/api/v1/surveys/questionnaires").json()]
    assert offered == ["education-satisfaction.yaml", "jia-satisfaction@2", "jia-satisfaction@1"]

    answer = post_survey(office, survey_round.pk)
    assert answer.status_code == 201, answer.content
    survey = Survey.objects.get()
    assert answer.json()["id"] == survey.pk and survey.questionnaire_text == TEXT
    assert set(ResponseToken.objects.values_list("region__code", flat=True)) == {"990101"}
    assert ResponseToken.objects.filter(group="parent").count() == 3
    assert AuditRecord.objects.get(action="survey.open").actor_username == "jia_office"

    added = office.post(
        f"/api/v1/surveys/{survey.pk}/regions/990101/links",
        json.dumps({"group": "家长", "count": 2}),
        content_type="application/json",
    )
    assert added.status_code == 201, added.content
    assert added.json() == {"region": "990101", "group": "家长", "added": 2, "unused": 5}
    assert AuditRecord.objects.get(action="survey.add_tokens").after["count"] == 2


def test_the_latest_uploaded_version_is_taken_when_no_version_is_named(cast, survey_round):
    office = api(cast, cast.jia_office)
    upload(office, TEXT)
    upload(office, TEXT.replace("甲市家长满意度调查", "甲市家长满意度调查（修订）"))
    assert post_survey(office, survey_round.pk, questionnaire="jia-satisfaction").status_code == 201
    assert "甲市家长满意度调查（修订）" in Survey.objects.get().questionnaire_text


def test_users_who_may_not_open_or_add_links_are_refused_and_nothing_is_written(
    cast, survey_round, open_survey
):
    stranger = api(cast, User.objects.create(username="stranger", full_name="无角色用户"))
    filler = api(cast, cast.jia1_filler)
    surveys, tokens = Survey.objects.count(), ResponseToken.objects.count()
    assert (
        post_survey(filler, survey_round.pk, questionnaire="education-satisfaction.yaml").status_code == 403
    )
    assert (
        post_survey(stranger, survey_round.pk, questionnaire="education-satisfaction.yaml").status_code == 404
    )
    links = f"/api/v1/surveys/{open_survey.pk}/regions/990101/links"
    body = json.dumps({"group": "parent", "count": 2})
    assert filler.post(links, body, content_type="application/json").status_code == 403
    assert stranger.post(links, body, content_type="application/json").status_code == 404
    refused = upload(filler, TEXT)
    assert refused.status_code == 403 and "督导办" in refused.json()["detail"]
    assert filler.get("/api/v1/surveys/questionnaires").status_code == 403
    assert (Survey.objects.count(), ResponseToken.objects.count()) == (surveys, tokens)
    assert not QuestionnaireVersion.objects.exists()


def test_bad_input_is_refused_in_chinese_at_its_place_and_writes_nothing(cast, survey_round, open_survey):
    office = api(cast, cast.jia_office)
    audits = AuditRecord.objects.count()
    text = TEXT.replace("kind: choice", "kind: slider")
    line = text.splitlines().index("    kind: slider") + 1
    bad = upload(office, text, "有误.yaml")
    assert (
        bad.status_code == 422
        and f"有误.yaml:{line}:11: 题目 burden: 未知题型 “slider”" in bad.json()["detail"]
    )
    assert not QuestionnaireVersion.objects.exists()

    wrong = post_survey(office, survey_round.pk, questionnaire="jia-satisfaction@7", regions=["990201"])
    assert wrong.status_code == 422
    assert "没有问卷“jia-satisfaction@7”" in wrong.json()["detail"] and "990201" in wrong.json()["detail"]
    wrong = post_survey(
        office, survey_round.pk, questionnaire="education-satisfaction", closes_at="2024-04-01T00:00"
    )
    assert wrong.status_code == 422 and "结束时间应晚于开始时间" in wrong.json()["detail"]
    malformed = post_survey(office, survey_round.pk, opens_at="五月一日")
    assert malformed.status_code == 400 and "opens_at" in malformed.json()["detail"]

    links = f"/api/v1/surveys/{open_survey.pk}/regions/990101/links"
    wrong = office.post(links, json.dumps({"group": "校长", "count": 2}), content_type="application/json")
    assert wrong.status_code == 422 and "问卷中没有调查对象“校长”" in wrong.json()["detail"]
    wrong = office.post(
        f"/api/v1/surveys/{open_survey.pk}/regions/990201/links",
        json.dumps({"group": "parent", "count": 2}),
        content_type="application/json",
    )
    assert wrong.status_code == 422 and "不在本次调查中" in wrong.json()["detail"]
    assert Survey.objects.count() == 1 and ResponseToken.objects.count() == 2 * 4 * 3
    assert AuditRecord.objects.count() == audits
