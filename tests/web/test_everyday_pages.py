"""The everyday pages as a county clerk, an expert, an office and a read-only user meet them, in chromium.

Every page of every non-administrator role is walked and its visible text checked (no identifier, no English
word outside proper names, no UTC time); the data, scores, review, home and public pages are screenshot at
1366×768, 768×1024 and 390×844 and audited with axe-core (served from node_modules, never a CDN) for serious
or critical violations; phones neither scroll sideways nor hide the entry column; printing drops the menus.
"""

from __future__ import annotations

import re
from collections import deque
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from lvzhi.demo.populate import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SIZES = {"desktop": (1366, 768), "tablet": (768, 1024), "phone": (390, 844)}

# Words in Latin letters that are names, not English prose: file formats, products and abbreviations every
# clerk uses. Anything else in Latin letters on a page is an untranslated word or an identifier.
PROPER = {
    "Excel", "Word", "PDF", "pdf", "docx", "xlsx", "txt", "html", "htm", "csv", "zip", "jpg", "jpeg", "png",
    "GDP", "API", "IP", "KB", "MB", "GB", "SHA", "CSV", "YAML",
}  # fmt: skip
# Indicator and condition numbers as official schemes print them (S1.1, C1, V1, T17) are numbering, not words.
NUMBERING = re.compile(r"[A-Z]{1,3}\d+")
LATIN = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
IDENTIFIER = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b|object \(\d+\)")
UTC_MARK = re.compile(r"\bUTC\b|\d{2}:\d{2}(:\d{2})?(\.\d+)?(Z|\+00:00)\b")
SKIP = (
    "/logout", "/admin", "/static/", "/evidence/", "/download", ".xlsx", ".pdf", ".docx", ".csv", ".zip",
    "/api/", "/preview", "/export",
)  # fmt: skip
# Links the walk follows into pages a role may not open answer 4xx. Nothing else is let through: a style
# attribute or inline script the Content-Security-Policy refuses fails the walk.
WALK_ALLOW = ("status of 4",)


