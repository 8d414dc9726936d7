"""The 督导 pages: the office sees the risk list with reasons, draws, plans, records a finding with a photo
on the visit page; the finding reaches the ledger and the credibility table shows the region."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from lvzhi.inspections.models import Draw, Finding, Plan
from lvzhi.rectification.models import Problem

PNG = b"\x89PNG\r\n\x1a\n" + bytes(32)


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_the_office_draws_plans_and_records_a_flagged_finding_through_the_pages(cast, over_scored):
    office = _client(cast.prov_office)
    url = f"/rounds/{cast.round.pk}/inspection/"
    page = office.get(url).content.decode()
    assert "风险排序" in page and "甲市一县" in page and "自评高于评审/核查" in page

    answer = office.post(url, {"action": "draw", "n": "2", "seed": "42"})
    draw = Draw.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/inspection/draws/{draw.pk}/"
    shown = office.get(answer["Location"]).content.decode()
    assert "42" in shown and "结果一致" in shown
    # The page tells an official how the draw works and shows each county's chance, exact here.
    assert "这次抽取是怎样进行的" in shown and "基础权重 10 + 风险分" in shown and "如何复核" in shown
    assert "本次为精确计算" in shown and "重新计算的入选概率与存档一致" in shown
    assert f"{Decimal(draw.inclusion['probabilities']['990101']) * 100:.2f}%" in shown

    office.post(
        url,
        {
            "action": "plan",
            "name": "春季督导",
            "team": "张三",
            "starts_on": "2024-05-06",
            "ends_on": "2024-05-08",
            "draw": str(draw.pk),
            "regions": ["990101"],
        },
    )
    plan = Plan.objects.get()
    visit = plan.visits.get(evaluation=cast.jia1)
    page = office.get(f"/inspection/visits/{visit.pk}/").content.decode()
    assert "核查清单" in page and "自评 " in page and 'enctype="multipart/form-data"' in page

    answer = office.post(
        f"/inspection/visits/{visit.pk}/",
        {
            "indicator": "1.1",
            "description": "会议记录缺失三次",
            "item": "kg_public_share",
            "verified": "80",
            "tolerance": "5",
            "raise_problem": "1",
            "severity": "一般",
            "required_measure": "补齐会议记录",
            "deadline": (date.today() + timedelta(days=30)).isoformat(),
            "photos": [SimpleUploadedFile("现场.png", PNG, content_type="image/png")],
        },
    )
    assert answer.status_code == 302
    finding = Finding.objects.get()
    assert finding.flagged and finding.photos.count() == 1 and finding.reported_value == 96
    page = office.get(f"/inspection/visits/{visit.pk}/").content.decode()
    assert "差异超出允许偏差" in page and f"问题#{finding.problem_id}" in page
    assert Problem.objects.get(pk=finding.problem_id).source == "实地检查"
    ledger = office.get("/rectification/").content.decode()
    assert "会议记录缺失三次" in ledger

    table = office.get("/inspection/credibility/").content.decode()
    assert "甲市一县" in table and "自评可信度" in table


def test_a_wrong_number_is_refused_in_chinese_and_nothing_is_written(cast):
    from lvzhi.inspections.actions import do_create_plan

    plan = do_create_plan(
        acting_user=cast.prov_office,
        round=cast.round,
        name="督导",
        starts_on=date(2024, 5, 6),
        ends_on=date(2024, 5, 6),
        regions=["990101"],
    )
    visit = plan.visits.get()
    answer = _client(cast.prov_office).post(
        f"/inspection/visits/{visit.pk}/",
        {"description": "数据不符", "item": "kg_public_share", "verified": "八十"},
        follow=True,
    )
    assert "核查数值“八十”不是数字" in answer.content.decode()
    assert not Finding.objects.exists()


@pytest.mark.parametrize("who", ["jia1_filler", "jia_office"])
def test_the_inspection_page_is_the_managing_offices(cast, who):
    answer = _client(cast.users[who]).get(f"/rounds/{cast.round.pk}/inspection/")
    assert answer.status_code in (403, 404)


def test_the_credibility_table_is_for_offices_and_experts_only(cast):
    assert _client(cast.users["jia1_filler"]).get("/inspection/credibility/").status_code == 403
    assert _client(cast.users["expert"]).get("/inspection/credibility/").status_code == 200


def test_the_inspection_report_of_a_region_names_the_flagged_figure_and_the_problem(cast, flagged_finding):
    from io import BytesIO

    from docx import Document

    finding, visit = flagged_finding, flagged_finding.visit
    answer = _client(cast.users["viewer"]).get(f"/inspection/visits/{visit.pk}/report.docx")
    assert answer.status_code == 200
    text = "\n".join(p.text for p in Document(BytesIO(answer.content)).paragraphs)
    cells = "\n".join(
        c.text for t in Document(BytesIO(answer.content)).tables for r in t.rows for c in r.cells
    )
    assert "关于甲市一县2024年度履行教育职责实地督导情况的报告" in text.replace("\n", "")
    assert f"已列入整改台账，编号{finding.problem_id}" in text
    assert "公办园在园幼儿占比" in cells and "60" in cells and "52" in cells
    assert "核查数少8，偏差13.3%，超出允许偏差5%" in cells
    pdf = _client(cast.prov_office).get(f"/inspection/visits/{visit.pk}/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert _client(cast.prov_office).get(f"/inspection/visits/{visit.pk}/report.txt").status_code == 404


def test_a_findings_photo_opens_for_those_who_see_the_visit_and_for_no_one_else(cast, flagged_finding):
    url = f"/inspection/findings/{flagged_finding.pk}/photos/1"
    answer = _client(cast.users["viewer"]).get(url)
    assert answer.status_code == 200 and b"".join(answer.streaming_content) == PNG
    assert answer["Content-Type"] == "image/png"
    assert (
        _client(cast.prov_office).get(f"/inspection/findings/{flagged_finding.pk}/photos/2").status_code
        == 404
    )
    outsider = cast.users["admin"].__class__.objects.create(username="nobody")
    assert _client(outsider).get(url).status_code == 404


def test_the_office_changes_the_risk_settings_on_the_page_and_a_wrong_value_is_explained(cast):
    from lvzhi.inspections.actions import settings_for
    from lvzhi.inspections.risk import DEFAULT_SETTINGS

    office = _client(cast.prov_office)
    url = f"/rounds/{cast.round.pk}/inspection/"
    page = office.get(url).content.decode()
    assert "风险参数" in page and "同比跳变阈值（%）" in page and 'name="jump_percent" value="30"' in page
    form = {k: str(v) for k, v in DEFAULT_SETTINGS.as_dict().items()}
    answer = office.post(url, {**form, "action": "settings", "jump_percent": "25", "verified_tolerance": "5"})
    assert answer.status_code == 302
    assert settings_for(cast.round).jump_percent == 25
    page = office.get(answer["Location"]).content.decode()
    assert "已保存风险参数" in page and 'name="jump_percent" value="25"' in page

    answer = office.post(url, {**form, "action": "settings", "jump_percent": "0", "floor": "abc"})
    page = answer.content.decode()
    assert "同比跳变阈值（%）应大于 0" in page and "基础权重（保底机会）应为数字，收到“abc”" in page
    assert 'name="jump_percent" value="0"' in page  # what was typed stays for correcting
    assert settings_for(cast.round).jump_percent == 25

    # The visit form suggests the round's default tolerance for a verified figure.
    plan = office.post(
        url,
        {"action": "plan", "name": "春季督导", "starts_on": "2024-05-06", "ends_on": "2024-05-08",
         "regions": ["990101"]},
    )  # fmt: skip
    assert plan.status_code == 302
    visit = Plan.objects.get().visits.get()
    page = office.get(f"/inspection/visits/{visit.pk}/").content.decode()
    assert 'name="tolerance" inputmode="decimal" size="5" value="5"' in page


def _stored_draw(cast, candidates, n: int, seed: int, with_chances: bool = True) -> Draw:
    """A draw stored as do_draw stores it, for a round larger than the cast's (the engine makes the result)."""
    from lvzhi.inspections import risk

    result = risk.draw(candidates, n, seed, Decimal(10))
    return Draw.objects.create(
        round=cast.round,
        n=n,
        seed=seed,
        floor=Decimal(10),
        risk_settings=risk.DEFAULT_SETTINGS.as_dict(),
        candidates=[
            {
                "region": c.region,
                "name": f"第{c.region}县",
                "stratum": c.stratum,
                "risk": str(c.risk),
                "reasons": [],
            }
            for c in candidates
        ],
        quotas=[[s, q] for s, q in result.quotas],
        drawn=list(result.drawn),
        inclusion=risk.inclusion(candidates, n, Decimal(10), seed).as_dict() if with_chances else {},
    )


