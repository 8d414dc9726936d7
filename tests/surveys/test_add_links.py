"""More response links for one group of one region of an open survey: from the links page (增发链接) and from
`lvzhi survey add-links`, only by the survey's office, audited, refused once the survey has closed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from typer.testing import CliRunner

from lvzhi.audit.codes import describe_record
from lvzhi.audit.models import AuditRecord
from lvzhi.cli.main import app
from lvzhi.surveys import actions
from lvzhi.surveys.models import ResponseToken

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def links(survey, code: str = "990101", group: str = "parent") -> int:
    return ResponseToken.objects.filter(survey=survey, region__code=code, group=group).count()


def test_the_office_adds_links_for_a_group_of_a_county_from_its_links_page(cast, open_survey):
    office = signed_in(cast.jia_office)
    url = f"/surveys/{open_survey.pk}/regions/990101/links/"
    sheet = office.get(url).content.decode()
    assert "增发链接" in sheet and '<option value="parent">家长</option>' in sheet
    page = office.post(url + "add/", {"group": "parent", "count": "5"}, follow=True)
    assert page.redirect_chain[-1][0] == url
    assert "已为甲市一县的家长增发 5 个答卷链接。" in page.content.decode()
    assert links(open_survey) == 3 + 5
    assert links(open_survey, "990102") == 3 and links(open_survey, group="student") == 3
    audit = AuditRecord.objects.get(action="survey.add_tokens")
    assert audit.region_code == "990101"
    told = describe_record(audit)  # the stored fields' order is the database's (jsonb sorts them)
    assert told.startswith("jia_office为满意度调查“甲市2024年教育满意度调查”增发了答卷链接：")
    assert {"区划：甲市一县（990101）", "调查对象：家长", "数量：5"} <= set(
        told.split("：", 1)[1].split("；")
    )


def test_nobody_but_the_surveys_office_can_add_links(cast, open_survey):
    for user in (cast.jia1_filler, cast.viewer, cast.expert):
        response = signed_in(user).post(
            f"/surveys/{open_survey.pk}/regions/990101/links/add/", {"group": "parent", "count": "5"}
        )
        assert response.status_code in (403, 404), user
    assert links(open_survey) == 3 and not AuditRecord.objects.filter(action="survey.add_tokens").exists()


def test_a_wrong_count_or_group_is_refused_in_chinese_and_writes_nothing(cast, open_survey):
    office = signed_in(cast.jia_office)
    url = f"/surveys/{open_survey.pk}/regions/990101/links/add/"
    too_many = office.post(url, {"group": "parent", "count": "5000"}, follow=True).content.decode()
    assert "未能增发链接：链接数应在 1 到 2000 之间" in too_many
    unknown = office.post(url, {"group": "doctor", "count": "5"}, follow=True).content.decode()
    assert "未能增发链接：问卷中没有调查对象“doctor”" in unknown
    assert (
        "未能增发链接：链接数应为正整数"
        in office.post(url, {"group": "parent", "count": "-1"}, follow=True).content.decode()
    )
    assert links(open_survey) == 3 and not AuditRecord.objects.filter(action="survey.add_tokens").exists()


def test_a_closed_survey_gets_no_more_links(cast, open_survey):
    after = open_survey.closes_at + timedelta(minutes=1)
    with pytest.raises(actions.ValidationFailed, match="结束，不能再增发链接"):
        actions.do_add_tokens(
            acting_user=cast.jia_office,
            survey=open_survey,
            region=cast.regions["甲市一县"],
            group="parent",
            count=5,
            now=after,
        )
    open_survey.closes_at = timezone.now() - timedelta(minutes=1)
    open_survey.save(update_fields=["closes_at"])
    sheet = (
        signed_in(cast.jia_office).get(f"/surveys/{open_survey.pk}/regions/990101/links/").content.decode()
    )
    assert "增发链接" not in sheet
    assert links(open_survey) == 3


def test_the_command_line_adds_links_by_group_name_for_the_office_only(cast, open_survey):
    runner = CliRunner()
    args = ["survey", "add-links", "--survey", str(open_survey.pk), "--region", "990102"]
    done = runner.invoke(app, [*args, "--group", "学生", "--count", "4", "--as", "jia_office"])
    assert done.exit_code == 0 and "已为 甲市二县 的学生增发 4 个答卷链接。" in done.output
    assert links(open_survey, "990102", "student") == 3 + 4
    refused = runner.invoke(app, [*args, "--group", "student", "--count", "4", "--as", "jia2_filler"])
    assert refused.exit_code == 1 and "权限" in refused.output
    elsewhere = ["survey", "add-links", "--survey", str(open_survey.pk), "--region", "990201"]
    outside = runner.invoke(app, [*elsewhere, "--group", "student", "--count", "4", "--as", "jia_office"])
    assert outside.exit_code == 1 and "不在本次调查中" in outside.output
    assert links(open_survey, "990102", "student") == 7
