"""Responses through anonymous tokens: one per token, only inside the window, nothing written on refusal;
the rate feeds the county's satisfaction statistic (n and margin in its note) and its indicator's score."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from lvzhi.accounts.scoping import Forbidden
from lvzhi.audit.models import AuditRecord
from lvzhi.evaluations.errors import ValidationFailed
from lvzhi.evaluations.models import DataValue, ItemScore
from lvzhi.surveys import actions, tally
from lvzhi.surveys.models import ResponseToken, SurveyResponse

pytestmark = pytest.mark.django_db

PARENT = {"overall": "比较满意", "conditions": "一般", "fairness": "非常满意", "burden": "适中"}


def token_of(survey, region, group="parent", n=0) -> str:
    return ResponseToken.objects.filter(survey=survey, region=region, group=group).order_by("pk")[n].token


def test_opening_gives_each_group_of_each_county_its_links_and_an_audit_record(cast, open_survey):
    assert ResponseToken.objects.filter(survey=open_survey).count() == 2 * 4 * 3
    assert AuditRecord.objects.filter(action="survey.open", object_id=str(open_survey.pk)).count() == 1
    result = tally.survey_results(open_survey)
    assert [r.region.name for r in result] == ["甲市一县", "甲市二县"]
    assert all(g.quota == 385 and g.links == 3 and g.n == 0 for r in result for g in r.groups)


def test_a_county_office_cannot_open_a_survey_of_a_round_it_does_not_manage(cast):
    from decimal import Decimal

    with pytest.raises(Forbidden):
        actions.do_open_survey(
            acting_user=cast.jia1_filler,
            round=cast.round,
            regions=[cast.regions["甲市一县"]],
            name="越权",
            questionnaire_file="q.yaml",
            questionnaire_text="",
            opens_at=timezone.now(),
            closes_at=timezone.now() + timedelta(days=1),
            margin=Decimal("0.05"),
        )


def test_a_token_answers_once_and_a_replay_is_refused_with_nothing_written(cast, open_survey):
    county = cast.regions["甲市一县"]
    token = token_of(open_survey, county)
    actions.submit_response(token=token, answers=PARENT)
    before = (SurveyResponse.objects.count(), AuditRecord.objects.count())
    with pytest.raises(actions.SurveyRefused, match="每个链接只能提交一次"):
        actions.submit_response(token=token, answers=PARENT)
    assert (SurveyResponse.objects.count(), AuditRecord.objects.count()) == before
    stored = SurveyResponse.objects.get()
    assert stored.answers == PARENT and stored.region == county and stored.group == "parent"


def test_a_tampered_token_is_refused(cast, open_survey):
    token = token_of(open_survey, cast.regions["甲市一县"])
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    with pytest.raises(actions.SurveyRefused, match="链接无效"):
        actions.submit_response(token=tampered, answers=PARENT)
    assert SurveyResponse.objects.count() == 0
    assert ResponseToken.objects.filter(used_at__isnull=False).count() == 0


def test_a_response_outside_the_window_is_refused_and_the_token_stays_unspent(cast, open_survey):
    token = token_of(open_survey, cast.regions["甲市二县"])
    with pytest.raises(actions.SurveyRefused, match="结束，不再接受答卷"):
        actions.submit_response(token=token, answers=PARENT, now=open_survey.closes_at + timedelta(seconds=1))
    with pytest.raises(actions.SurveyRefused, match="调查尚未开始"):
        actions.submit_response(token=token, answers=PARENT, now=open_survey.opens_at - timedelta(seconds=1))
    assert SurveyResponse.objects.count() == 0
    assert ResponseToken.objects.get(token=token).used_at is None


def test_answers_the_questionnaire_does_not_ask_are_refused(cast, open_survey):
    token = token_of(open_survey, cast.regions["甲市一县"], group="teacher")
    with pytest.raises(ValidationFailed) as caught:
        actions.submit_response(token=token, answers={**PARENT, "phone": "13800000000"})
    messages = {i.code: i.message for i in caught.value.issues}
    assert "phone" in messages and "fairness" in messages and "teacher_support" in messages
    assert SurveyResponse.objects.count() == 0


def test_the_rate_feeds_the_statistic_with_n_and_margin_and_rescores_the_indicator(cast, open_survey):
    county = cast.regions["甲市一县"]
    # 3 parents all satisfied on every counted question, 3 students each satisfied on one of two.
    for n in range(3):
        actions.submit_response(
            token=token_of(open_survey, county, "parent", n), answers=PARENT | {"conditions": "非常满意"}
        )
        actions.submit_response(
            token=token_of(open_survey, county, "student", n),
            answers={"overall": "很不满意", "conditions": "比较满意"},
        )
    (jia1,) = [r for r in tally.survey_results(open_survey) if r.region == county]
    assert jia1.total is not None and jia1.total.n == 6 and jia1.total.rate == 0.75
    assert [g.n for g in jia1.groups] == [3, 3, 0, 0]
    dv = actions.do_feed_rate(acting_user=cast.jia_office, survey=open_survey, region=county)
    assert str(dv.value) == "75.00" and dv.source == "survey"
    assert "n=6" in dv.note and "Wilson" in dv.note and "±" in dv.note and "家长 n=3" in dv.note
    score = ItemScore.objects.get(
        evaluation__round=open_survey.round, evaluation__region=county, indicator_code="1.1"
    )
    assert score.auto_score is not None and score.auto_score < 10  # 75 % misses the 90 % target
    assert AuditRecord.objects.filter(action="value.save", region_code=county.code).exists()


def test_a_filler_cannot_feed_the_survey_rate(cast, open_survey):
    county = cast.regions["甲市一县"]
    actions.submit_response(token=token_of(open_survey, county), answers=PARENT)
    with pytest.raises(Forbidden):
        actions.do_feed_rate(acting_user=cast.jia1_filler, survey=open_survey, region=county)
    assert not DataValue.objects.filter(item_code="satisfaction_rate").exists()