def test_a_draw_among_many_regions_shows_simulated_chances_with_their_precision(cast):
    from lvzhi.inspections.risk import Candidate

    many = [Candidate(f"{i:06}", "甲市" if i % 2 else "乙市", Decimal(i % 7 * 5)) for i in range(60)]
    draw = _stored_draw(cast, many, 10, 123)
    page = _client(cast.prov_office).get(f"/inspection/draws/{draw.pk}/").content.decode()
    assert "改用模拟" in page and "重复 20000 次" in page and "±0.0069（95% 把握）" in page
    assert "模拟种子 123" in page and "重新计算的入选概率与存档一致" in page
    assert "（模拟 20000 次）" in page


def test_a_draw_stored_before_chances_were_kept_shows_them_recomputed(cast):
    from lvzhi.inspections.risk import Candidate

    draw = _stored_draw(
        cast,
        [Candidate("990101", "甲市", Decimal(5)), Candidate("990102", "甲市", Decimal(0))],
        1,
        9,
        with_chances=False,
    )
    page = _client(cast.prov_office).get(f"/inspection/draws/{draw.pk}/").content.decode()
    assert "本次抽取未存档入选概率，下表为按存档输入重新计算的结果" in page
    assert "60.00%" in page and "40.00%" in page  # weights 15 : 10


def test_a_finding_left_without_a_tolerance_takes_the_rounds_default(cast):
    from lvzhi.evaluations.actions import do_save_value
    from lvzhi.inspections.actions import do_create_plan, do_set_settings

    cast.advance(cast.jia1, "填报中")
    do_save_value(
        acting_user=cast.jia1_filler, evaluation=cast.jia1, item_code="kg_public_share", value="60",
        expected_version=None,
    )  # fmt: skip
    do_set_settings(acting_user=cast.prov_office, round=cast.round, values={"verified_tolerance": "20"})
    plan = do_create_plan(
        acting_user=cast.prov_office, round=cast.round, name="春季督导", starts_on=date(2024, 5, 6),
        ends_on=date(2024, 5, 8), regions=["990101"],
    )  # fmt: skip
    visit = plan.visits.get()
    answer = _client(cast.prov_office).post(
        f"/inspection/visits/{visit.pk}/",
        {"description": "在园幼儿数略有出入", "item": "kg_public_share", "verified": "52", "tolerance": ""},
    )
    assert answer.status_code == 302
    finding = Finding.objects.get()
    # 52 against 60 differs by 13.3 %: within the round's 20 %, so not flagged.
    assert finding.tolerance == 20 and not finding.flagged
