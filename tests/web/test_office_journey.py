"""The office's whole year in headless chromium, on a fresh installation built with `lvzhi init` and the CLI
alone (no demo builder): scheme upload (line errors, then a draft with its diff against a built-in scheme,
activated), a round for one city's counties with deadlines, two experts (回避 shown), filling, a missed
deadline refused and extended, review, the completeness gate refusing a gap, publication, the public page,
rectification refused once and accepted, and next year's round carrying the open problem. Every step is
screenshotted into test-artifacts/screenshots (office-*)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from typer.testing import CliRunner

from lvzhi.cli.main import app

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Yt-Office-2026!x"
SCHEME = Path(__file__).resolve().parents[1] / "platform" / "schemes" / "small-county.yaml"
CITY, PROVINCE = "360600", "360000"  # 鹰潭市 (江西省): three counties
A, B, C = "360602", "360603", "360681"  # 月湖区, 余江区, 贵溪市


def cli(*args: str) -> str:
    result = CliRunner().invoke(app, list(args), env={"LVZHI_PASSWORD": PASSWORD})
    assert result.exit_code == 0, result.output
    return result.output


def login(page, base: str, username: str) -> None:
    page.goto(base + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url(re.compile(r".*/$"))


def by_id(prefix: str, code: str) -> str:
    return "#" + prefix + "-" + re.sub(r"[^A-Za-z0-9_-]", "_", code)


def transition(page, label: str, reason: str | None = None) -> None:
    if reason is not None:
        page.fill("textarea[name=reason]", reason)
    page.get_by_role("button", name=label, exact=True).click()
    page.wait_for_load_state()


def evaluation(code: str, year: int = 2025):
    from lvzhi.evaluations.models import Evaluation

    return Evaluation.objects.select_related("round", "region").get(region__code=code, round__year=year)


def scheme_version() -> int:
    from lvzhi.evaluations.models import SchemeVersion

    return SchemeVersion.objects.get(scheme_id="yingtan-2025-county").pk


def option(page, select: str, text: str) -> str:
    """The value of the option of a <select> whose text contains `text`."""
    return page.locator(f"{select} option", has_text=text).first.get_attribute("value")


def fill_data(page, base: str, ev, values: dict[str, str]) -> None:
    page.goto(f"{base}/e/{ev.pk}/data/")
    for code, value in values.items():
        page.locator(f"#v-{code}").fill(value)
        page.locator(f"#v-{code}").press("Tab")
        page.wait_for_selector(f"#s-{code} .ok")
    if page.locator("#p-edu_gpb_spending").count():
        page.locator("#p-edu_gpb_spending").fill("900")
        page.locator("#p-edu_gpb_spending").press("Tab")
        page.wait_for_selector("#s-edu_gpb_spending .ok")
    page.wait_for_load_state("networkidle")  # every inline save answered before the next page loads


def self_score(page, base: str, ev) -> None:
    page.goto(f"{base}/e/{ev.pk}/scores/")
    for code, level in (("1.1", "优"), ("J1", "差")):
        row = page.locator(by_id("score", code))
        row.locator("select").select_option(level)
        row.locator("textarea").fill(f"{code}：按方案自评，材料齐全。")
        row.get_by_role("button", name="保存自评").click()
        page.wait_for_selector(by_id("score", code) + " .ok")
    page.wait_for_load_state("networkidle")


def submit(page, base: str, ev) -> None:
    """The submit page: every open problem listed, then one confirmed step (none after the deadline)."""
    page.goto(f"{base}/e/{ev.pk}/submit/")
    page.get_by_role("button", name="确认提交").click()
    page.wait_for_load_state()


def batch(page, base: str, rnd, query: str, codes: list[str], step: str) -> str:
    from lvzhi.regions.models import Region

    page.goto(f"{base}/rounds/{rnd.pk}/?{query}")
    for code in codes:
        page.get_by_label(f"选择{Region.objects.get(code=code).name}").check()
    page.select_option("#b-step", label=step)
    page.get_by_role("button", name="批量执行").click()
    page.wait_for_load_state()
    return page.content()


def test_the_office_runs_a_real_year_without_the_demo(live_server, open_page, shot, tmp_path):
    base = live_server.url
    # A fresh installation: init, the first administrator, then every user through the CLI as that admin.
    assert "已载入全国行政区划" in cli("init")
    cli("user", "add", "root", "--role", "admin")
    cli("user", "add", "yt_office", "--role", "office", "--region", CITY, "--as", "root")
    cli(
        "user",
        "add",
        "zj_sheng",
        "--role",
        "expert",
        "--region",
        PROVINCE,
        "--full-name",
        "省专家",
        "--as",
        "root",
    )
    cli(
        "user",
        "add",
        "zj_yuehu",
        "--role",
        "expert",
        "--region",
        A,
        "--full-name",
        "月湖专家",
        "--as",
        "root",
    )
    for code, name in ((A, "yh_filler"), (B, "yj_filler"), (C, "gx_filler")):
        cli("user", "add", name, "--role", "filler", "--region", code, "--as", "root")

    office = open_page()
    login(office, base, "yt_office")
    shot(office, "office-01-workbench")

    # Scheme: a broken file shows its line errors; a good one becomes a draft with its diff; activated.
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        SCHEME.read_text(encoding="utf-8").replace("kg_public_share", "kg_public_sharex"), encoding="utf-8"
    )
    office.goto(f"{base}/schemes/upload/")
    office.set_input_files("#scheme-file", str(broken))
    office.get_by_role("button", name="校验并导入").click()
    errors = office.locator("#scheme-errors").inner_text()
    assert re.search(r"broken\.yaml:\d+", errors), errors
    shot(office, "office-02-scheme-errors")
    good = tmp_path / "yingtan-2025.yaml"
    text = SCHEME.read_text(encoding="utf-8").replace("id: test-small-county", "id: yingtan-2025-county")
    good.write_text(text.replace("示范省", "鹰潭市"), encoding="utf-8")
    office.set_input_files("#scheme-file", str(good))
    office.get_by_role("button", name="校验并导入").click()
    office.wait_for_url(re.compile(r".*/schemes/\d+/review/$"))
    assert "草稿" in office.content() and "评分规则" in office.content()
    office.select_option("#base", value="b:national-2021")
    office.get_by_role("button", name="比较").click()
    assert "内置方案 national-2021" in office.content() and office.locator("#diff tbody tr").count() > 10
    shot(office, "office-03-scheme-diff")
    office.get_by_role("button", name="启用此版本").click()
    assert "已启用" in office.content()

    # The round: every county of the city, with deadlines; then two experts (the local one is refused for
    # its own county: 回避).
    fill_deadline = (timezone.localdate() + timedelta(days=20)).isoformat()
    office.goto(f"{base}/rounds/")
    office.select_option("#r-scheme", value=str(scheme_version()))
    office.fill("#r-year", "2025")
    office.fill("#r-fill", fill_deadline)
    office.fill("#r-review", (timezone.localdate() + timedelta(days=40)).isoformat())
    office.get_by_role("button", name="开启").click()
    office.wait_for_url(re.compile(r".*/rounds/\d+/$"))
    ev_a, ev_b = evaluation(A), evaluation(B)
    assert evaluation(C).state == "未开始"
    rnd = ev_a.round
    assert "月湖区" in office.content() and "贵溪市" in office.content()
    shot(office, "office-04-round-progress")
    office.goto(f"{base}/rounds/{rnd.pk}/experts/")
    office.get_by_label(re.compile("省专家")).check()
    office.get_by_label(re.compile("月湖专家")).check()
    office.select_option("select[name=region]", [A, B])
    office.get_by_role("button", name="分配", exact=True).click()
    assert "回避" in office.content()
    shot(office, "office-05-experts")
    from lvzhi.evaluations.models import ExpertAssignment

    assert sorted(
        ExpertAssignment.objects.filter(round=rnd).values_list("expert__username", "region__code")
    ) == [
        ("zj_sheng", A),
        ("zj_sheng", B),
        ("zj_yuehu", B),
    ]

    # 月湖区 fills everything in the browser and submits on time.
    county_a = open_page()
    login(county_a, base, "yh_filler")
    county_a.goto(f"{base}/e/{ev_a.pk}/data/")
    transition(county_a, "开始填报")
    values = {
        "kg_public_share": "62",
        "kg_inclusive_coverage": "85",
        "disabled_enrolment_rate": "97",
        "edu_gpb_spending": "1000",
    }
    fill_data(county_a, base, ev_a, values)
    self_score(county_a, base, ev_a)
    submit(county_a, base, ev_a)
    assert "当前状态：已提交" in county_a.content()
    shot(county_a, "office-06-county-submitted")

    # 余江区 fills all but one figure, misses the deadline: refused; the office extends; it submits.
    county_b = open_page()
    login(county_b, base, "yj_filler")
    county_b.goto(f"{base}/e/{ev_b.pk}/data/")
    transition(county_b, "开始填报")
    fill_data(county_b, base, ev_b, {k: v for k, v in values.items() if k != "disabled_enrolment_rate"})
    self_score(county_b, base, ev_b)
    from lvzhi.accounts.models import User
    from lvzhi.evaluations import actions

    # The deadline passes (the office moves it to yesterday, as time would).
    actions.do_update_round(
        acting_user=User.objects.get(username="yt_office"),
        round=rnd,
        fill_deadline=timezone.now() - timedelta(days=1),
    )
    county_b.goto(f"{base}/e/{ev_b.pk}/submit/")
    assert "截止" in county_b.locator("#deadline-note").inner_text()
    assert county_b.get_by_role("button", name="确认提交").count() == 0
    # Posting the step anyway (an old tab, a script) is refused by the action itself.
    with county_b.expect_navigation():
        county_b.evaluate(
            """(url) => { const f = document.createElement('form'); f.method = 'post'; f.action = url;
        const t = document.querySelector('input[name=csrfmiddlewaretoken]');
        for (const [k, v] of [['to', '已提交'], ['confirm', '1'], ['csrfmiddlewaretoken', t ? t.value : '']]) {
          const i = document.createElement('input'); i.type = 'hidden'; i.name = k; i.value = v; f.appendChild(i); }
        document.body.appendChild(f); f.submit(); }""",
            f"/e/{ev_b.pk}/transition/",
        )
    county_b.wait_for_load_state()
    assert "截止" in county_b.content() and "当前状态：已提交" not in county_b.content()
    shot(county_b, "office-07-county-late-refused")
    office.goto(f"{base}/rounds/{rnd.pk}/?region={CITY}&overdue=1")
    assert office.locator("#listing").get_by_text("逾期").count() >= 2
    office.select_option("#x-ev", value=option(office, "#x-ev", "余江区"))
    office.fill("#x-until", (timezone.localdate() + timedelta(days=3)).isoformat())
    office.fill("#x-reason", "县级财政数据晚于截止日期下达")
    office.get_by_role("button", name="延期", exact=True).click()
    assert "余江区的填报截止已延至" in office.content()
    shot(office, "office-08-extension")
    submit(county_b, base, ev_b)
    assert "当前状态：已提交" in county_b.content()

    # Review: the office starts it for both, the expert judges 月湖区's manual item a level lower.
    page = batch(office, base, rnd, f"region={CITY}&state=已提交", [A, B], "开始审核")
    assert "开始审核完成 2 个" in page
    expert = open_page()
    login(expert, base, "zj_sheng")
    expert.goto(f"{base}/e/{ev_a.pk}/review/")
    row = expert.locator(by_id("rev", "1.1"))
    row.locator("select[name=level]").select_option("良")
    row.locator("textarea").fill("会议纪要不全，评为良。")
    row.get_by_role("button", name="保存评审").click()
    expert.wait_for_selector(by_id("rev", "1.1") + ".discrepancy")
    shot(expert, "office-09-expert-review")

    # The gate: 余江区 has an unscored indicator, so it is refused with the gap named; 月湖区 goes through.
    page = batch(office, base, rnd, f"region={CITY}&state=审核中", [A, B], "审核通过")
    assert "审核通过完成 1 个：月湖区" in page and "余江区" in page and "尚未得分" in page
    shot(office, "office-10-gate-refused")
    office.goto(f"{base}/e/{ev_b.pk}/review/")
    transition(office, "退回修改", reason="残疾儿童少年义务教育入学率未填报，请补充。")
    fill_data(county_b, base, ev_b, {"disabled_enrolment_rate": "96"})
    submit(county_b, base, ev_b)
    assert "当前状态：已提交" in county_b.content()
    batch(office, base, rnd, f"region={CITY}&state=已提交", [B], "开始审核")
    batch(office, base, rnd, f"region={CITY}&state=审核中", [B], "审核通过")
    page = batch(office, base, rnd, f"region={CITY}&state=已审核", [A, B], "发布结果")
    assert "发布结果完成 2 个" in page
    shot(office, "office-11-published")

    public = open_page()
    public.goto(f"{base}/public/")
    table = public.locator("table").inner_text()
    assert "月湖区" in table and "余江区" in table and "贵溪市" not in table
    assert public.get_by_role("link", name="PDF").count() == 2
    shot(public, "office-12-public")

    # Rectification: two problems for 月湖区; one is rectified with evidence, refused once, then accepted.
    deadline = (timezone.localdate() + timedelta(days=60)).isoformat()
    for description in ("学校食堂未落实陪餐制度", "教师培训经费未足额安排"):
        office.goto(f"{base}/rectification/")
        office.select_option("#p-ev", value=option(office, "#p-ev", "月湖区"))
        office.select_option("#p-source", "专家评审")
        office.fill("#p-desc", description)
        office.fill("#p-measure", "按要求整改")
        office.fill("#p-deadline", deadline)
        office.get_by_role("button", name="登记").click()
        office.wait_for_url(re.compile(r".*/rectification/\d+/$"))
    from lvzhi.rectification.models import Problem

    first = Problem.objects.get(description="学校食堂未落实陪餐制度")
    county_a.goto(f"{base}/rectification/{first.pk}/")
    county_a.get_by_role("button", name="开始整改").click()
    county_a.fill("#m-text", "建立校领导陪餐制度")
    county_a.fill("#m-unit", "月湖区教育局")
    county_a.fill("#m-deadline", deadline)
    county_a.get_by_role("button", name="添加", exact=True).click()
    county_a.fill("#g-text", "已制定校领导陪餐制度并印发")
    county_a.fill("#g-percent", "100")
    evidence = tmp_path / "陪餐制度.pdf"
    evidence.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    county_a.set_input_files("#g-files", str(evidence))
    county_a.get_by_role("button", name="报告", exact=True).click()
    county_a.fill("#c-summary", "制度已建立并执行")
    county_a.get_by_role("button", name="提交销号").click()
    shot(county_a, "office-13-closure-requested")
    office.goto(f"{base}/rectification/{first.pk}/")
    office.fill("#r-reason", "缺少陪餐记录")
    office.get_by_role("button", name="不同意，退回").click()
    county_a.goto(f"{base}/messages/")
    assert "整改未通过验收" in county_a.content()
    shot(county_a, "office-14-county-messages")
    county_a.goto(f"{base}/rectification/{first.pk}/")
    assert "缺少陪餐记录" in county_a.content() and "陪餐制度.pdf" in county_a.content()
    county_a.fill("#c-summary", "补充了三个月的陪餐记录")
    county_a.get_by_role("button", name="提交销号").click()
    office.goto(f"{base}/rectification/{first.pk}/")
    office.get_by_role("button", name="同意销号").click()
    assert "已销号" in office.content()
    shot(office, "office-15-problem-accepted")

    # Next year: the round carries the problem still open into 2026.
    office.goto(f"{base}/rounds/")
    office.select_option("#r-scheme", value=str(scheme_version()))
    office.fill("#r-year", "2026")
    office.get_by_role("button", name="开启").click()
    office.wait_for_url(re.compile(r".*/rounds/\d+/$"))
    office.goto(f"{base}/rectification/")
    assert "由2025年结转" in office.content()
    carried = Problem.objects.get(description="教师培训经费未足额安排", evaluation__round__year=2026)
    assert carried.carried_from.evaluation.round.year == 2025
    shot(office, "office-16-next-year-carried")

    # The office's pages at tablet size too (1024×1366): every one opens, nothing overflows the viewport.
    tablet = open_page(tablet=True)
    login(tablet, base, "yt_office")
    for name, path in (
        ("rounds", "/rounds/"),
        ("round", f"/rounds/{rnd.pk}/?region={CITY}&state=已发布"),
        ("experts", f"/rounds/{rnd.pk}/experts/"),
        ("ledger", "/rectification/"),
        ("messages", "/messages/"),
        ("public", "/public/"),
    ):
        assert tablet.goto(base + path).status == 200
        assert tablet.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), name
        shot(tablet, f"office-18-tablet-{name}")
