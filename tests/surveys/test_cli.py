"""The survey commands act as the named user through the same actions: open, import, results, feed;
a workbook with a wrong column is refused with its cell and exit code 1."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from lvzhi.cli.main import app
from lvzhi.evaluations.models import DataValue
from lvzhi.surveys.models import Survey, SurveyResponse

HEADERS = [
    "区划代码",
    "调查对象",
    "1、总体而言，您对本地教育是否满意？",
    "2、您对学校办学条件（校舍、设备、图书）是否满意？",
]
HEADERS += [
    "3、您对本地入学机会公平（就近入学、随迁子女入学）是否满意？",
    "4、您觉得孩子（您）的课业负担如何？",
]
HEADERS += ["5、您对教师待遇与专业发展支持是否满意？"]


def export(headers: list[str]) -> bytes:
    """20 parents' answers, 10 per county, as a platform exports them."""
    wb = Workbook()
    ws = wb.active
    ws.title = "问卷数据"
    ws.append(headers)
    for i in range(20):
        ws.append([("990101", "990102")[i % 2], "家长", "比较满意", "一般", "非常满意", "适中", None])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


pytestmark = pytest.mark.django_db
QUESTIONNAIRE = str(
    Path(__file__).resolve().parents[2] / "src/lvzhi/surveys/questionnaires/education-satisfaction.yaml"
)


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_an_office_runs_a_survey_from_the_command_line(cast, survey_round, tmp_path):
    code, out = cli(
        "survey",
        "open",
        "--as",
        "jia_office",
        "--round",
        str(survey_round.pk),
        "--questionnaire",
        QUESTIONNAIRE,
        "--name",
        "命令行满意度调查",
        "--opens",
        "2020-01-01T00:00",
        "--closes",
        "2099-12-31",
        "--links",
        "2",
    )
    assert code == 0, out
    survey = Survey.objects.get()
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(export([h.replace("调查对象", "身份类别") for h in HEADERS]))
    code, out = cli("survey", "import", str(bad), "--survey", str(survey.pk), "--as", "jia_office")
    assert code == 1 and "问卷数据!H1: 表头中没有“调查对象”列" in out and SurveyResponse.objects.count() == 0
    code, out = cli(
        "survey",
        "import",
        str(bad),
        "--survey",
        str(survey.pk),
        "--as",
        "jia_office",
        "--column",
        "group=身份类别",
    )
    assert code == 0 and "已导入 20 份答卷" in out
    code, out = cli("survey", "results", "--survey", str(survey.pk), "--as", "jia_office")
    assert code == 0 and "990101\t甲市一县\t合计\t10\t" in out
    code, out = cli("survey", "feed", "--survey", str(survey.pk), "--region", "990101", "--as", "jia_office")
    assert code == 0 and "n=10" in out
    assert DataValue.objects.get(item_code="satisfaction_rate").source == "survey"


def test_a_countys_filler_reads_only_its_own_countys_results(cast, open_survey):
    code, out = cli("survey", "results", "--survey", str(open_survey.pk), "--as", "jia1_filler")
    assert code == 0 and "甲市一县" in out and "甲市二县" not in out
    code, out = cli(
        "survey", "feed", "--survey", str(open_survey.pk), "--region", "990101", "--as", "jia1_filler"
    )
    assert code == 1 and "权限" in out


def test_a_questionnaire_with_an_error_is_refused_at_its_line_and_nothing_is_opened(
    cast, survey_round, tmp_path
):
    from pathlib import Path

    text = Path(QUESTIONNAIRE).read_text(encoding="utf-8").replace("kind: choice", "kind: slider")
    bad = tmp_path / "问卷-有误.yaml"
    bad.write_text(text, encoding="utf-8")
    line = text.splitlines().index("    kind: slider") + 1
    code, out = cli(
        "survey",
        "open",
        "--as",
        "jia_office",
        "--round",
        str(survey_round.pk),
        "--questionnaire",
        str(bad),
        "--name",
        "有误的调查",
        "--opens",
        "2020-01-01T00:00",
        "--closes",
        "2099-12-31",
    )
    assert code == 1 and f"问卷-有误.yaml:{line}:11: 题目 burden: 未知题型 “slider”" in out
    assert Survey.objects.count() == 0


def test_an_office_opens_a_survey_with_an_uploaded_questionnaire_version(cast, survey_round):
    from lvzhi.surveys.actions import do_upload_questionnaire

    text = (
        Path(QUESTIONNAIRE)
        .read_text(encoding="utf-8")
        .replace("code: education-satisfaction", "code: jia-satisfaction")
    )
    for name in ("甲市家长满意度调查", "甲市家长满意度调查（修订）"):
        do_upload_questionnaire(
            acting_user=cast.jia_office,
            file_name="甲市问卷.yaml",
            data=text.replace("name: 县域教育满意度调查", f"name: {name}").encode("utf-8"),
        )
    args = ["survey", "open", "--as", "jia_office", "--round", str(survey_round.pk), "--name", "第一版调查"]
    args += ["--opens", "2020-01-01T00:00", "--closes", "2099-12-31", "--links", "2"]
    code, out = cli(*args, "--questionnaire", "jia-satisfaction@9")
    assert code == 1 and "没有问卷“jia-satisfaction@9”" in out and not Survey.objects.exists()
    code, out = cli(*args, "--questionnaire", "jia-satisfaction@1")
    assert code == 0, out
    survey = Survey.objects.get()
    assert "name: 甲市家长满意度调查\n" in survey.questionnaire_text
    assert survey.questionnaire_file == "甲市问卷.yaml"
