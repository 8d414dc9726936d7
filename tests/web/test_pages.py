"""Every page through Django's test client, as each role: what it shows, what it refuses, what it writes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from lvzhi.demo.populate import PASSWORD

pytestmark = pytest.mark.django_db


def client_for(username: str) -> Client:
    c = Client()
    assert c.login(username=username, password=PASSWORD), f"demo user {username} cannot log in"
    return c


def evaluation_of(region_code: str, year: int = 2024):
    from lvzhi.evaluations.models import Evaluation

    return Evaluation.objects.get(region__code=region_code, round__year=year)


PAGES = ["web:home", "web:schemes", "web:analysis", "web:audit", "web:reader"]


@pytest.mark.parametrize(
    "username", ["admin", "sheng_office", "expert", "xian1_filler", "viewer", "hlj_filler"]
)
def test_every_role_opens_every_general_page(small_demo, username):
    c = client_for(username)
    for name in PAGES:
        response = c.get(reverse(name))
        assert response.status_code == 200, f"{username} {name}: HTTP {response.status_code}"
        assert '<html lang="zh-CN">' in response.content.decode()


def test_pages_need_login_except_the_public_one(small_demo):
    c = Client()
    for name in PAGES:
        response = c.get(reverse(name))
        assert response.status_code == 302 and response["Location"].startswith(reverse("web:login"))
    assert c.get(reverse("web:public")).status_code == 200


def test_filler_sees_own_evaluation_pages(small_demo):
    ev = evaluation_of("990101")
    c = client_for("xian1_filler")
    for name in ("web:data", "web:scores", "web:review", "web:report"):
        response = c.get(reverse(name, args=[ev.pk]))
        assert response.status_code == 200, name
    body = c.get(reverse("web:data", args=[ev.pk])).content.decode()
    assert "一般公共预算教育经费" in body and "万元" in body  # item names with their units
    assert "上年数值" in body


def test_county_user_cannot_read_another_county(small_demo):
    from lvzhi.audit.models import AuditRecord

    other = evaluation_of("990102")
    c = client_for("xian1_filler")
    for name in ("web:evaluation", "web:data", "web:scores", "web:review", "web:report"):
        assert c.get(reverse(name, args=[other.pk])).status_code == 404, name
    before = AuditRecord.objects.count()
    response = c.post(reverse("web:save_value", args=[other.pk, "gdp"]), {"value": "1", "version": ""})
    assert response.status_code == 404
    response = c.post(reverse("web:transition", args=[other.pk]), {"to": "填报中"})
    assert response.status_code == 404
    assert AuditRecord.objects.count() == before, "nothing may be written for a refused request"


def test_county_user_does_not_see_other_counties_in_analysis(small_demo):
    c = client_for("xian1_filler")
    body = c.get(reverse("web:analysis")).content.decode()
    assert "示范省甲市一县" in body and "示范省甲市三县" not in body


def test_an_invalid_value_is_refused_inline_and_not_saved(small_demo):
    from lvzhi.evaluations.models import DataValue

    ev = evaluation_of("990101")
    dv = DataValue.objects.get(evaluation=ev, item_code="kg_public_share")
    c = client_for("xian1_filler")
    response = c.post(
        reverse("web:save_value", args=[ev.pk, "kg_public_share"]),
        {"value": "120", "version": dv.version},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert response.status_code == 200 and 'class="err"' in body and "不能大于 100" in body
    assert 'value="120"' in body, "what the person typed stays in the field"
    dv.refresh_from_db()
    assert dv.value != Decimal("120")


def test_a_valid_value_is_saved_audited_and_rescored(small_demo):
    from lvzhi.audit.models import AuditRecord
    from lvzhi.evaluations.models import DataValue

    ev = evaluation_of("990101")
    dv = DataValue.objects.get(evaluation=ev, item_code="kg_public_share")
    c = client_for("xian1_filler")
    response = c.post(
        reverse("web:save_value", args=[ev.pk, "kg_public_share"]),
        {"value": "49.5", "version": dv.version},
        HTTP_HX_REQUEST="true",
    )
    assert "已保存" in response.content.decode()
    dv.refresh_from_db()
    assert dv.value == Decimal("49.5")
    last = AuditRecord.objects.order_by("-seq").first()
    assert last.action == "value.save" and last.actor_username == "xian1_filler"
    scores = client_for("xian1_filler").get(reverse("web:scores", args=[ev.pk])).content.decode()
    assert "49.5" in scores  # the explanation of the re-computed rule quotes the new value


def test_a_stale_form_gets_a_conflict_message_and_keeps_the_input(small_demo):
    from lvzhi.evaluations.models import DataValue

    ev = evaluation_of("990101")
    dv = DataValue.objects.get(evaluation=ev, item_code="exchange_share")
    c = client_for("xian1_filler")
    url = reverse("web:save_value", args=[ev.pk, "exchange_share"])
    c.post(url, {"value": "12", "version": dv.version}, HTTP_HX_REQUEST="true")
    body = c.post(url, {"value": "13", "version": dv.version}, HTTP_HX_REQUEST="true").content.decode()
    assert "保存冲突" in body and 'value="13"' in body
    dv.refresh_from_db()
    assert dv.value == Decimal("12")


def test_prefilled_values_show_their_source_sentence_until_confirmed(small_demo):
    from lvzhi.evaluations.models import DataValue

    ev = evaluation_of("239901", year=2023)
    c = client_for("hlj_filler")
    body = c.get(reverse("web:data", args=[ev.pk])).content.decode()
    assert "原句“" in body and "公办幼儿园在园幼儿占比56.1%" in body and "待确认" in body
    # The source is the report as people name it (its title), not the name its file happened to have.
    assert "《县人民政府办公室关于2024年县级人民政府履行教育职责自查自评情况的报告》" in body
    assert "004_5f29f3c7baff100d" not in body
    dv = DataValue.objects.get(evaluation=ev, item_code="kg_public_share")
    row = c.post(
        reverse("web:save_value", args=[ev.pk, "kg_public_share"]),
        {"confirm": "1", "version": dv.version},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    dv.refresh_from_db()
    assert dv.confirmed and "待确认" not in row.split("</tr>")[0]


def test_self_score_needs_a_justification_and_is_saved_with_it(small_demo):
    from lvzhi.evaluations.models import ItemScore

    ev = evaluation_of("239901", year=2023)
    c = client_for("hlj_filler")
    url = reverse("web:save_self_score", args=[ev.pk, "1.1"])
    body = c.post(
        url, {"level": "良", "justification": "全年召开专题会议研究教育强国建设。"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "已保存" in body
    s = ItemScore.objects.get(evaluation=ev, indicator_code="1.1")
    assert s.self_level == "良" and s.self_score == s.points * Decimal("0.8")


def test_submitting_with_problems_lists_them_and_keeps_the_state(small_demo):
    ev = evaluation_of("239901", year=2023)
    c = client_for("hlj_filler")
    # 提交 without the confirmation step only leads to the confirmation page, which lists every problem.
    response = c.post(reverse("web:transition", args=[ev.pk]), {"to": "已提交"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("web:submit", args=[ev.pk])
    body = response.content.decode()
    assert "处理后才能提交" in body and "尚未确认" in body and "确认提交" not in body
    # Confirmed anyway (a stale page): refused, and the same list is shown, grouped by indicator with links.
    response = c.post(reverse("web:transition", args=[ev.pk]), {"to": "已提交", "confirm": "1"}, follow=True)
    body = response.content.decode()
    assert "未能提交" in body and "尚未确认" in body
    assert f'href="/e/{ev.pk}/data/#row-kg_public_share"' in body
    assert f'href="/e/{ev.pk}/scores/#score-1_1"' in body
    assert "另有" not in body  # every problem listed, none summarised away
    ev.refresh_from_db()
    assert ev.state == "填报中"


def test_public_page_shows_only_published_results(small_demo):
    from lvzhi.evaluations.models import Evaluation, State

    body = Client().get(reverse("web:public")).content.decode()
    published = Evaluation.objects.filter(state=State.PUBLISHED, round__year=2024).select_related("region")
    unpublished = (
        Evaluation.objects.filter(round__year=2024).exclude(state=State.PUBLISHED).select_related("region")
    )
    assert published and all(e.region.name in body for e in published)
    assert not any(e.region.name in body for e in unpublished)


def test_league_table_sorts_and_filters_with_htmx(small_demo):
    from lvzhi.evaluations.models import Round

    rnd = Round.objects.get(year=2024, owner_region__code="990000")
    c = client_for("sheng_office")
    url = reverse("web:analysis")
    body = c.get(
        url,
        {"round": rnd.pk, "sort": "region", "dir": "desc"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="league",
    ).content.decode()
    assert "<html" not in body  # a fragment
    assert body.index("示范省甲市四县") < body.index("示范省甲市一县")
    body = c.get(
        url, {"round": rnd.pk, "q": "二县"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="league"
    ).content.decode()
    assert "示范省甲市二县" in body and "示范省甲市一县" not in body


def test_audit_log_filters_by_actor(small_demo):
    c = client_for("sheng_office")
    body = c.get(reverse("web:audit"), {"actor": "sheng_office"}).content.decode()
    assert "sheng_office开启了评价轮次" in body and '<td data-label="操作">开启评价轮次</td>' in body
    body = c.get(reverse("web:audit"), {"action": "round.open"}).content.decode()
    assert (
        '<td data-label="操作">开启评价轮次</td>' in body
        and '<td data-label="操作">状态变更</td>' not in body
    )
    # Each record reads as a sentence; a state change says from → to, a moment in Beijing time.
    body = c.get(reverse("web:audit"), {"action": "evaluation.transition"}).content.decode()
    assert "的状态：状态：" in body and " → " in body
    body = c.get(reverse("web:audit"), {"actor": "nobody-at-all"}).content.decode()
    assert "没有符合条件的记录" in body


def test_reader_marks_a_doctored_growth_rate_of_a_real_report_in_red(small_demo, seeds_dir):
    from django.core.files.uploadedfile import SimpleUploadedFile

    text = sorted(seeds_dir.glob("004_*.txt"))[0].read_text(encoding="utf-8")
    assert "2023年为7491.84元,增长10.99%" in text
    doctored = text.replace("2023年为7491.84元,增长10.99%", "2023年为7491.84元,增长20.99%")
    c = client_for("viewer")
    body = c.post(
        reverse("web:reader"), {"report": SimpleUploadedFile("004.txt", doctored.encode("gb18030"))}
    ).content.decode()
    assert '<mark class="fig bad"' in body and "重算 10.99" in body
    assert body.count('<mark class="fig') > 50  # every figure of the report is highlighted
    assert "算术核对不一致" in body and "20.99" in body


def test_reader_explains_what_to_do_with_an_unsupported_file(small_demo):
    from django.core.files.uploadedfile import SimpleUploadedFile

    c = client_for("viewer")
    body = c.post(reverse("web:reader"), {"report": SimpleUploadedFile("a.exe", b"MZ")}).content.decode()
    assert "不支持的文件类型" in body and "请上传 txt、docx、pdf 或 html" in body


def test_reader_escapes_markup_in_the_report(small_demo):
    from django.core.files.uploadedfile import SimpleUploadedFile

    text = "<script>alert(1)</script>2023年全县一般公共预算教育经费1000万元，比上年增长10%。".encode()
    body = (
        client_for("viewer")
        .post(reverse("web:reader"), {"report": SimpleUploadedFile("r.txt", text)})
        .content.decode()
    )
    assert "<script>alert(1)" not in body and "&lt;script&gt;" in body


def test_report_is_previewed_and_downloaded_as_docx_and_pdf(small_demo):
    ev = evaluation_of("990101")
    c = client_for("xian1_filler")
    preview = c.get(reverse("web:report_preview", args=[ev.pk]))
    assert preview.status_code == 200 and "示范省甲市一县" in preview.content.decode()
    assert preview["X-Frame-Options"] == "SAMEORIGIN"
    docx = c.get(reverse("web:report_download", args=[ev.pk, "docx"]))
    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    assert "attachment" in docx["Content-Disposition"]
    pdf = c.get(reverse("web:report_download", args=[ev.pk, "pdf"]))
    assert pdf.status_code == 200 and pdf.content[:5] == b"%PDF-"
    other = evaluation_of("990102")
    assert c.get(reverse("web:report_download", args=[other.pk, "pdf"])).status_code == 404


def filled_template(c: Client, ev, values: dict[str, object]) -> bytes:
    """Download the region's template from the page's link and fill the 本年数值 column like a person would."""
    import io

    from openpyxl import load_workbook

    response = c.get(reverse("web:workbook_template", args=[ev.round_id]), {"region": ev.region.code})
    assert response.status_code == 200 and response.content[:2] == b"PK"
    wb = load_workbook(io.BytesIO(response.content))
    ws = wb["数据填报"]
    for row in ws.iter_rows(min_row=2):
        code = row[0].value
        if code in values:
            row[4].value = values[code]
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_excel_import_lists_every_bad_cell_and_writes_nothing(small_demo):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from lvzhi.evaluations.models import DataValue
    from lvzhi.jobs.worker import drain

    ev = evaluation_of("990101")
    c = client_for("xian1_filler")
    before = dict(DataValue.objects.filter(evaluation=ev).values_list("item_code", "value"))
    data = filled_template(
        c, ev, {"kg_public_share": 150, "exchange_share": "很多", "kg_gross_enrolment_rate": 91}
    )
    response = c.post(
        reverse("web:workbook_import", args=[ev.round_id]),
        {"workbook": SimpleUploadedFile("甲市一县.xlsx", data), "next": reverse("web:data", args=[ev.pk])},
        follow=True,
    )
    assert "正在后台执行" in response.content.decode()  # the import runs as a job; the page returns at once
    drain()
    body = c.get(response.redirect_chain[-1][0]).content.decode()
    assert "有 2 处错误，未写入任何数据" in body
    assert body.count("数据填报!E") >= 2  # every bad cell named as sheet!cell
    assert dict(DataValue.objects.filter(evaluation=ev).values_list("item_code", "value")) == before


def test_excel_import_of_a_good_workbook_stores_the_values(small_demo):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from lvzhi.evaluations.models import DataValue
    from lvzhi.jobs.worker import drain

    ev = evaluation_of("990101")
    c = client_for("xian1_filler")
    data = filled_template(c, ev, {"kg_public_share": "61.5", "kg_gross_enrolment_rate": 91})
    response = c.post(
        reverse("web:workbook_import", args=[ev.round_id]),
        {"workbook": SimpleUploadedFile("甲市一县.xlsx", data), "next": reverse("web:data", args=[ev.pk])},
        follow=True,
    )
    drain()
    assert "已导入" in c.get(response.redirect_chain[-1][0]).content.decode()
    assert DataValue.objects.get(evaluation=ev, item_code="kg_public_share").value == Decimal("61.5")


def test_evidence_is_uploaded_downloaded_and_its_reuse_shown(small_demo):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from lvzhi.evidence.models import Evidence

    ev = evaluation_of("239901", year=2023)
    c = client_for("hlj_filler")
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    url = reverse("web:evidence_upload", args=[ev.pk, "1.1"])
    response = c.post(
        url,
        {"file": SimpleUploadedFile("会议纪要.pdf", pdf), "next": reverse("web:scores", args=[ev.pk])},
        follow=True,
    )
    assert "已上传" in response.content.decode()
    row = Evidence.objects.get(evaluation=ev, indicator_code="1.1")
    download = c.get(reverse("web:evidence_download", args=[row.pk]))
    assert b"".join(download.streaming_content) == pdf
    assert "会议纪要.pdf" in c.get(reverse("web:scores", args=[ev.pk])).content.decode()
    refused = c.post(
        url, {"file": SimpleUploadedFile("程序.exe", b"MZ\x90\x00")}, follow=True
    ).content.decode()
    assert "未上传" in refused
    assert client_for("xian1_filler").get(reverse("web:evidence_download", args=[row.pk])).status_code == 404


def test_the_same_file_offered_by_two_counties_is_flagged_as_reused(small_demo):
    from django.core.files.uploadedfile import SimpleUploadedFile

    first, second = evaluation_of("990101"), evaluation_of("990108")
    c = client_for("sheng_filler")  # the province-level filler may fill both counties
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    for ev in (first, second):
        c.post(
            reverse("web:evidence_upload", args=[ev.pk, "S1.1"]),
            {"file": SimpleUploadedFile("照片.png", png)},
        )
    body = c.get(reverse("web:scores", args=[second.pk])).content.decode()
    assert "重复使用：2024年示范省甲市一县 S1.1" in body


def test_uploading_a_report_prefills_values_with_their_sentences_but_keeps_entered_ones(
    small_demo, seeds_dir
):
    from lvzhi.accounts.models import User
    from lvzhi.evaluations import actions
    from lvzhi.evaluations.models import DataValue, Source

    hlj = evaluation_of("239901", year=2023)
    DataValue.objects.filter(evaluation=hlj).delete()  # start from an empty form
    filler = User.objects.get(username="hlj_filler")
    actions.do_save_value(
        acting_user=filler,
        evaluation=hlj,
        item_code="kg_inclusive_coverage",
        value="90",
        expected_version=None,
    )
    report = sorted(seeds_dir.glob("004_*.txt"))[0]
    with report.open("rb") as fh:
        response = client_for("hlj_filler").post(
            reverse("web:prefill", args=[hlj.pk]), {"report": fh}, follow=True
        )
    body = response.content.decode()
    title = "县人民政府办公室关于2024年县级人民政府履行教育职责自查自评情况的报告"
    assert f"已从《{title}》预填" in body and "未覆盖" in body and report.name not in body
    share = DataValue.objects.get(evaluation=hlj, item_code="kg_public_share")
    assert share.value == Decimal("56.1") and share.source == Source.PREFILL and not share.confirmed
    assert "公办幼儿园在园幼儿占比56.1%" in share.source_sentence
    assert DataValue.objects.get(evaluation=hlj, item_code="kg_inclusive_coverage").value == Decimal(90)
    assert "原句“" in body


def test_office_downloads_the_round_workbook_with_a_row_per_region(small_demo):
    import io

    from openpyxl import load_workbook

    from lvzhi.evaluations.models import Round

    rnd = Round.objects.get(year=2024, owner_region__code="990000")
    c = client_for("sheng_office")
    assert f'href="/rounds/{rnd.pk}/template.xlsx"' in c.get(reverse("web:home")).content.decode()
    response = c.get(reverse("web:workbook_template", args=[rnd.pk]))
    wb = load_workbook(io.BytesIO(response.content))
    codes = [row[0].value for row in wb["本年数值"].iter_rows(min_row=3)]
    assert codes == [f"9901{i:02d}" for i in range(1, 9)]


def test_review_page_says_where_the_report_states_another_figure_than_the_one_entered(small_demo):
    from lvzhi.evaluations.models import DataValue, Source

    ev = evaluation_of("990101")
    DataValue.objects.update_or_create(
        evaluation=ev,
        item_code="kindergartens",
        defaults={
            "value": Decimal(50),
            "source": Source.PREFILL,
            "source_sentence": "全县共有幼儿园48所，在园幼儿5800人。",
        },
    )
    body = client_for("xian1_filler").get(reverse("web:review", args=[ev.pk])).content.decode()
    assert "报告与填报数据不一致" in body and "报告称 48所" in body and "填报数据为 50所" in body


def test_the_admin_site_is_named_for_the_platform_and_every_resource_it_lists_opens(small_demo):
    import re as _re

    c = client_for("admin")
    index = c.get("/admin/").content.decode()
    assert "Django" not in index and "履职" in index
    links = sorted(set(_re.findall(r'href="(/admin/[^"#?]+)"', index)) - {"/admin/logout/"})
    assert len(links) >= 10
    broken = []
    for url in links:
        response = c.get(url)
        if response.status_code != 200:
            broken.append((url, response.status_code))
            continue
        # The first object of every list opens too.
        first = _re.search(r'href="(' + _re.escape(url) + r'[^"/]+/change/)"', response.content.decode())
        if first and (status := c.get(first.group(1)).status_code) != 200:
            broken.append((first.group(1), status))
    assert broken == [], f"admin pages that do not open: {broken}"
