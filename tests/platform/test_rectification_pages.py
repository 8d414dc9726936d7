"""整改 pages: the office raises a problem, the county rectifies it with evidence, the office refuses once and
accepts; the ledger filters and exports what each side may see; a carried-over problem shows both years."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from lvzhi.evaluations.actions import office
from lvzhi.notifications.models import Kind, Notification
from lvzhi.rectification.models import Problem, ProblemState

pytestmark = pytest.mark.django_db


def client(user):
    c = Client()
    c.force_login(user)
    return c


def text(response):
    return response.content.decode("utf-8")


def test_a_problem_goes_from_raised_to_accepted_through_the_pages(cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    prov, county = client(cast.prov_office), client(cast.jia1_filler)
    soon = (timezone.localdate() + timedelta(days=30)).isoformat()
    response = prov.post(
        "/rectification/",
        {
            "evaluation": cast.jia1.pk,
            "source": "实地检查",
            "severity": "一般",
            "description": "学校食堂未落实陪餐制度",
            "required_measure": "建立校领导陪餐制度",
            "deadline": soon,
        },
    )
    p = Problem.objects.get()
    assert response["Location"] == f"/rectification/{p.pk}/"
    act = f"/rectification/{p.pk}/act/"
    county.post(act, {"do": "start"})
    county.post(
        act, {"do": "measure", "text": "制定陪餐制度", "responsible_unit": "县教育局", "deadline": soon}
    )
    county.post(
        act,
        {
            "do": "progress",
            "text": "已制定制度并印发",
            "percent": "100",
            "files": SimpleUploadedFile("制度.pdf", b"%PDF-1.4\n1"),
        },
    )
    county.post(act, {"do": "closure", "summary": "已整改完毕"})
    assert Problem.objects.get().state == ProblemState.CLOSURE_REQUESTED
    assert "同意销号" not in text(county.get(f"/rectification/{p.pk}/"))  # a county never accepts its own
    prov.post(act, {"do": "refuse", "reason": "缺少陪餐记录"})
    assert Problem.objects.get().state == ProblemState.REFUSED
    assert Notification.objects.filter(user=cast.jia1_filler, kind=Kind.PROBLEM_REFUSED).exists()
    page = text(county.get(f"/rectification/{p.pk}/"))
    assert "缺少陪餐记录" in page and "制度.pdf" in page and "制定陪餐制度" in page
    county.post(act, {"do": "closure", "summary": "补充了陪餐记录"})
    prov.post(act, {"do": "verify", "comment": "同意"})
    assert Problem.objects.get().state == ProblemState.CLOSED


def _raise(cast, ev, description, deadline):
    from lvzhi.rectification.actions import do_raise_problem

    return do_raise_problem(
        acting_user=cast.prov_office,
        evaluation=ev,
        source="专家评审",
        description=description,
        required_measure="整改",
        deadline=deadline,
    )


def test_the_ledger_filters_and_each_side_sees_its_own(cast):
    today = timezone.localdate()
    _raise(cast, cast.jia1, "甲一的问题", today + timedelta(days=10))
    late = _raise(cast, cast.jia2, "甲二的问题", today + timedelta(days=1))
    Problem.objects.filter(pk=late.pk).update(deadline=today - timedelta(days=1))
    prov = text(client(cast.prov_office).get("/rectification/"))
    assert "甲一的问题" in prov and "甲二的问题" in prov
    overdue = text(client(cast.prov_office).get("/rectification/?state=逾期"))
    assert "甲二的问题" in overdue and "甲一的问题" not in overdue
    by_region = text(client(cast.prov_office).get("/rectification/?region=990101"))
    assert "甲一的问题" in by_region and "甲二的问题" not in by_region
    own = text(client(cast.jia1_filler).get("/rectification/"))
    assert "甲一的问题" in own and "甲二的问题" not in own
    csv = client(cast.jia1_filler).get("/rectification/export.csv").content.decode("utf-8")
    assert "甲一的问题" in csv and "甲二的问题" not in csv


def test_a_problem_left_open_is_carried_into_next_years_round_and_both_pages_link(cast):
    first = _raise(cast, cast.jia1, "控辍保学台账不全", timezone.localdate() + timedelta(days=10))
    opened = office.do_open_year_round(
        acting_user=cast.prov_office,
        scheme_version=cast.scheme_version,
        year=2025,
        owner_region=cast.regions["示范省"],
        level="县",
    )
    from lvzhi.rectification.actions import do_carry_over_round

    do_carry_over_round(acting_user=cast.prov_office, round=opened.round)  # what the on-commit signal runs
    carried = Problem.objects.get(carried_from=first)
    assert carried.evaluation.round == opened.round
    c = client(cast.jia1_filler)
    assert f"/rectification/{carried.pk}/" in text(c.get(f"/rectification/{first.pk}/"))
    assert f"/rectification/{first.pk}/" in text(c.get(f"/rectification/{carried.pk}/"))
    assert "由2024年结转" in text(c.get("/rectification/"))


def test_a_finding_of_the_report_reader_is_recorded_as_a_problem(cast):
    report = "2023年全县教育经费为100万元，比上年的80万元增长50%。".encode()
    office = client(cast.prov_office)
    page = text(office.post("/reader/", {"report": SimpleUploadedFile("自评报告.txt", report)}))
    found = re.search(r'<a href="([^"]+)">登记为整改问题</a>', page)
    assert found, "the office is offered to record the inconsistent growth rate"
    url = found.group(1).replace("&amp;", "&")
    form = text(office.get(url))
    assert "增长率核验" in form and "自评报告.txt" in form  # description and 依据 prefilled
    soon = (timezone.localdate() + timedelta(days=30)).isoformat()
    description = "增长率核验:(100-80)/80×100 = 25,报告为 50%,不一致"
    office.post(
        "/rectification/",
        {"evaluation": cast.jia1.pk, "source": "专家评审", "description": description,
         "evidence_ref": "自评报告.txt", "required_measure": "更正报告数据", "deadline": soon},
    )  # fmt: skip
    assert Problem.objects.get().evidence_ref == "自评报告.txt"
    filler_page = text(
        client(cast.jia1_filler).post("/reader/", {"report": SimpleUploadedFile("r.txt", report)})
    )
    assert "登记为整改问题" not in filler_page  # a county does not raise problems against itself
