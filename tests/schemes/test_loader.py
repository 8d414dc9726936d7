"""The scheme loader: valid files load into the model; every kind of mistake is reported with file:line."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from lvzhi.schemes import SchemeError, load_catalogue, load_scheme, validate_scheme

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue(FIXTURES / "catalogue.yaml")


@pytest.fixture
def complete_text() -> str:
    return (FIXTURES / "complete.yaml").read_text(encoding="utf-8")


def problems_of(tmp_path: Path, text: str, catalogue) -> list:
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    return validate_scheme(path, catalogue)


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


def test_complete_fixture_loads_into_the_model(catalogue):
    s = load_scheme(FIXTURES / "complete.yaml", catalogue)
    assert (s.id, s.level, s.year, s.document, s.total, s.bonus_cap, s.report_limit) == (
        "test-complete",
        "县",
        2023,
        "测教〔2023〕1号",
        Decimal(30),
        Decimal(2),
        5000,
    )
    assert [g.code for g in s.grades] == ["A", "B", "C", "D"]
    assert s.provenance.status == "reconstructed" and s.provenance.sources[0].title == "测试用自评报告"
    assert [leaf.rule.kind for leaf in s.leaves()] == [
        "threshold",
        "linear",
        "ladder",
        "manual",
        "all",
        "any",
        "rank",
        "per_item_deduction",
        "formula",
    ]
    ladder = s.leaves()[2].rule
    assert [(b.min, b.score) for b in ladder.bands] == [(95, 3), (90, 2), (85, Decimal("1.5"))]
    assert [c.kind for c in s.caps] == ["max_grade", "demote"] and s.vetoes[0].kind == "veto"
    assert s.computed["pay_gap"].names == {"teacher_pay", "civil_pay"}


def test_children_points_must_add_up(tmp_path, catalogue, complete_text):
    text = complete_text.replace("    name: 学前教育\n    points: 12", "    name: 学前教育\n    points: 13")
    problems = problems_of(tmp_path, text, catalogue)
    assert any("与下级分值之和 12 不符" in p.zh and p.line == line_of(text, "points: 13") for p in problems)
    assert any("总分 30 与一级指标分值之和 31 不符" in p.zh for p in problems)


def test_points_note_explains_a_deliberate_difference(tmp_path, catalogue, complete_text):
    text = complete_text.replace(
        "    name: 学前教育\n    points: 12",
        "    name: 学前教育\n    points: 13\n    points_note: 含1分统筹分，由督导组酌定",
    ).replace("total: 30", "total: 31")
    assert problems_of(tmp_path, text, catalogue) == []


def test_unknown_keys_and_wrong_types_are_reported_with_lines(tmp_path, catalogue, complete_text):
    text = complete_text.replace("year: 2023", "year: twenty").replace(
        "    name: 保障\n", "    name: 保障\n    weight: 3\n"
    )
    problems = problems_of(tmp_path, text, catalogue)
    by_line = {p.line: p for p in problems}
    assert "应为数字" in by_line[line_of(text, "year: twenty")].zh
    assert "未知的键 “weight”" in by_line[line_of(text, "weight: 3")].zh
    assert str(by_line[line_of(text, "weight: 3")]).startswith(
        f"{tmp_path / 's.yaml'}:{line_of(text, 'weight: 3')}:"
    )


def test_unknown_rule_kind(tmp_path, catalogue, complete_text):
    text = complete_text.replace('{kind: formula, score: "4 - large_class_share / 2"}', "{kind: magic}")
    (p,) = problems_of(tmp_path, text, catalogue)
    assert (
        "未知的规则类型 “magic”" in p.zh
        and "unknown rule kind" in p.en
        and p.line == line_of(text, "kind: magic")
    )


def test_unknown_data_item_in_a_formula_points_at_its_column(tmp_path, catalogue, complete_text):
    text = complete_text.replace("expr: kg_public_share, op:", "expr: kg_pubic_share, op:")
    (p,) = problems_of(tmp_path, text, catalogue)
    line = text.splitlines()[p.line - 1]
    assert "未知数据项 “kg_pubic_share”" in p.zh
    assert line[p.column - 1 :].startswith("kg_pubic_share")


def test_hostile_formula_in_a_scheme_is_rejected_with_its_column(tmp_path, catalogue, complete_text):
    text = complete_text.replace('when: "falsified"', 'when: "falsified.__class__"')
    (p,) = problems_of(tmp_path, text, catalogue)
    line = text.splitlines()[p.line - 1]
    assert "属性" in p.zh and line[p.column - 1 :].startswith(".__class__")


def test_duplicate_codes(tmp_path, catalogue, complete_text):
    text = complete_text.replace('code: "2.5"', 'code: "2.4"')
    (p,) = problems_of(tmp_path, text, catalogue)
    assert "重复的指标代码 “2.4”" in p.zh and p.line == line_of(text, "name: 大班额公式") - 1


def test_grade_bands_out_of_order(tmp_path, catalogue, complete_text):
    text = complete_text.replace("{code: C, name: 合格, min: 18}", "{code: C, name: 合格, min: 25}")
    (p,) = problems_of(tmp_path, text, catalogue)
    assert "等次须从高到低排列" in p.zh and p.line == line_of(text, "min: 25")


def test_ladder_bands_out_of_order(tmp_path, catalogue, complete_text):
    text = complete_text.replace("{min: 90, score: 2}", "{min: 99, score: 2}")
    (p,) = problems_of(tmp_path, text, catalogue)
    assert "档次须按 min 从高到低排列" in p.zh


def test_cycles_among_computed_items_are_named(tmp_path, catalogue, complete_text):
    text = complete_text.replace(
        '  pay_gap: "teacher_pay - civil_pay"', '  pay_gap: "teacher_pay - gap2"\n  gap2: "pay_gap + 1"'
    )
    (p,) = problems_of(tmp_path, text, catalogue)
    assert "循环依赖" in p.zh and "pay_gap" in p.zh and "gap2" in p.zh


def test_every_problem_is_collected_not_just_the_first(tmp_path, catalogue, complete_text):
    text = (
        complete_text.replace("level: 县", "level: 乡")
        .replace("{kind: magic}", "")
        .replace("expr: kg_gross_rate, target: 85", "expr: nowhere, target: 85")
        .replace("max_grade: B", "max_grade: S")
    )
    problems = problems_of(tmp_path, text, catalogue)
    assert len(problems) == 3
    assert sorted(p.line for p in problems) == sorted(
        [line_of(text, "level: 乡"), line_of(text, "expr: nowhere"), line_of(text, "max_grade: S")]
    )


def test_missing_required_fields_and_rule_fields(tmp_path, catalogue, complete_text):
    text = complete_text.replace("issuer: 测试督导室\n", "").replace(', op: ">=", target: 50}', "}")
    problems = problems_of(tmp_path, text, catalogue)
    assert {("issuer" in p.zh) or ("target" in p.zh) for p in problems} == {True} and len(problems) == 2


def test_a_leaf_needs_a_rule_and_a_group_cannot_have_one(tmp_path, catalogue, complete_text):
    text = complete_text.replace(
        "        rule: {kind: manual, levels: {优: 1, 良: 0.8, 中: 0.6, 差: 0}, evidence: required}\n", ""
    )
    (p,) = problems_of(tmp_path, text, catalogue)
    assert "既无下级指标也无 rule" in p.zh


def test_reconstructed_schemes_must_say_what_was_inferred(tmp_path, catalogue, complete_text):
    text = complete_text.replace("  notes: points are invented for tests\n", "")
    (p,) = problems_of(tmp_path, text, catalogue)
    assert "推断" in p.zh


def test_yaml_syntax_error_has_a_line(tmp_path, catalogue, complete_text):
    text = complete_text.replace("title: 测试方案", "title: [测试方案")
    (p,) = problems_of(tmp_path, text, catalogue)
    assert "YAML" in p.zh and p.line > 0


def test_load_scheme_raises_with_all_problems(tmp_path, catalogue, complete_text):
    path = tmp_path / "bad.yaml"
    path.write_text(
        complete_text.replace("level: 县", "level: 乡").replace("year: 2023", "year: 1800"), "utf-8"
    )
    with pytest.raises(SchemeError) as exc:
        load_scheme(path, catalogue)
    assert len(exc.value.problems) == 2


def test_catalogue_problems_are_located(tmp_path):
    path = tmp_path / "catalogue.yaml"
    path.write_text(
        "items:\n"
        "  - {code: a, name: 甲, unit: 人}\n"
        "  - {code: a, name: 乙, unit: 人}\n"
        "  - {code: b, name: 丙, unit: 人, formula: 'c + 1', colour: red}\n"
        "  - {code: c, name: 丁, unit: 人, formula: 'b * 2'}\n",
        encoding="utf-8",
    )
    with pytest.raises(SchemeError) as exc:
        load_catalogue(path)
    got = {(p.line, p.zh) for p in exc.value.problems}
    assert any(line == 3 and "重复的数据项代码" in zh for line, zh in got)
    assert any(line == 4 and "未知的键" in zh for line, zh in got)
    assert any("循环依赖" in p.zh for p in exc.value.problems)


def test_yaml_aliases_are_refused_before_they_can_expand(tmp_path, catalogue):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b]\n"
    (p,) = problems_of(tmp_path, bomb, catalogue)
    assert "别名" in p.zh and p.line == 2


def test_deeply_nested_yaml_is_refused_without_recursion_error(tmp_path, catalogue):
    (p,) = problems_of(tmp_path, "[" * 5000 + "]" * 5000, catalogue)
    assert "嵌套过深" in p.zh


def test_rank_rules_are_refused_in_bonus_items(tmp_path, catalogue, complete_text):
    text = complete_text.replace(
        '{code: J1, name: 国家级表彰, points: 2, rule: {kind: formula, score: "national_awards"}}',
        "{code: J1, name: 国家级表彰, points: 2, rule: {kind: rank, expr: national_awards, points_by_rank: [2, 1]}}",
    )
    (p,) = problems_of(tmp_path, text, catalogue)
    assert "rank 规则只能用于指标树" in p.zh and p.line == line_of(text, "code: J1")
