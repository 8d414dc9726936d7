"""A survey's rate carries its sample as data: fed, the county's statistic stores n and the Wilson 95 %
interval beside the value, and the indicator's explanation on the score page states them; a value typed or
imported later drops the sample, and so does the explanation."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client, TestCase

from lvzhi.audit.codes import describe_record
from lvzhi.audit.models import AuditRecord
from lvzhi.evaluations import actions as ev_actions
from lvzhi.evaluations import rescoring
from lvzhi.evaluations.models import DataValue, Evaluation, ItemScore
from lvzhi.surveys import actions
from lvzhi.surveys.models import ResponseToken

pytestmark = pytest.mark.django_db

SATISFIED = {"overall": "非常满意", "conditions": "比较满意", "fairness": "非常满意", "burden": "适中"}
UNHAPPY = {"overall": "很不满意", "conditions": "不太满意", "fairness": "很不满意", "burden": "适中"}
# 3 parents, 2 satisfied on every counted question, 1 on none: 66.67 %, Wilson 95 % 20.77 %–93.85 %.
SAID = "教育满意度 66.67%（样本 3 份，95% 置信区间 20.77%–93.85%，误差 ±36.54 个百分点）"


def answered(survey, code: str = "990101") -> None:
    tokens = ResponseToken.objects.filter(survey=survey, region__code=code, group="parent").order_by("pk")
    for i, t in enumerate(tokens):
        actions.submit_response(token=t.token, answers=UNHAPPY if i == 2 else SATISFIED)


def explanation(survey, code: str = "990101") -> str:
    return ItemScore.objects.get(
        evaluation__round=survey.round, evaluation__region__code=code, indicator_code="1.1"
    ).explanation


def test_the_fed_rate_stores_its_sample_and_the_score_page_states_n_and_the_margin(cast, open_survey):
    answered(open_survey)
    dv = actions.do_feed_rate(
        acting_user=cast.jia_office, survey=open_survey, region=cast.regions["甲市一县"]
    )
    assert dv.value == Decimal("66.67")
    assert dv.sample == {"n": 3, "low": "20.77", "high": "93.85", "level": 95, "method": "wilson"}
    assert explanation(open_survey) == f"{SAID}，目标 ≥90%，差 23.33 → 10 − 1 × 23.33/1 = 0/10"
    client = Client()
    client.force_login(cast.jia1_filler)
    page = client.get(f"/e/{dv.evaluation_id}/scores/").content.decode()
    assert SAID in page
    saved = AuditRecord.objects.filter(action="value.save").latest("pk")
    told = describe_record(saved).split("；")  # in the database's order of the stored fields
    assert "样本：样本 3 份，95% 置信区间 20.77%–93.85%，误差 ±36.54 个百分点" in told


def test_the_self_evaluation_report_states_the_rate_with_its_sample(cast, open_survey):
    from lvzhi.evaluations import reporting

    answered(open_survey)
    dv = actions.do_feed_rate(
        acting_user=cast.jia_office, survey=open_survey, region=cast.regions["甲市一县"]
    )
    html = reporting.render(dv.evaluation, "html")
    assert "教育满意度为66.67%（抽样调查有效样本3份，95%置信区间为20.77%—93.85%，误差±36.54个百分点）" in html


def test_a_value_typed_by_hand_drops_the_sample_and_its_explanation_says_no_more(cast, open_survey):
    answered(open_survey)
    dv = actions.do_feed_rate(
        acting_user=cast.jia_office, survey=open_survey, region=cast.regions["甲市一县"]
    )
    typed, _ = ev_actions.do_save_value(
        acting_user=cast.jia1_filler,
        evaluation=dv.evaluation,
        item_code="satisfaction_rate",
        value="95",
        expected_version=dv.version,
        confirm_change=True,
    )
    assert typed.source == "manual" and typed.sample is None
    assert explanation(open_survey) == "教育满意度 95% ≥ 目标 90% → 10/10"


def test_an_import_that_changes_the_rate_drops_the_sample_and_one_that_keeps_it_keeps_it(cast, open_survey):
    answered(open_survey)
    county = cast.regions["甲市一县"]
    actions.do_feed_rate(acting_user=cast.jia_office, survey=open_survey, region=county)
    same = {"990101": {"satisfaction_rate": "66.67"}}
    ev_actions.do_import_values(acting_user=cast.jia1_filler, round=open_survey.round, rows=same)
    assert DataValue.objects.get(item_code="satisfaction_rate").sample is not None
    assert SAID in explanation(open_survey)
    changed = {"990101": {"satisfaction_rate": "80"}}
    ev_actions.do_import_values(acting_user=cast.jia1_filler, round=open_survey.round, rows=changed)
    assert DataValue.objects.get(item_code="satisfaction_rate").sample is None
    assert "样本" not in explanation(open_survey)


def test_a_sample_is_only_for_a_surveys_value(cast, open_survey):
    ev = Evaluation.objects.get(round=open_survey.round, region__code="990101")
    with pytest.raises(ev_actions.ActionError, match="只有满意度调查得出的数值可以附带样本"):
        ev_actions.do_save_value(
            acting_user=cast.jia1_filler,
            evaluation=ev,
            item_code="satisfaction_rate",
            value="90",
            expected_version=None,
            sample=actions.Sample(10, Decimal(50), Decimal(90)),
        )
    assert not DataValue.objects.exists()


def test_in_a_ranked_round_a_new_sample_of_the_same_rate_moves_the_explanation(cast, survey_round):
    """The incremental re-score of a ranked round passes samples as a full score does."""
    scheme = (Path(__file__).parent / "schemes" / "satisfaction-county.yaml").read_text(encoding="utf-8")
    ranked = scheme.replace(
        "rule: {kind: linear, expr: satisfaction_rate, target: 90, direction: min, per_unit: 1, step: 1}",
        "rule: {kind: rank, expr: satisfaction_rate, order: desc, points_by_rank: [10, 5]}",
    ).replace("id: test-satisfaction-county", "id: test-satisfaction-ranked")
    sv = ev_actions.do_create_scheme_version(
        acting_user=cast.prov_office, yaml_text=ranked, source_name="ranked.yaml"
    )
    rnd = ev_actions.do_open_round(
        acting_user=cast.jia_office,
        scheme_version=sv,
        year=2024,
        name="甲市2024年满意度排名轮次",
        owner_region=cast.regions["甲市"],
        regions=[cast.regions["甲市一县"], cast.regions["甲市二县"]],
    )
    evs = {e.region.code: e for e in rnd.evaluations.select_related("region", "round")}
    for e in evs.values():
        ev_actions.do_start_filling(acting_user=cast.filler_for(e), evaluation=e)
    ev_actions.do_save_value(
        acting_user=cast.filler_for(evs["990102"]),
        evaluation=evs["990102"],
        item_code="satisfaction_rate",
        value="50",
        expected_version=None,
    )
    one = evs["990101"]
    for n, low in ((3, "20.77"), (30, "48.5")):
        current = DataValue.objects.filter(evaluation=one, item_code="satisfaction_rate").first()
        with TestCase.captureOnCommitCallbacks(execute=True):  # as a request: the round's results are held
            ev_actions.do_save_value(
                acting_user=cast.jia_office,
                evaluation=one,
                item_code="satisfaction_rate",
                value="66.67",
                expected_version=current.version if current else None,
                source="survey",
                sample=actions.Sample(n, Decimal(low), Decimal("93.85")),
            )
        assert rnd.pk in rescoring._PEERS  # the second save goes the incremental way
        text = ItemScore.objects.get(evaluation=one, indicator_code="1.1").explanation
        assert text.startswith(f"教育满意度 66.67%（样本 {n} 份，95% 置信区间 {low}%–93.85%"), text
        assert text.endswith("在 2 个地区中排第 1 → 10/10")
