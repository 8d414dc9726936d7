"""A questionnaire file is read like a scheme: every problem at its file:line:column, in Chinese."""

from __future__ import annotations

from pathlib import Path

import pytest

from lvzhi.schemes.errors import SchemeError
from lvzhi.surveys.questionnaire import LIKERT_SATISFIED, check_answers, load_questionnaire, satisfied_share

QUESTIONNAIRE = (
    Path(__file__).resolve().parents[2] / "src/lvzhi/surveys/questionnaires/education-satisfaction.yaml"
)

GOOD = """\
code: t
name: 测试问卷
groups:
  - {code: parent, name: 家长}
  - {code: teacher, name: 教师}
questions:
  - code: overall
    text: 总体满意吗？
    kind: likert
    counts: true
  - code: pick
    text: 选一个
    kind: choice
    options: [好, 坏]
    counts: true
    satisfied: [好]
    groups: [teacher]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "问卷.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(SchemeError) as caught:
        load_questionnaire(write(tmp_path, text))
    return [str(p) for p in caught.value.problems]


def test_the_builtin_questionnaire_is_valid_and_asks_every_group_a_counted_question():
    q = load_questionnaire(QUESTIONNAIRE)
    assert [g.name for g in q.groups] == ["家长", "学生", "教师", "社会公众"]
    assert all(any(x.counts for x in q.questions_for(g.code)) for g in q.groups)


def test_a_likert_question_counts_very_and_rather_satisfied_unless_it_says_otherwise(tmp_path):
    q = load_questionnaire(write(tmp_path, GOOD))
    assert q.questions[0].satisfied == LIKERT_SATISFIED
    assert q.questions_for("parent") == (q.questions[0],)
    assert satisfied_share(q, "teacher", {"overall": "一般", "pick": "好"}) == (1, 2)


def test_an_unknown_group_in_a_question_is_reported_at_its_line(tmp_path):
    bad = GOOD.replace("groups: [teacher]", "groups: [teachers]")
    found = problems(tmp_path, bad)
    assert len(found) == 1
    assert found[0].startswith("问卷.yaml:17:")
    assert "未定义的调查对象 “teachers”" in found[0]


def test_a_satisfied_answer_that_is_not_an_option_is_reported_at_its_line(tmp_path):
    found = problems(tmp_path, GOOD.replace("satisfied: [好]", "satisfied: [很好]"))
    assert found[0].startswith("问卷.yaml:16:") and "满意选项 “很好” 不在选项中" in found[0]


def test_every_problem_of_a_file_is_reported_at_once(tmp_path):
    bad = GOOD.replace("kind: likert", "kind: slider").replace("options: [好, 坏]", "options: [好]")
    found = problems(tmp_path, bad)
    assert any(p.startswith("问卷.yaml:9:") and "未知题型 “slider”" in p for p in found)
    assert any(p.startswith("问卷.yaml:14:") and "至少需要两个选项" in p for p in found)


def test_a_yaml_syntax_error_has_its_line(tmp_path):
    found = problems(tmp_path, GOOD.replace("  - code: pick", "  - code: [pick"))
    assert found[0].startswith("问卷.yaml:") and "YAML 语法错误" in found[0]


def test_a_group_without_a_counted_question_is_refused(tmp_path):
    found = problems(tmp_path, GOOD.replace("    counts: true\n  - code: pick", "  - code: pick"))
    assert any(p.startswith("问卷.yaml:4:") and "“parent” 没有计入满意度的题目" in p for p in found)


def test_answers_are_checked_against_the_questions_the_group_is_asked(tmp_path):
    q = load_questionnaire(write(tmp_path, GOOD))
    assert check_answers(q, "parent", {"overall": "比较满意"}) == {}
    assert check_answers(q, "parent", {"overall": "比较满意", "pick": "好"}) == {
        "pick": "问卷没有向该调查对象提出题目 “pick”"
    }
    assert check_answers(q, "teacher", {"overall": "满意"}) == {
        "overall": "“满意”不是“总体满意吗？”的选项",
        "pick": "请回答“选一个”",
    }
    assert check_answers(q, "alien", {}) == {"": "问卷中没有调查对象 “alien”"}
