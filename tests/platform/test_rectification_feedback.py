"""The adapter hands the writer the evaluation's problems and plans, read within the user's scope."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.http import Http404
from openpyxl import load_workbook

from lvzhi.rectification import actions, writer_input
from lvzhi.writer.feedback import build_feedback, problem_list_xlsx
from lvzhi.writer.model import ReportContext

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


DEADLINE = date.today() + timedelta(days=45)


def raise_two(cast):
    first = actions.do_raise_problem(
        acting_user=cast.expert,
        evaluation=cast.jia1,
        source="专家评审",
        indicator_code="2.1",
        description="公办园在园幼儿占比低于50%。",
        evidence_ref="2024年教育事业统计年报",
        required_measure="提高公办园学位供给",
        deadline=DEADLINE,
    )
    second = actions.do_raise_problem(
        acting_user=cast.prov_office,
        evaluation=cast.jia1,
        source="满意度调查",
        description="家长对课后服务满意度偏低",
        required_measure="优化课后服务内容",
        deadline=DEADLINE,
    )
    return first, second


def context(cast, items, plans=()):
    return ReportContext(
        region_code="990101",
        region_name="甲市一县",
        year=2024,
        scheme_id="test-small-county",
        scheme_title="示范省县级履行教育职责评价测试方案",
        scheme_document=None,
        issuer="示范省人民政府教育督导室",
        indicators=(),
        stats={},
        problems=tuple(items),
        plans=tuple(plans),
    )


def test_problems_become_the_writers_problem_list_with_indicator_names(cast):
    first, _second = raise_two(cast)
    items = writer_input.problem_items(cast.jia_office, cast.jia1.pk)
    assert [(i.indicator, i.text, i.evidence, i.measure, i.deadline) for i in items] == [
        (
            "2.1 公办园在园幼儿占比",
            "公办园在园幼儿占比低于50%。",
            "2024年教育事业统计年报",
            "提高公办园学位供给",
            DEADLINE,
        ),
        ("综合", "家长对课后服务满意度偏低", "", "优化课后服务内容", DEADLINE),
    ]
    sheet = load_workbook(io.BytesIO(problem_list_xlsx(context(cast, items)))).active
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=3)]
    assert [r[1] for r in rows] == [first.description, "家长对课后服务满意度偏低"]
    assert rows[0][2] == "2.1 公办园在园幼儿占比" and rows[0][5].date() == DEADLINE
    letter = build_feedback(context(cast, items))
    assert any("家长对课后服务满意度偏低" in (b.text or "") for b in letter.blocks)


def test_plans_of_open_problems_become_next_steps_and_closed_ones_drop_out(cast):
    first, second = raise_two(cast)
    for p, text in ((first, "新建公办幼儿园2所"), (second, "开设课后服务特色课程")):
        actions.do_add_measure(
            acting_user=cast.jia1_filler,
            problem=p,
            text=text,
            responsible_unit="县教育局",
            owner="王某",
            deadline=date(2025, 6, 30),
        )
    actions.do_report_progress(
        acting_user=cast.jia1_filler, problem=second, text="已开设", files=[("课程表.pdf", PDF)]
    )
    actions.do_request_closure(acting_user=cast.jia1_filler, problem=second, summary="已完成")
    actions.do_verify_closure(acting_user=cast.jia_office, problem=second)
    assert writer_input.plan_sentences(cast.jia1_filler, cast.jia1.pk) == [
        "针对“公办园在园幼儿占比低于50%”的问题，新建公办幼儿园2所（责任单位：县教育局，责任人王某，2025年6月30日前完成）。"
    ]
    assert len(writer_input.problem_items(cast.jia1_filler, cast.jia1.pk, include_closed=False)) == 1
    assert len(writer_input.problem_items(cast.jia1_filler, cast.jia1.pk)) == 2


def test_a_user_outside_the_region_gets_no_problem_list(cast):
    raise_two(cast)
    with pytest.raises(Http404):
        writer_input.problem_items(cast.jia2_filler, cast.jia1.pk)
    with pytest.raises(Http404):
        writer_input.plan_sentences(cast.jia2_filler, cast.jia1.pk)
