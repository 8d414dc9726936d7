"""In headless chromium: the office sees the risk list with reasons and draws 2 of 10 counties; an inspector
records a finding with a photo on a 768 px wide page, the verified figure differs and is flagged, the
finding appears in the rectification ledger and the credibility table shows the region. Screenshots are
kept in test-artifacts/screenshots (inspection-*)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from lvzhi.inspections.models import Draw, Finding, Plan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

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


def test_the_office_draws_and_an_inspector_records_a_flagged_finding_on_a_tablet(
    live_server, open_page, shot, tmp_path, over_scored
):
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
    base = live_server.url
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
