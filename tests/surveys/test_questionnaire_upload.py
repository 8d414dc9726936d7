"""The office uploads a questionnaire file on the survey page: the loader checks it (a bad file is refused at
its file:line and nothing is stored), it is stored as a version of its questionnaire with an audit record,
and the opening form offers it; the survey keeps the text it was opened with."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from lvzhi.audit.models import AuditRecord
from lvzhi.surveys.models import QuestionnaireVersion, Survey

from .conftest import QUESTIONNAIRE

pytestmark = pytest.mark.django_db

TEXT = (
    QUESTIONNAIRE.read_text(encoding="utf-8")
    .replace("code: education-satisfaction", "code: jia-satisfaction")
    .replace("name: 县域教育满意度调查", "name: 甲市家长满意度调查")
)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def upload(client: Client, text: str | bytes, name: str = "甲市问卷.yaml"):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return client.post(
        "/surveys/questionnaires/", {"questionnaire": SimpleUploadedFile(name, data)}, follow=True
    )


def test_an_uploaded_questionnaire_is_stored_audited_and_offered_when_opening_a_survey(cast, survey_round):
    office = signed_in(cast.jia_office)
    page = upload(office, TEXT).content.decode()
    stored = QuestionnaireVersion.objects.get()
    assert (stored.code, stored.version, stored.name, stored.text) == (
        "jia-satisfaction",
        1,
        "甲市家长满意度调查",
        TEXT,
    )
    assert "已保存问卷“甲市家长满意度调查（第 1 版）”" in page
    assert f'<option value="upload-{stored.pk}" selected>甲市家长满意度调查（上传，第 1 版）</option>' in page
    audit = AuditRecord.objects.get(action="survey.upload_questionnaire")
    assert audit.actor_username == "jia_office" and audit.after["version"] == 1
    opened = office.post(
        "/surveys/",
        {
            "name": "甲市家长满意度调查2024",
            "round": survey_round.pk,
            "questionnaire": f"upload-{stored.pk}",
            "opens_at": "2024-05-01T08:00",
            "closes_at": "2024-05-31T18:00",
            "margin": "5",
            "links": "2",
        },
        follow=True,
    )
    assert "已开启甲市家长满意度调查2024" in opened.content.decode()
    survey = Survey.objects.get()
    assert survey.questionnaire_text == TEXT and survey.questionnaire().name == "甲市家长满意度调查"


def test_the_same_code_again_is_a_new_version_and_the_same_text_again_is_the_stored_one(cast, survey_round):
    office = signed_in(cast.jia_office)
    upload(office, TEXT)
    upload(office, TEXT)
    assert QuestionnaireVersion.objects.count() == 1
    upload(office, TEXT.replace("您对学校办学条件", "您对本地学校办学条件"), "甲市问卷-修订.yaml")
    assert list(QuestionnaireVersion.objects.values_list("version", "file_name")) == [
        (2, "甲市问卷-修订.yaml"),
        (1, "甲市问卷.yaml"),
    ]
    assert AuditRecord.objects.filter(action="survey.upload_questionnaire").count() == 2


def test_a_bad_file_is_refused_at_its_line_and_nothing_is_stored(cast, survey_round):
    bad = TEXT.replace("kind: choice", "kind: slider")
    line = bad.splitlines().index("    kind: slider") + 1
    page = upload(signed_in(cast.jia_office), bad, "有误的问卷.yaml").content.decode()
    assert "问卷有错误，未保存" in page
    assert f"有误的问卷.yaml:{line}:" in page and "slider" in page
    assert not QuestionnaireVersion.objects.exists()
    assert not AuditRecord.objects.filter(action="survey.upload_questionnaire").exists()


def test_a_file_that_is_not_utf8_or_not_yaml_is_refused_in_chinese(cast, survey_round):
    office = signed_in(cast.jia_office)
    gbk = upload(office, TEXT.encode("gbk"), "国标编码.yaml").content.decode()
    assert "国标编码.yaml:1: 不是 UTF-8 编码的文字" in gbk
    word = upload(office, TEXT, "问卷.docx").content.decode()
    assert "问卷.docx：问卷文件应为 .yaml 文件" in word
    assert not QuestionnaireVersion.objects.exists()


def test_only_who_may_open_a_survey_may_upload_a_questionnaire(cast, survey_round):
    refused = upload(signed_in(cast.jia1_filler), TEXT)
    assert refused.status_code == 403
    assert not QuestionnaireVersion.objects.exists()
    assert "上传调查问卷" not in signed_in(cast.jia1_filler).get("/surveys/").content.decode()
