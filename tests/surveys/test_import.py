"""Responses exported from a survey platform: every row checked first, errors as sheet!cell, all or nothing."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from lvzhi.audit.models import AuditRecord
from lvzhi.entry.workbook import WorkbookInvalid
from lvzhi.surveys import actions, tally
from lvzhi.surveys.models import SurveyResponse

pytestmark = pytest.mark.django_db

HEADERS = [
    "序号",
    "提交时间",
    "来源IP",  # the platform's own columns: ignored, never stored
    "区划代码",
    "调查对象",
    "1、总体而言，您对本地教育是否满意？",
    "2、您对学校办学条件（校舍、设备、图书）是否满意？",
    "3、您对本地入学机会公平（就近入学、随迁子女入学）是否满意？",
    "4、您觉得孩子（您）的课业负担如何？",
    "5、您对教师待遇与专业发展支持是否满意？",
]


def workbook(rows: list[list[object]], headers: list[str] = HEADERS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "问卷数据"
    ws.append(headers)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def twenty_rows() -> list[list[object]]:
    rows: list[list[object]] = []
    for i in range(20):
        code = "990101" if i % 2 else "990102"
        if i % 4 < 2:
            rows.append(
                [i + 1, "2024-05-01", "10.0.0.1", code, "家长", "非常满意", "比较满意", "一般", "适中", None]
            )
        else:
            rows.append(
                [i + 1, "2024-05-01", "10.0.0.2", code, "教师", "一般", "比较满意", None, None, "很不满意"]
            )
    return rows


def test_twenty_exported_rows_are_imported_with_only_the_questionnaires_answers(cast, open_survey):
    n = actions.do_import_responses(
        acting_user=cast.jia_office,
        survey=open_survey,
        data=workbook(twenty_rows()),
        file_name="wjx.xlsx",
        columns={},
    )
    assert n == 20 and SurveyResponse.objects.filter(source="import").count() == 20
    first = SurveyResponse.objects.filter(group="parent").first()
    assert first is not None
    assert first.answers == {
        "overall": "非常满意",
        "conditions": "比较满意",
        "fairness": "一般",
        "burden": "适中",
    }
    assert AuditRecord.objects.filter(action="survey.import").count() == 1
    by_region = {r.region.code: r for r in tally.survey_results(open_survey)}
    assert by_region["990101"].total is not None and by_region["990101"].total.n == 10


def test_a_column_mapped_by_the_office_is_read_under_its_own_header(cast, open_survey):
    headers = [h if h != "调查对象" else "您的身份是" for h in HEADERS]
    n = actions.do_import_responses(
        acting_user=cast.jia_office,
        survey=open_survey,
        data=workbook(twenty_rows(), headers),
        file_name="wjx.xlsx",
        columns={"group": "您的身份是"},
    )
    assert n == 20


def test_a_wrong_column_is_refused_at_its_cell_and_nothing_is_written(cast, open_survey):
    headers = [h.replace("办学条件", "办学条件和环境") for h in HEADERS]
    before = AuditRecord.objects.count()
    with pytest.raises(WorkbookInvalid) as caught:
        actions.do_import_responses(
            acting_user=cast.jia_office,
            survey=open_survey,
            data=workbook(twenty_rows(), headers),
            file_name="wjx.xlsx",
            columns={},
        )
    assert caught.value.errors == [
        "问卷数据!K1: 表头中没有“您对学校办学条件（校舍、设备、图书）是否满意？”列（题目 conditions），请检查列名或列对应关系"
    ]
    assert SurveyResponse.objects.count() == 0 and AuditRecord.objects.count() == before


def test_every_bad_cell_is_reported_before_anything_is_written(cast, open_survey):
    rows = twenty_rows()
    rows[3][5] = "满意"  # not a Likert option
    rows[7][3] = "990201"  # a county outside the survey
    rows[11][4] = "校长"  # not a group of the questionnaire
    with pytest.raises(WorkbookInvalid) as caught:
        actions.do_import_responses(
            acting_user=cast.jia_office,
            survey=open_survey,
            data=workbook(rows),
            file_name="w.xlsx",
            columns={},
        )
    errors = caught.value.errors
    assert errors[0] == "问卷数据!F5: “满意”不是“总体而言，您对本地教育是否满意？”的选项"
    assert errors[1].startswith("问卷数据!D9: “990201”不是本次调查的区划")
    assert errors[2].startswith("问卷数据!E13: “校长”不是问卷的调查对象")
    assert SurveyResponse.objects.count() == 0


def test_a_filler_cannot_import_responses(cast, open_survey):
    from lvzhi.accounts.scoping import Forbidden

    with pytest.raises(Forbidden):
        actions.do_import_responses(
            acting_user=cast.jia1_filler,
            survey=open_survey,
            data=workbook(twenty_rows()),
            file_name="w.xlsx",
            columns={},
        )
