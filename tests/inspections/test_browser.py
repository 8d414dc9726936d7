"""A year of satisfaction surveys and on-site inspection in headless chromium, one journey:

1. the office opens a survey for three counties; 30 people answer on a phone-size page (390 px, and 360 px
   without overflow), a replayed link is refused, a workbook with a wrong column is refused at its cell and 20
   more responses arrive in an .xlsx; a county's rate becomes its statistic and re-scores its indicator, with
   n and the margin shown in its data and in its score's explanation;
2. the office sees the risk list with reasons and draws 2 of 10 counties of next year's round; an inspector
   records a finding with a photo on a 768 px wide page, the verified figure differs and is flagged, the
   finding appears in the rectification ledger and the credibility table shows the region.

Screenshots are kept in test-artifacts/screenshots (survey-*, inspection-*)."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import Workbook

from lvzhi.inspections.models import Draw, Finding, Plan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCHEME = Path(__file__).parents[1] / "surveys" / "schemes" / "satisfaction-county.yaml"
COUNTIES = ("甲市一县", "甲市二县", "乙市一县")
LIKERT = ("非常满意", "比较满意", "一般", "不太满意", "很不满意")


@pytest.fixture
def three_county_round(cast):
    from lvzhi.evaluations import actions

    sv = actions.do_create_scheme_version(
        acting_user=cast.prov_office, yaml_text=SCHEME.read_text(encoding="utf-8"), source_name=SCHEME.name
    )
    rnd = actions.do_open_round(
        acting_user=cast.prov_office,
        scheme_version=sv,
        year=2024,
        name="示范省2024年满意度评价",
        owner_region=cast.regions["示范省"],
        regions=[cast.regions[c] for c in COUNTIES],
    )
    for ev in rnd.evaluations.select_related("round", "region"):
        actions.do_start_filling(acting_user=cast.prov_office, evaluation=ev)
    return rnd


def no_overflow(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


QUESTION_HEADERS = [
    "1、总体而言，您对本地教育是否满意？",
    "2、您对学校办学条件（校舍、设备、图书）是否满意？",
    "3、您对本地入学机会公平（就近入学、随迁子女入学）是否满意？",
    "4、您觉得孩子（您）的课业负担如何？",
    "5、您对教师待遇与专业发展支持是否满意？",
]


def workbook(rows: list[list[str | None]], headers: list[str] = QUESTION_HEADERS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "答卷"
    ws.append(["提交时间", "区划代码", "调查对象", *headers])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def exported_rows() -> list[list[str | None]]:
    """20 rows as a survey platform exports them: parents and teachers of the three counties."""
    rows: list[list[str | None]] = []
    for i in range(20):
        county = ("990101", "990102", "990201")[i % 3]
        if i % 2 == 0:
            rows.append(
                [f"2024-05-{i + 1:02d}", county, "家长", LIKERT[i % 4], "比较满意", "一般", "适中", None]
            )
        else:
            rows.append(
                [f"2024-05-{i + 1:02d}", county, "教师", LIKERT[i % 4], "比较满意", None, None, "非常满意"]
            )
    return rows


PNG = b"\x89PNG\r\n\x1a\n" + bytes(32)


def login(page, base: str, username: str) -> None:
    from platform_cast import CAST_PASSWORD

    page.goto(base + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", CAST_PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url(re.compile(r".*/$"))


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_a_year_of_surveys_and_inspection_from_opening_to_the_credibility_table(
    live_server, cast, three_county_round, open_page, shot, tmp_path, over_scored
):
    base = live_server.url
    office = open_page()
    login(office, base, "prov_office")
    surveyed(base, cast, three_county_round, office, open_page, shot)
    inspected(base, over_scored, open_page, shot, tmp_path)


def surveyed(base, cast, three_county_round, office, open_page, shot) -> None:
    """Part 1: the survey, from opening to the county's score."""
    from lvzhi.evaluations.models import DataValue, ItemScore
    from lvzhi.surveys.models import ResponseToken, Survey, SurveyResponse

    office.goto(base + "/surveys/")
    office.fill("#s-name", "示范省2024年教育满意度调查")
    office.select_option("#s-round", label="示范省2024年满意度评价")
    office.fill("#s-margin", "10")
    office.fill("#s-links", "5")
    office.get_by_role("button", name="开启调查").click()
    office.wait_for_url(re.compile(r".*/surveys/\d+/$"))
    survey = Survey.objects.get()
    assert "已开启示范省2024年教育满意度调查" in office.content()
    shot(office, "survey-01-office-opened")

    # 30 respondents on a phone: 10 per county (5 parents, 5 students), all through their own link.
    phone = open_page(allow=("409",))
    phone.set_viewport_size({"width": 390, "height": 844})
    answered = 0
    for county in COUNTIES:
        for group in ("parent", "student"):
            for i, token in enumerate(
                ResponseToken.objects.filter(
                    survey=survey, region=cast.regions[county], group=group
                ).values_list("token", flat=True)
            ):
                phone.goto(f"{base}/s/{token}/")
                for fieldset in phone.locator("fieldset").all():
                    name = fieldset.locator("input[type=radio]").first.get_attribute("name")
                    option = LIKERT[(i + answered) % 3] if name != "burden" else "适中"
                    fieldset.locator(f"input[value='{option}']").check()
                if answered == 0:
                    assert no_overflow(phone)
                    shot(phone, "survey-02-phone-390-form")
                phone.get_by_role("button", name="提交答卷").click()
                phone.wait_for_load_state()
                assert "提交成功" in phone.content()
                answered += 1
    assert answered == 30 and SurveyResponse.objects.filter(source="web").count() == 30
    shot(phone, "survey-03-phone-submitted")

    # The same link again: refused, nothing written.
    used = ResponseToken.objects.filter(survey=survey, used_at__isnull=False).first().token
    phone.goto(f"{base}/s/{used}/")
    assert "每个链接只能提交一次" in phone.content()
    phone.set_viewport_size({"width": 360, "height": 740})
    fresh = ResponseToken.objects.filter(survey=survey, used_at__isnull=True).first().token
    phone.goto(f"{base}/s/{fresh}/")
    assert no_overflow(phone)
    shot(phone, "survey-04-phone-360-form")

    # An export with a renamed column is refused at its cell; the right one brings 20 more responses.
    rows = exported_rows()
    renamed = [h.replace("学校办学条件", "办学条件") for h in QUESTION_HEADERS]
    office.set_input_files(
        "#i-file",
        files=[
            {
                "name": "问卷星导出.xlsx",
                "mimeType": "application/octet-stream",
                "buffer": workbook(rows, renamed),
            }
        ],
    )
    office.get_by_role("button", name="导入", exact=True).click()
    office.wait_for_load_state()
    assert "答卷!I1: 表头中没有“您对学校办学条件（校舍、设备、图书）是否满意？”列" in office.content()
    assert SurveyResponse.objects.filter(source="import").count() == 0
    shot(office, "survey-05-import-refused")
    office.set_input_files(
        "#i-file",
        files=[{"name": "问卷星导出.xlsx", "mimeType": "application/octet-stream", "buffer": workbook(rows)}],
    )
    office.get_by_role("button", name="导入", exact=True).click()
    office.wait_for_load_state()
    assert "已导入 20 份答卷" in office.content()
    assert SurveyResponse.objects.count() == 50

    # 甲市一县's rate becomes its statistic (n and margin in the note) and re-scores its indicator.
    row = office.locator("#region-990101")
    assert row.locator("td").nth(5).inner_text() == "17"  # 10 on the phone + 7 imported
    row.get_by_role("button", name="写入满意度数据").click()
    office.wait_for_load_state()
    message = office.locator(".msg.success").inner_text()
    assert "n=17" in message and "Wilson" in message and "±" in message
    shot(office, "survey-06-results-fed")
    dv = DataValue.objects.get(
        evaluation__round=three_county_round, evaluation__region__code="990101", item_code="satisfaction_rate"
    )
    assert dv.source == "survey" and "n=17" in dv.note
    score = ItemScore.objects.get(evaluation=dv.evaluation, indicator_code="1.1")
    assert score.auto_score is not None and score.explanation
    office.goto(f"{base}/e/{dv.evaluation_id}/data/")
    data_row = office.locator("#row-satisfaction_rate").inner_text()
    assert (
        "教育满意度" in data_row and "n=17" in data_row and "Wilson" in data_row and "满意度调查" in data_row
    )
    assert dv.sample is not None and dv.sample["n"] == 17 and dv.sample["method"] == "wilson"
    office.goto(f"{base}/e/{dv.evaluation_id}/scores/")
    # The indicator's explanation states the sample the rate was measured on: n, the interval and the ±.
    explained = office.get_by_text(re.compile(r"教育满意度 [\d.]+%（样本 17 份，95% 置信区间 ")).first
    assert re.search(r"误差 ±[\d.]+ 个百分点）", explained.inner_text()), explained.inner_text()
    shot(office, "survey-07-county-data")
    assert timezone.now() < survey.closes_at + timedelta(days=1)


