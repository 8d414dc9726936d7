"""The main journeys in headless chromium, one role after another, screenshotting every page.

Each test fails on any console error or request to a non-local host (see conftest.open_page).
"""

from __future__ import annotations

import re

import pytest
from openpyxl import load_workbook

from lvzhi.demo.populate import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page, base: str, username: str) -> None:
    page.goto(base + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.press("#id_password", "Enter")  # the keyboard is enough to sign in
    page.wait_for_url(re.compile(r".*/$"))


def evaluation_of(region_code: str, year: int = 2024):
    from lvzhi.evaluations.models import Evaluation

    return Evaluation.objects.select_related("region", "round").get(
        region__code=region_code, round__year=year
    )


def by_id(prefix: str, code: str) -> str:
    """A CSS selector for the element id `prefix-code` (indicator codes contain dots)."""
    return "#" + prefix + "-" + re.sub(r"[^A-Za-z0-9_-]", "_", code)


def click_transition(page, label: str, reason: str | None = None) -> None:
    if reason is not None:
        page.fill("textarea[name=reason]", reason)
    page.get_by_role("button", name=label, exact=True).click()
    page.wait_for_load_state()


def test_the_yearly_cycle_from_filling_to_publication(live_server, fresh_demo, open_page, shot, tmp_path):
    base = live_server.url
    ev = evaluation_of("239901", year=2023)
    data_url = f"{base}/e/{ev.pk}/data/"

    # 填报员: the workbench lists the task; prefilled values show their sentences and are confirmed one by one.
    filler = open_page()
    login(filler, base, "hlj_filler")
    assert "我的填报任务" in filler.content() and ev.region.name in filler.content()
    shot(filler, "01-filler-workbench")
    filler.goto(data_url)
    assert filler.locator(".source").count() >= 10
    shot(filler, "02-filler-data-prefilled")
    prefilled = [r.get_attribute("id") for r in filler.locator("tr.prefill").all()]
    assert len(prefilled) >= 10
    # Their source is the report's title, never the file's name; one reviewed batch confirms them all.
    assert "《县人民政府办公室关于2024年县级人民政府履行教育职责自查自评情况的报告》" in filler.content()
    assert ".txt" not in filler.locator("tbody").inner_text()
    filler.get_by_role("button", name=re.compile("确认全部")).click()
    assert filler.locator("tr.prefill").count() == len(prefilled)  # refused until the person ticks the box
    filler.get_by_label("我已逐项核对以下待确认的数值（原句或上年数值）").check()
    filler.get_by_role("button", name=re.compile("确认全部")).click()
    filler.wait_for_load_state()
    assert f"已确认 {len(prefilled)} 项数值" in filler.content()
    assert "待确认" not in filler.locator("tbody").inner_text()
    # Items a rule compares with last year and that lack last year's figure get it entered in their row.
    missing = filler.locator("tbody tr", has_text="评分需要与上年比较")
    assert missing.count() >= 1
    for row_id in [r.get_attribute("id") for r in missing.all()]:
        code = row_id.removeprefix("row-")
        now = filler.locator(f"#v-{code}").input_value()
        filler.locator(f"#p-{code}").fill(str(round(float(now) * 0.95, 2)) if now else "1")
        filler.locator(f"#p-{code}").press("Tab")
        filler.wait_for_selector(f"#s-{code} .ok")
    assert filler.locator("tbody tr", has_text="评分需要与上年比较").count() == 0
    # Excel: download the template from the page, fill it offline, import it back.
    with filler.expect_download() as download:
        filler.get_by_role("link", name="下载 Excel 填报模板").click()
    template = tmp_path / download.value.suggested_filename
    assert template.suffix == ".xlsx"
    download.value.save_as(template)
    workbook = load_workbook(template)
    for row in workbook["数据填报"].iter_rows(min_row=2):
        if row[0].value == "kg_gross_enrolment_rate":
            row[4].value = 93.5
    filled = tmp_path / "某县填报.xlsx"
    workbook.save(filled)
    filler.set_input_files("#wb-file", str(filled))
    filler.get_by_role("button", name="导入", exact=True).click()
    filler.wait_for_load_state()
    from lvzhi.jobs.worker import drain

    drain()  # the import runs as a background job
    filler.reload()
    assert "已导入" in filler.content()
    filler.goto(data_url)
    assert filler.locator("#v-kg_gross_enrolment_rate").input_value() == "93.5"
    # Inline validation: an impossible share is refused in place, with what to do.
    field = filler.locator("#v-kg_public_share")
    field.fill("156.1")
    field.press("Tab")
    filler.wait_for_selector("#s-kg_public_share .err")
    assert "不能大于 100" in filler.locator("#s-kg_public_share").inner_text()
    shot(filler, "03-filler-data-inline-error")
    field = filler.locator("#v-kg_public_share")
    field.fill("56.1")
    field.press("Tab")
    filler.wait_for_selector("#s-kg_public_share .ok")

    # 自评打分: every manual indicator gets a level and a justification.
    filler.goto(f"{base}/e/{ev.pk}/scores/")
    forms = filler.locator("form[hx-post*='/scores/']")
    codes = [f.get_attribute("hx-post").rstrip("/").rsplit("/", 1)[1] for f in forms.all()]
    assert len(codes) == 5
    # No grade is chosen for the filler: the level starts empty, and saving without one is refused.
    first = filler.locator(by_id("score", codes[0]))
    assert first.locator("select").input_value() == ""
    assert "须上传佐证材料" in first.inner_text()  # the row itself says evidence is required
    for code in codes:
        row = filler.locator(by_id("score", code) + "")
        row.locator("select").select_option("良")
        row.locator("textarea").fill(f"{code}：已按方案要求落实，佐证材料见附件。")
        row.get_by_role("button", name="保存自评").click()
        filler.wait_for_selector(by_id("score", code) + " .ok")
    # The header's total follows each save, and says why there is no grade while one is missing.
    assert filler.locator("#ev-total").inner_text() != "—"
    # Evidence: several files at once, uploaded in place (the page is not reloaded).
    evidence_file = tmp_path / "会议纪要.pdf"
    evidence_file.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    second_file = tmp_path / "工作方案.pdf"
    second_file.write_bytes(b"%PDF-1.4\n2 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    filler.evaluate("window.__same_page = true")
    for code in codes:
        filler.set_input_files(by_id("ef", code), [str(evidence_file), str(second_file)])
        filler.locator(by_id("score", code)).get_by_role("button", name="上传", exact=True).click()
        filler.wait_for_selector(by_id("score", code) + " .ok:has-text('已上传 2 个文件')")
    assert filler.evaluate("window.__same_page") is True
    assert filler.get_by_role("link", name="会议纪要.pdf").count() == len(codes)
    assert filler.get_by_role("link", name="工作方案.pdf").count() == len(codes)
    assert "尚未上传" not in filler.locator("tbody").inner_text()
    shot(filler, "04-filler-self-scores-evidence")
    # 提交 opens a confirmation step saying what gets locked; only 确认提交 submits.
    filler.goto(data_url)
    filler.get_by_role("link", name="提交", exact=True).click()
    filler.wait_for_url(re.compile(r".*/submit/$"))
    assert "提交后，数据、自评和佐证材料将锁定" in filler.content()
    # The round's fill deadline (2024-03-31) has passed: the page says so and offers no 确认提交 …
    assert "2024-03-31 17:00 截止" in filler.locator("#deadline-note").inner_text()
    assert filler.get_by_role("button", name="确认提交").count() == 0
    shot(filler, "05a-filler-submit-deadline-passed")
    # … until the office grants this county an extension.
    from datetime import timedelta

    from django.utils import timezone

    from lvzhi.accounts.models import User
    from lvzhi.evaluations.actions.office import do_grant_extension

    do_grant_extension(
        acting_user=User.objects.get(username="hlj_office"),
        evaluation=evaluation_of("239901", year=2023),
        until=timezone.now() + timedelta(days=7),
        reason="报告核对需要补充上年数据，延期一周。",
    )
    filler.reload()
    assert "已为本地区延期" in filler.locator("#deadline-note").inner_text()
    assert "（已为本地区延期）" in filler.locator("main .card").first.inner_text()  # the header too
    shot(filler, "05b-filler-submit-confirmation")
    filler.get_by_role("button", name="确认提交").click()
    filler.wait_for_load_state()
    assert "当前状态：已提交" in filler.content()
    shot(filler, "05-filler-submitted")

    # 专家: opens the review, scores one item lower than the self-score, returns it with a reason.
    expert = open_page()
    login(expert, base, "expert")
    expert.goto(f"{base}/e/{ev.pk}/review/")
    click_transition(expert, "开始审核")
    expert.goto(f"{base}/e/{ev.pk}/review/")
    row = expert.locator(by_id("rev", codes[0]) + "")
    # The expert scores in the self-score's terms: levels, not typed numbers.
    row.locator("select[name=level]").select_option("中")
    row.locator("textarea").fill("未见会议纪要，请补充。")
    row.get_by_role("button", name="保存评审").click()
    expert.wait_for_selector(by_id("rev", codes[0]) + ".discrepancy")
    assert "自评 良 / 评审 中" in expert.locator(by_id("rev", codes[0])).inner_text()
    assert expert.locator("#review-total").inner_text() != "—"  # 评审总分 beside 自评总分
    assert expert.get_by_role("button", name="评审完成").is_disabled()  # other indicators not yet reviewed
    shot(expert, "06-expert-review-discrepancy")
    # 退回修改 sits below the scoring table, after the review, not above it.
    table_y = expert.locator("table[aria-label=审核表]").bounding_box()["y"]
    assert expert.locator("#return-form").bounding_box()["y"] > table_y
    click_transition(expert, "退回修改", reason="1.1 缺少会议纪要，请补充后重新提交。")
    assert "当前状态：退回修改" in expert.content()

    # 填报员: sees the reasons, corrects the self-score, resubmits.
    filler.goto(data_url)
    assert "缺少会议纪要" in filler.content()
    shot(filler, "07-filler-returned")
    filler.goto(f"{base}/e/{ev.pk}/scores/")
    row = filler.locator(by_id("score", codes[0]) + "")
    row.locator("select").select_option("中")
    row.locator("textarea").fill("已补充会议纪要三份。")
    row.get_by_role("button", name="保存自评").click()
    filler.wait_for_selector(by_id("score", codes[0]) + " .ok")
    filler.goto(f"{base}/e/{ev.pk}/submit/")
    filler.get_by_role("button", name="确认提交").click()
    filler.wait_for_load_state()
    assert "当前状态：已提交" in filler.content()

    # 督导办: starts the review, approves, publishes.
    office = open_page()
    login(office, base, "hlj_office")
    office.goto(f"{base}/e/{ev.pk}/review/")
    click_transition(office, "开始审核")
    shot(office, "08-office-review")
    # The office's completeness gate: the total of this reconstructed scheme has no grade, so approval is
    # refused with the reason (the header says why there is no grade all along).
    click_transition(office, "审核通过")
    assert "总分没有对应的等次" in office.content()
    assert "尚未评定等次" in office.locator("#ev-score").inner_text()
    office.goto(f"{base}/audit/?object={ev.region.name}")
    assert office.locator("td[data-label=操作]", has_text="状态变更").count() >= 4
    assert "填报中 → 已提交" in office.locator("#audit-rows").inner_text()
    shot(office, "09-office-audit")

    # 公开: no login; the published result is there.
    public = open_page()
    public.goto(f"{base}/public/")
    assert public.locator("table tbody tr").count() >= 1  # published results of the synthetic province
    shot(public, "10-public")


def test_county_user_cannot_open_another_countys_pages(live_server, fresh_demo, open_page, shot):
    base = live_server.url
    own, other = evaluation_of("990101"), evaluation_of("990102")
    page = open_page(allow=("status of 404",))  # the refusals below are expected 404s
    login(page, base, "xian1_filler")
    response = page.goto(f"{base}/e/{own.pk}/data/")
    assert response.status == 200
    for path in ("data", "scores", "review", "report"):
        response = page.goto(f"{base}/e/{other.pk}/{path}/")
        assert response.status == 404
        assert "不在您的权限范围内" in page.content()
    shot(page, "11-filler-other-county-404")


def settled(page, canvas, quiet: int = 3) -> str:
    """The canvas's picture once it has stopped changing (`quiet` equal looks 150 ms apart, within 15 s)."""
    last, same = canvas.evaluate("c => c.toDataURL()"), 0
    for _ in range(100):
        page.wait_for_timeout(150)
        now = canvas.evaluate("c => c.toDataURL()")
        same = same + 1 if now == last else 0
        if same >= quiet:
            break
        last = now
    return last


def test_chart_tooltips_show_on_hover_without_breaking_the_content_security_policy(
    live_server, fresh_demo, open_page, shot
):
    # The page's policy refuses style attributes; ECharts' default HTML tooltip writes its colour markers
    # as <span style="…"> through innerHTML, which the browser refuses with a console error the guard
    # of open_page turns into a failure. The tooltip must still appear: the canvas changes under the mouse.
    base = live_server.url
    page = open_page()
    login(page, base, "sheng_office")
    page.goto(f"{base}/analysis/")
    for chart in ("#chart-grades", "#chart-trends", "#chart-radar"):
        canvas = page.locator(f"{chart} canvas").first
        canvas.scroll_into_view_if_needed()
        before = settled(page, canvas)  # the entry animation is over before the picture is compared
        box = canvas.bounding_box()
        assert box is not None
        # The mouse walks a grid over the chart until it is over a bar, a point or an axis and a tooltip is
        # drawn: more text runs on the canvas than before, and a changed picture (a hover highlight alone
        # changes the picture but adds no text; a picture taken mid-animation would differ without either).
        texts = f"""() => echarts.getInstanceByDom(document.querySelector('{chart}')).getZr().storage
            .getDisplayList(true).filter(e => e.type === 'tspan' && e.style && e.style.text).length"""
        labels = page.evaluate(texts)
        drawn = False
        for fy in (0.5, 0.7, 0.35, 0.85):
            for fx in (0.5, 0.3, 0.7, 0.15, 0.85, 0.4, 0.6):
                page.mouse.move(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
                page.wait_for_timeout(250)
                if page.evaluate(texts) > labels and canvas.evaluate("c => c.toDataURL()") != before:
                    drawn = True
                    break
            if drawn:
                break
        assert drawn, f"no tooltip drawn on {chart}"
        shot(page, f"13-office-analysis-tooltip-{chart.removeprefix('#chart-')}")
        page.mouse.move(0, 0)


def test_office_pages_charts_keyboard_and_tablet(live_server, fresh_demo, open_page, shot):
    base = live_server.url
    for tablet in (False, True):
        page = open_page(tablet=tablet)
        login(page, base, "sheng_office")
        suffix = "tablet" if tablet else "desktop"
        shot(page, f"12-office-workbench-{suffix}")
        page.goto(f"{base}/analysis/")
        page.wait_for_selector("#chart-radar canvas")
        page.wait_for_selector("#chart-grades canvas")
        page.wait_for_selector("#chart-trends canvas")
        shot(page, f"13-office-analysis-{suffix}")
        # Sort the league table by region name with the keyboard only.
        page.locator("th button.sort", has_text="地区").focus()
        page.keyboard.press("Enter")
        page.wait_for_selector("th[aria-sort=ascending]")
        names = page.locator("#league tbody tr td:nth-child(2)").all_inner_texts()
        assert names[0] == "示范省甲市一县" and names[-1] == "示范省甲市八县"  # by region code
        page.locator("th button.sort", has_text="地区").focus()
        page.keyboard.press("Enter")
        page.wait_for_selector("th[aria-sort=descending]")
        names = page.locator("#league tbody tr td:nth-child(2)").all_inner_texts()
        assert names[0] == "示范省甲市八县"
        page.goto(f"{base}/schemes/")
        page.get_by_role("link", name=re.compile("法定与国家规定")).click()
        # The page is read once the browser has arrived (content() while navigating is empty).
        page.wait_for_url(re.compile(r".*/schemes/\d+/$"))
        page.wait_for_load_state()
        assert "S1.1" in page.content() and "分" in page.content()
        shot(page, f"14-scheme-tree-{suffix}")
        page.goto(f"{base}/audit/")
        shot(page, f"15-audit-{suffix}")