def login(page, base: str, username: str) -> None:
    page.goto(base + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url(re.compile(r".*/$"))


def evaluation_of(region_code: str, year: int = 2024):
    from lvzhi.evaluations.models import Evaluation

    return Evaluation.objects.select_related("region", "round").get(
        region__code=region_code, round__year=year
    )


def utc_only_times() -> set[str]:
    """Every stored moment written as UTC where that differs from Beijing time (a page must show the latter)."""
    from zoneinfo import ZoneInfo

    from lvzhi.audit.models import AuditRecord
    from lvzhi.evaluations.models import Round, StateChange

    moments = list(AuditRecord.objects.values_list("at", flat=True))
    moments += list(StateChange.objects.values_list("at", flat=True))
    for fill, review in Round.objects.values_list("fill_deadline", "review_deadline"):
        moments += [m for m in (fill, review) if m is not None]
    beijing = ZoneInfo("Asia/Shanghai")
    out = set()
    for m in moments:
        utc, local = m.strftime("%Y-%m-%d %H:%M"), m.astimezone(beijing).strftime("%Y-%m-%d %H:%M")
        if utc != local:
            out.add(utc)
    return out


def text_problems(text: str, allowed: set[str], utc_times: set[str]) -> list[str]:
    problems = [f"identifier “{m.group(0)}”" for m in IDENTIFIER.finditer(text) if m.group(0) not in allowed]
    words = {m.group(0) for m in LATIN.finditer(text)}
    problems += [
        f"English “{w}”"
        for w in sorted(words - PROPER - allowed)
        if len(w) > 1 and not NUMBERING.fullmatch(w)
    ]
    problems += [f"UTC mark “{m.group(0)}”" for m in UTC_MARK.finditer(text)]
    problems += [f"UTC time {t}" for t in sorted(utc_times) if t in text]
    return problems


def pattern(url: str) -> str:
    """Pages of one kind (ids collapsed) are walked once each: /e/12/data/ and /e/13/data/ are one pattern."""
    parts = urlsplit(url)
    keys = "&".join(sorted(k.split("=")[0] for k in parts.query.split("&") if k))
    return re.sub(r"\d+", "N", parts.path) + ("?" + keys if keys else "")


def walk(page, base: str, limit: int = 45) -> dict[str, str]:
    """Visible text of every page reachable by links from the home page (one page per pattern)."""
    seen: dict[str, str] = {}
    queue = deque([base + "/"])
    patterns: set[str] = set()
    while queue and len(seen) < limit:
        url = queue.popleft()
        key = pattern(url)
        if key in patterns:
            continue
        patterns.add(key)
        response = page.goto(url)
        if (
            response is None
            or response.status != 200
            or "text/html" not in response.headers.get("content-type", "")
        ):
            continue
        seen[url] = page.inner_text("body")
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
            href = href.split("#")[0]
            if href.startswith(base) and not any(s in href for s in SKIP) and pattern(href) not in patterns:
                queue.append(href)
    return seen


def test_every_page_of_every_role_reads_in_chinese_and_beijing_time(live_server, fresh_demo, open_page):
    from lvzhi.accounts.models import User

    base = live_server.url
    # Account names are proper names of people's accounts (shown where a record names who acted).
    allowed = set(User.objects.values_list("username", flat=True))
    utc_times = utc_only_times()
    assert utc_times, "the demo must hold moments whose UTC and Beijing forms differ"
    found: dict[str, list[str]] = {}
    walked = 0
    for username in ("xian1_filler", "hlj_filler", "expert", "sheng_office", "shi_office", "viewer"):
        page = open_page(allow=WALK_ALLOW)
        login(page, base, username)
        pages = walk(page, base)
        walked += len(pages)
        assert len(pages) >= 6, f"{username} reached only {list(pages)}"
        for url, text in pages.items():
            problems = text_problems(text, allowed, utc_times)
            if problems:
                found[f"{username} {url.removeprefix(base)}"] = problems
        page.context.close()
    public = open_page(allow=WALK_ALLOW)
    for url, text in walk(public, base + "/public", limit=5).items():
        if problems := text_problems(text, allowed, utc_times):
            found[f"(public) {url.removeprefix(base)}"] = problems
    assert walked >= 60
    assert not found, "pages with identifiers, English or UTC times:\n" + "\n".join(
        f"{k}: {'; '.join(v[:6])}" for k, v in found.items()
    )


def audit(page) -> list[str]:
    """axe-core's serious and critical violations of the page, as "rule: target" lines."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {', '.join(str(n['target']) for n in v['nodes'][:3])}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_main_pages_at_three_sizes_pass_the_accessibility_audit(live_server, fresh_demo, browser, shot):
    from lvzhi.accounts import scoping
    from lvzhi.accounts.models import User
    from lvzhi.evaluations.models import State

    assert AXE.exists(), "axe-core missing: run scripts/setup.sh (npm ci)"
    base = live_server.url
    own = evaluation_of("990101")
    # An evaluation the expert reviews now, so the review page has its scoring forms.
    expert = User.objects.get(username="expert")
    reviewing = scoping.evaluations_for(expert, scoping.Perm.REVIEW).filter(state=State.REVIEWING).first()
    assert reviewing is not None
    pages = [
        ("xian1_filler", "data", f"/e/{own.pk}/data/"),
        ("xian1_filler", "scores", f"/e/{own.pk}/scores/"),
        ("expert", "review", f"/e/{reviewing.pk}/review/"),
        ("expert", "home", "/"),
        ("xian1_filler", "home-filler", "/"),
        (None, "public", "/public/"),
    ]
    violations: dict[str, list[str]] = {}
    for size, (width, height) in SIZES.items():
        # The audit script is injected by the test: the pages' own Content-Security-Policy would refuse it.
        context = browser.new_context(
            viewport={"width": width, "height": height}, locale="zh-CN", bypass_csp=True
        )
        page = context.new_page()
        current = None
        for username, name, path in pages:
            if username != current:
                context.clear_cookies()
                if username:
                    login(page, base, username)
                current = username
            page.goto(base + path)
            page.wait_for_load_state("networkidle")
            shot(page, f"everyday-{name}-{size}")
            if found := audit(page):
                violations[f"{name} {size}"] = found
            if size == "phone":
                # Nothing scrolls sideways on a phone …
                overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                assert overflow <= 1, f"{name} is {overflow}px wider than the phone"
                if name == "data":
                    # … and the entry field of a row is on screen, not pushed off behind other columns.
                    box = page.locator("tbody tr input.num").first.bounding_box()
                    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
        context.close()
    assert not violations, "axe-core serious/critical violations:\n" + "\n".join(
        f"{k}: {v}" for k, v in violations.items()
    )


def test_printing_a_page_leaves_out_the_menus(live_server, fresh_demo, open_page):
    base = live_server.url
    page = open_page()
    login(page, base, "xian1_filler")
    page.goto(f"{base}/e/{evaluation_of('990101').pk}/data/")
    assert page.locator("header.top").is_visible()
    page.emulate_media(media="print")
    assert not page.locator("header.top").is_visible()
    assert not page.locator("nav[aria-label=评价页面]").is_visible()
    assert page.locator("table[aria-label=数据填报表]").is_visible()


def test_the_data_page_speaks_in_names_asks_yes_or_no_and_questions_implausible_figures(
    live_server, fresh_demo, open_page, shot, tmp_path
):
    from openpyxl import load_workbook

    from lvzhi.evaluations.models import DataValue

    base = live_server.url
    ev = evaluation_of("990101")
    page = open_page()
    login(page, base, "xian1_filler")
    page.goto(f"{base}/e/{ev.pk}/data/")
    table = page.locator("table[aria-label=数据填报表]")
    assert "gdp" not in table.inner_text() and "地区生产总值" in table.inner_text()
    filled_before = int(page.locator("#n-filled").inner_text())

    # GDP typed ten times too large: not saved, the item's own tolerance named, saved once confirmed.
    prev = DataValue.objects.filter(
        evaluation__region=ev.region, evaluation__round__year=2023, item_code="gdp"
    )
    last_year = prev.values_list("value", flat=True).first()
    assert last_year is not None
    field = page.locator("#v-gdp")
    old = field.input_value()
    field.fill(str(last_year * 10))
    field.press("Tab")
    page.wait_for_selector("#s-gdp .err")
    warning = page.locator("#s-gdp").inner_text()
    assert "未保存" in warning and "地区生产总值" in warning and "±30%" in warning
    assert str(DataValue.objects.get(evaluation=ev, item_code="gdp").value) != str(last_year * 10)
    shot(page, "everyday-data-implausible-change")
    page.locator("#row-gdp").get_by_role("button", name="确认无误并保存").click()
    page.wait_for_selector("#s-gdp .ok")
    assert DataValue.objects.get(evaluation=ev, item_code="gdp").value == last_year * 10
    # The header's total and the counter follow without a reload.
    total_before = page.locator("#ev-total").inner_text()
    field = page.locator("#v-kg_public_share")
    field.fill("12")
    field.press("Tab")
    page.wait_for_selector("#s-kg_public_share .ok")
    assert page.locator("#ev-total").inner_text() != total_before
    # Clearing an item the scheme scores with is refused in place, in words.
    field = page.locator("#v-kg_public_share")
    field.fill("")
    field.press("Tab")
    page.wait_for_selector("#s-kg_public_share .err")
    assert "不能清空" in page.locator("#s-kg_public_share").inner_text()
    assert DataValue.objects.get(evaluation=ev, item_code="kg_public_share").value == 12
    # An empty item filled now: the counter goes up at once (a county still filling, entered by the
    # province's data clerk, who fills for every county).
    from lvzhi.accounts import scoping
    from lvzhi.accounts.models import User
    from lvzhi.entry.services import item_codes_for
    from lvzhi.evaluations.models import State

    clerk = User.objects.get(username="sheng_filler")
    partial = next(
        e
        for e in scoping.evaluations_for(clerk, scoping.Perm.FILL).filter(
            state=State.FILLING, round__year=2024
        )
        if DataValue.objects.filter(evaluation=e, value__isnull=False).count() < len(item_codes_for(e))
    )
    clerk_page = open_page()
    login(clerk_page, base, "sheng_filler")
    clerk_page.goto(f"{base}/e/{partial.pk}/data/")
    filled = int(clerk_page.locator("#n-filled").inner_text())
    empty = next(
        r.get_attribute("id").removeprefix("row-")
        for r in clerk_page.locator("tbody tr").all()
        if r.locator("input[name=value]").count() and not r.locator("input[name=value]").input_value()
    )
    clerk_page.locator(f"#v-{empty}").fill("5")
    clerk_page.locator(f"#v-{empty}").press("Tab")
    clerk_page.wait_for_selector(f"#s-{empty} .ok")
    assert int(clerk_page.locator("#n-filled").inner_text()) == filled + 1
    assert old is not None and filled_before >= 1

    # The template holds every item the page shows, each with its 上年数值.
    with page.expect_download() as download:
        page.get_by_role("link", name="下载 Excel 填报模板").click()
    path = tmp_path / "template.xlsx"
    download.value.save_as(path)
    rows = [r for r in load_workbook(path)["数据填报"].iter_rows(min_row=2, values_only=True) if r[0]]
    shown = [r.get_attribute("id").removeprefix("row-") for r in page.locator("tbody tr").all()]
    assert sorted(r[0] for r in rows) == sorted(shown)
    by_code = {r[0]: r for r in rows}
    assert by_code["gdp"][3] is not None and float(by_code["gdp"][3]) == float(last_year)

    # 是否 items are chosen, not typed (黑龙江某县's scheme asks whether figures were falsified).
    hlj = evaluation_of("239901", year=2023)
    page.context.clear_cookies()
    login(page, base, "hlj_filler")
    page.goto(f"{base}/e/{hlj.pk}/data/")
    choice = page.locator("#v-falsified")
    assert choice.evaluate("e => e.tagName") == "SELECT"
    assert choice.locator("option").all_inner_texts() == ["请选择", "是", "否"]
    choice.select_option(label="否")
    page.wait_for_selector("#s-falsified .ok")
    assert DataValue.objects.get(evaluation=hlj, item_code="falsified").value == 0
    shot(page, "everyday-data-yes-no")


def test_expert_home_puts_what_waits_first_and_the_viewer_pages_without_account_administration(
    live_server, fresh_demo, open_page, monkeypatch
):
    from lvzhi.accounts.models import User
    from lvzhi.evaluations.models import Evaluation, State
    from lvzhi.web import views

    monkeypatch.setattr(views, "VISIBLE_PER_PAGE", 10)  # the small demo holds fewer than 50 evaluations

    base = live_server.url
    expert = User.objects.get(username="expert")
    page = open_page()
    login(page, base, "expert")
    waiting = page.locator("#review-waiting tbody tr")
    assert waiting.count() >= 1
    states = page.locator("#review-waiting tbody .badge").all_inner_texts()
    assert set(states) <= {State.REVIEWING, State.SUBMITTED}
    page.select_option("#f-review-state", State.PUBLISHED)
    page.get_by_role("button", name="筛选").click()
    page.wait_for_load_state()
    listed = page.locator("section:has(#f-review-state) tbody .badge").all_inner_texts()
    assert listed and set(listed) == {State.PUBLISHED}
    assert Evaluation.objects.filter(round__expert_assignments__expert=expert).exists()
    # 最近变化 reads as sentences: no "DataValue object (2)", and a state change says from → to.
    page.goto(base + "/")
    changes = page.locator("section:has(h2:text('最近变化'))").inner_text()
    assert "object (" not in changes

    viewer = open_page()
    login(viewer, base, "viewer")
    assert viewer.get_by_role("link", name="下一页").count() == 1  # more evaluations than a page: paged
    viewer.get_by_role("link", name="下一页").click()
    viewer.wait_for_load_state()
    assert "第 2 /" in viewer.locator("nav.pager").inner_text()
    viewer.goto(base + "/audit/")
    log = viewer.locator("#audit-rows").inner_text()
    assert "授予角色" not in log and "创建用户" not in log
    office = open_page()
    login(office, base, "sheng_office")
    office.goto(base + "/")
    assert "→" in office.locator("section:has(h2:text('最近变化'))").inner_text()


def test_a_conflict_names_the_item_and_the_time_in_beijing(live_server, fresh_demo, open_page):
    from django.utils import timezone

    from lvzhi.accounts.models import User
    from lvzhi.evaluations import actions
    from lvzhi.evaluations.models import DataValue

    base = live_server.url
    ev = evaluation_of("990101")
    page = open_page()
    login(page, base, "xian1_filler")
    page.goto(f"{base}/e/{ev.pk}/data/")
    dv = DataValue.objects.get(evaluation=ev, item_code="kg_public_share")
    # Someone else saves the same item after the page was loaded.
    actions.do_save_value(
        acting_user=User.objects.get(username="xian1_filler"),
        evaluation=ev,
        item_code="kg_public_share",
        value="61",
        expected_version=dv.version,
    )
    changed = timezone.localtime(DataValue.objects.get(pk=dv.pk).updated_at)
    field = page.locator("#v-kg_public_share")
    field.fill("62")
    field.press("Tab")
    page.wait_for_selector("#s-kg_public_share .err")
    message = page.locator("#s-kg_public_share").inner_text()
    assert "保存冲突" in message and "公办" in message and "kg_public_share" not in message
    assert changed.strftime("%H:%M") in message
    utc = (changed - timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")
    assert utc not in message


def test_a_refused_submission_lists_every_problem_by_indicator_with_links_to_the_rows(
    live_server, fresh_demo, open_page, shot
):
    base = live_server.url
    ev = evaluation_of("239901", year=2023)  # prefilled values not yet confirmed, no self-scores yet
    page = open_page()
    login(page, base, "hlj_filler")
    page.goto(f"{base}/e/{ev.pk}/submit/")
    problems = page.locator(".problems")
    headings = problems.locator("h3").all_inner_texts()
    # One heading per indicator ("1.1 名称"), data problems no indicator reads under 其他数据项.
    assert len(headings) >= 2 and all(re.match(r"\S+ \S", h) or h == "其他数据项" for h in headings)
    items = problems.locator("li a")
    n = int(re.search(r"还有 (\d+) 个问题", page.content()).group(1))
    assert items.count() == n and "另有" not in page.content()  # every problem listed
    assert page.get_by_role("button", name="确认提交").count() == 0
    shot(page, "everyday-submit-refused")
    # A self-score problem leads to its row on 自评打分, a data problem to its row on 数据填报.
    first_score = problems.locator("a[href*='/scores/#score-']").first
    target = first_score.get_attribute("href").split("#")[1]
    first_score.click()
    page.wait_for_url(re.compile(r".*/scores/#score-"))
    assert page.locator(f"#{target}").is_visible()
    page.go_back()
    first_data = problems.locator("a[href*='/data/#row-']").first
    target = first_data.get_attribute("href").split("#")[1]
    first_data.click()
    page.wait_for_url(re.compile(r".*/data/#row-"))
    assert page.locator(f"#{target}").is_visible()


def test_a_justification_of_spaces_is_refused_in_its_row(live_server, fresh_demo, open_page):
    from lvzhi.evaluations.models import ItemScore

    base = live_server.url
    ev = evaluation_of("239901", year=2023)
    page = open_page()
    login(page, base, "hlj_filler")
    page.goto(f"{base}/e/{ev.pk}/scores/")
    row = page.locator("#score-1_1")
    row.locator("select").select_option("良")
    row.locator("textarea").fill("   \u3000")
    row.get_by_role("button", name="保存自评").click()
    page.wait_for_selector("#score-1_1 p.err[role=alert]")
    assert "自评说明" in page.locator("#score-1_1 p.err[role=alert]").inner_text()
    assert not ItemScore.objects.filter(
        evaluation=ev, indicator_code="1.1", self_score__isnull=False
    ).exists()


def test_the_expert_completes_a_review_and_it_leaves_the_waiting_list(live_server, fresh_demo, open_page):
    from lvzhi.accounts import scoping
    from lvzhi.accounts.models import User
    from lvzhi.evaluations.models import ExpertAssignment, State

    base = live_server.url
    expert = User.objects.get(username="expert")
    ev = scoping.evaluations_for(expert, scoping.Perm.REVIEW).filter(state=State.REVIEWING).first()
    page = open_page()
    login(page, base, "expert")
    assert ev.region.name in page.locator("#review-waiting").inner_text()
    page.goto(f"{base}/e/{ev.pk}/review/")
    manual = page.locator("tbody select[name=level]")
    for i in range(manual.count()):
        form = manual.nth(i).locator("xpath=ancestor::form")
        manual.nth(i).select_option(index=1)
        form.locator("textarea").fill("材料齐全。")
        form.get_by_role("button", name="保存评审").click()
        page.wait_for_timeout(300)
    page.reload()
    page.get_by_role("button", name="评审完成").click()
    page.wait_for_load_state()
    assert "已确认评审完成" in page.content()
    assert ExpertAssignment.objects.get(round=ev.round, region=ev.region, expert=expert).review_completed_at
    page.goto(base + "/")
    assert ev.region.name not in page.locator("#review-waiting").inner_text()