def inspected(base, over_scored, open_page, shot, tmp_path) -> None:
    """Part 2: risk, draw, a visit's flagged finding, the ledger and the credibility table."""
    # Next year's round of ten counties: 甲市一县 rated itself above the reviewer last year (the fixture),
    # which its credibility history carries into this year's risk.
    from lvzhi.evaluations.actions import do_open_round
    from lvzhi.regions.models import Region
    from lvzhi.regions.services import upsert_regions

    upsert_regions(
        [{"code": f"99020{i}", "name": f"乙市{i}县", "level": "县", "parent": "990200"} for i in range(2, 9)],
        source="测试",
    )
    counties = Region.objects.filter(level="县", code__startswith="99")
    assert counties.count() == 10
    rnd = do_open_round(
        acting_user=over_scored.round.opened_by,
        scheme_version=over_scored.round.scheme_version,
        year=2025,
        name="示范省2025年县级履职评价",
        owner_region=over_scored.round.owner_region,
        regions=counties,
    )
    # This year 甲市一县 reports a 公办园在园幼儿占比 of 96 (the inspectors will find 80).
    from lvzhi.accounts.models import User
    from lvzhi.evaluations.actions import do_save_value, do_start_filling
    from lvzhi.evaluations.models import Evaluation

    jia1 = Evaluation.objects.get(round=rnd, region__code="990101")
    filler = User.objects.get(username="jia1_filler")
    do_start_filling(acting_user=filler, evaluation=jia1)
    do_save_value(
        acting_user=filler, evaluation=jia1, item_code="kg_public_share", value="96", expected_version=None
    )
    office = open_page(tablet=True)
    office.set_viewport_size({"width": 768, "height": 1024})
    login(office, base, "prov_office")

    office.goto(f"{base}/rounds/{rnd.pk}/inspection/")
    assert "自评高于评审/核查" in office.inner_text("#risk")
    assert fits(office)
    shot(office, "inspection-1-risk-list")
    office.fill("#d-n", "2")
    office.fill("#d-seed", "2026")
    office.click("#draw-form button[type=submit]")
    office.wait_for_url(re.compile(r".*/inspection/draws/\d+/$"))
    assert "结果一致" in office.content()
    shot(office, "inspection-2-draw")
    draw = Draw.objects.get()
    assert len(draw.drawn) == 2

    office.goto(f"{base}/rounds/{rnd.pk}/inspection/")
    office.fill("#p-name", "春季实地督导")
    office.fill("#p-team", "张三、李四")
    office.fill("#p-start", "2024-05-06")
    office.fill("#p-end", "2024-05-08")
    office.select_option("#p-draw", str(draw.pk))
    office.check("input[name=regions][value='990101']")  # chosen beside the two drawn
    office.click("#plan-form button[type=submit]")
    office.wait_for_url(re.compile(r".*/inspection/$"))
    visit = Plan.objects.get().visits.get(evaluation__region__code="990101")

    office.goto(f"{base}/inspection/visits/{visit.pk}/")
    assert fits(office)
    office.select_option("#f-ind", "1.1")
    office.fill("#f-desc", "公办园在园幼儿数与花名册不符")
    office.select_option("#f-item", "kg_public_share")  # shown by its name, 公办园在园幼儿占比
    office.fill("#f-verified", "80")
    office.fill("#f-tol", "5")
    photo = tmp_path / "现场.png"
    photo.write_bytes(PNG)
    office.set_input_files("#f-photos", str(photo))
    office.check("input[name=raise_problem]")
    office.fill("#f-measure", "据实更正数据并说明原因")
    office.fill("#f-deadline", (date.today() + timedelta(days=30)).isoformat())
    office.click("#finding-form button[type=submit]")
    office.wait_for_url(re.compile(rf".*/inspection/visits/{visit.pk}/$"))
    assert "差异超出允许偏差" in office.inner_text("#findings")
    assert "公办园在园幼儿占比" in office.inner_text("#findings")
    assert fits(office)
    shot(office, "inspection-3-visit-finding")
    finding = Finding.objects.get()
    assert finding.flagged and finding.photos.count() == 1

    office.goto(f"{base}/rectification/")
    assert "公办园在园幼儿数与花名册不符" in office.content()
    shot(office, "inspection-4-ledger")
    office.goto(f"{base}/inspection/credibility/")
    assert "甲市一县" in office.inner_text("main") and fits(office)
    shot(office, "inspection-5-credibility")
