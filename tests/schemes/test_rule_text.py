"""Rule text: every rule kind, condition and formula reads as a plain Chinese sentence an official can use."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from lvzhi.schemes import (
    FormulaError,
    compile_formula,
    list_builtin,
    load_builtin,
    load_catalogue,
    load_scheme,
)
from lvzhi.schemes.rule_text import condition_text, formula_text, rule_text, scheme_rules_text

FIXTURES = Path(__file__).parent / "fixtures"
LATIN = re.compile(r"[A-Za-z_]")


@pytest.fixture(scope="module")
def complete():  # type: ignore[no-untyped-def]
    return load_scheme(FIXTURES / "complete.yaml", load_catalogue(FIXTURES / "catalogue.yaml"))


def sentence(scheme, code: str) -> str:  # type: ignore[no-untyped-def]
    ind = next(i for i in (*scheme.walk(), *scheme.bonus, *scheme.deductions) if i.code == code)
    return rule_text(scheme, ind)


@pytest.mark.parametrize("scheme_id", list_builtin())
def test_every_builtin_rule_and_condition_reads_without_identifiers_or_english(scheme_id: str) -> None:
    scheme = load_builtin(scheme_id)
    texts = [rule_text(scheme, i) for i in (*scheme.walk(), *scheme.bonus, *scheme.deductions) if i.rule]
    texts += [condition_text(scheme, c) for c in (*scheme.vetoes, *scheme.caps)]
    assert texts
    for text in texts:
        assert not LATIN.search(text), text
        assert text.endswith("。")


def test_a_threshold_names_the_statistic_its_unit_and_both_outcomes(complete) -> None:  # type: ignore[no-untyped-def]
    assert sentence(complete, "1.1") == "公办园在园幼儿占比不低于 50%的，得 3 分；否则不得分。"


def test_a_linear_rule_says_how_much_each_shortfall_costs(complete) -> None:  # type: ignore[no-untyped-def]
    text = sentence(complete, "1.2")
    assert text.startswith("学前三年毛入园率不低于 85%的，得")
    assert "每低 2 个百分点扣 1 分，扣完为止" in text


def test_a_computed_name_without_a_chinese_name_is_said_by_its_definition(complete) -> None:  # type: ignore[no-untyped-def]
    # pay_gap is scheme-local (teacher_pay - civil_pay): the sentence spells it out instead of the identifier.
    text = sentence(complete, "2.1")
    assert "教师平均工资收入 − 公务员平均工资收入" in text
    assert "pay_gap" not in text


def test_last_year_comparisons_and_rank_tables_read_as_in_a_document(complete) -> None:  # type: ignore[no-untyped-def]
    assert "一般公共预算教育经费不低于上年" in sentence(complete, "2.2")
    rank = sentence(complete, "2.3")
    assert "一般公共预算教育经费较上年的增长率" in rank
    assert "第 1 名得 4 分，第 2 名得 3 分，第 3 名得 2 分，其余得 1 分" in rank


def test_deduction_items_say_what_is_taken_off_and_the_most(complete) -> None:  # type: ignore[no-untyped-def]
    assert sentence(complete, "K1") == "重大安全责任事故每项扣 2 分，最多扣 5 分。"


def test_conditions_read_as_consequences(complete) -> None:  # type: ignore[no-untyped-def]
    texts = [condition_text(complete, c) for c in (*complete.vetoes, *complete.caps)]
    assert any(t.endswith("一票否决，评为最低等次。") for t in texts)
    assert all(not LATIN.search(t) for t in texts)


def test_formulas_keep_their_grouping(complete) -> None:  # type: ignore[no-untyped-def]
    f = compile_formula("(teacher_pay - civil_pay) / (civil_pay - teacher_pay + 1) * 100")
    assert formula_text(complete, f) == (
        "（教师平均工资收入 − 公务员平均工资收入） ÷ （公务员平均工资收入 − 教师平均工资收入 ＋ 1） × 100"
    )
    f = compile_formula("teacher_pay - (civil_pay - 1)")
    assert formula_text(complete, f) == "教师平均工资收入 − （公务员平均工资收入 − 1）"
    assert formula_text(complete, compile_formula("falsified == 1")) == "弄虚作假"
    assert formula_text(complete, compile_formula("round(share(kg_public_enrolment, kg_enrolment), 1)")) == (
        "公办园在园幼儿数占在园幼儿数的比例（四舍五入保留 1 位小数）"
    )


NAMES = ["kg_public_share", "teacher_pay", "civil_pay", "major_accidents", "falsified", "national_awards"]
atoms = st.one_of(
    st.sampled_from(NAMES), st.integers(0, 999).map(str), st.sampled_from(NAMES).map("prev({})".format)
)


def _grow(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(children, st.sampled_from(["+", "-", "*", "/"]), children).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"
        ),
        st.tuples(children, children).map(lambda t: f"min({t[0]}, {t[1]})"),
        st.tuples(children, children).map(lambda t: f"share({t[0]}, {t[1]})"),
        children.map("growth({})".format),
        children.map("abs({})".format),
        st.tuples(children, st.sampled_from([">=", "<", "==", "!="]), children).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"
        ),
    )


@settings(max_examples=150, deadline=None)
@given(st.recursive(atoms, _grow, max_leaves=8))
def test_any_formula_reads_without_identifiers_operators_or_english(complete, text: str) -> None:  # type: ignore[no-untyped-def]
    try:
        formula = compile_formula(text)
    except FormulaError:  # e.g. (3 / 0): refused when compiled, nothing to render
        assume(False)
        return
    words = formula_text(complete, formula)
    assert not LATIN.search(words), (text, words)
    assert not re.search(r">=|<=|==|!=|[<>*/]", words), (text, words)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("falling_years(edu_gpb_spending, 3) == 0", "并非一般公共预算教育经费连续三年下降"),
        ("mean_years(kg_gross_rate, 3) >= 85", "近三年学前三年毛入园率的平均值不低于 85%"),
        ("sum_years(major_accidents, 2) == 0", "近两年重大安全责任事故的合计为零"),
        ("count_years(major_accidents > 0, 2) >= 1", "近两年中重大安全责任事故大于零的年数不低于 1"),
        ("prev(prev(teacher_pay))", "两年前教师平均工资收入"),
        ("prev(teacher_pay, 3)", "三年前教师平均工资收入"),
    ],
)
def test_years_back_and_history_windows_read_as_in_a_document(complete, text: str, words: str) -> None:  # type: ignore[no-untyped-def]
    assert formula_text(complete, compile_formula(text)) == words


def _example(name: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    from test_format_examples import EXAMPLES

    path = tmp_path / f"{name}.yaml"
    path.write_text(EXAMPLES[name]["yaml"], encoding="utf-8")
    return load_scheme(path)


def test_scheme_wide_rules_read_as_sentences(tmp_path: Path) -> None:
    quotas = scheme_rules_text(_example("quotas", tmp_path))
    assert (
        "评价结果分为优秀（90 分及以上，不超过参评地区的 30%）、良好（75 分及以上，不超过参评地区的 40%）、合格（60 分及以上）、不合格。"
        in quotas
    )
    assert any("总分相同者同等对待" in t for t in quotas)
    deductions = _example("deductions", tmp_path)
    assert "扣分累计不超过 6 分。" in scheme_rules_text(deductions)
    assert rule_text(deductions, deductions.deductions[1]).endswith(
        "在“公办园在园幼儿占比”中扣减，扣完该项为止。"
    )
    layers = scheme_rules_text(_example("score-layers", tmp_path))
    assert "各项得分按实地核查、专家评审、自评的顺序取最先给出的得分；均未评分的，按规则计算。" in layers
    assert "各项得分保留两位小数，总分保留两位小数（四舍五入），据此评定等次。" in scheme_rules_text(
        _example("rounding-items", tmp_path)
    )
    for text in [*quotas, *layers]:
        assert not LATIN.search(text)
