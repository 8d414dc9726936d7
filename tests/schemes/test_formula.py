"""The formula language: what it computes, what it rejects (with positions), and how fast it rejects it."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from lvzhi.schemes.errors import FormulaError
from lvzhi.schemes.formula import (
    MAX_DEPTH,
    FormulaCycle,
    Unavailable,
    compile_formula,
    dependency_order,
)

CUR = {"a": Decimal(6), "b": Decimal(3), "z": Decimal(0), "kg": Decimal("3966"), "all_kg": Decimal(10000)}
PRV = {"a": Decimal(4), "b": Decimal(3)}


def ev(text: str, cur=CUR, prv=PRV):
    return compile_formula(text).evaluate(cur, prv)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 + 2 * 3", Decimal(7)),
        ("(1 + 2) * 3", Decimal(9)),
        ("a × b ÷ 2", Decimal(9)),
        ("a − b", Decimal(3)),
        ("-a + +b", Decimal(-3)),
        ("10 / 4", Decimal("2.5")),
        ("0.1 + 0.2", Decimal("0.3")),  # Decimal, not float
        ("min(a, b, 1)", Decimal(1)),
        ("max(a, b)", Decimal(6)),
        ("abs(b - a)", Decimal(3)),
        ("round(2.5)", Decimal(3)),  # half up, as Chinese statistics round
        ("round(3.14159, 2)", Decimal("3.14")),
        ("prev(a)", Decimal(4)),
        ("growth(a)", Decimal(50)),
        ("share(kg, all_kg)", Decimal("39.66")),
        ("a if a > b else b", Decimal(6)),
        ("1 if a < b else 2 if a == 6 else 3", Decimal(2)),
    ],
)
def test_arithmetic_and_functions_compute_over_decimal(text, expected):
    assert ev(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a >= b and b > 0", True),
        ("a < b or not z", True),
        ("not (a > b)", False),
        ("a ≥ 6 and b ≤ 3 and a ≠ b", True),
        ("a == 6", True),
        ("a != 6", False),
    ],
)
def test_comparisons_and_logic(text, expected):
    assert ev(text) is expected


def test_names_are_reported_and_prev_use_is_known():
    f = compile_formula("growth(a) + share(b, kg)")
    assert f.names == {"a", "b", "kg"} and f.uses_prev
    assert compile_formula("a").single_name == "a"
    assert compile_formula("2 + 3").is_constant


def test_missing_value_is_unavailable_naming_it():
    with pytest.raises(Unavailable) as exc:
        ev("a + missing")
    assert exc.value.name == "missing" and not exc.value.previous


def test_missing_last_year_value_says_last_year():
    with pytest.raises(Unavailable) as exc:
        ev("prev(kg)")
    assert exc.value.name == "kg" and exc.value.previous
    assert "上年" in exc.value.reason_zh


@pytest.mark.parametrize("text", ["a / z", "share(a, z)", "growth(z) + 0"])
def test_division_by_zero_is_unavailable_not_a_crash(text):
    prv = {"z": Decimal(0), **PRV}
    with pytest.raises(Unavailable) as exc:
        compile_formula(text).evaluate(CUR, prv)
    assert "零" in exc.value.reason_zh


def test_overflow_is_unavailable_not_a_crash():
    with pytest.raises(Unavailable) as exc:
        ev("a * a", {"a": Decimal("1E+600000")})
    assert "范围" in exc.value.reason_zh


@pytest.mark.parametrize(
    "text", ["round(a, 13)", "round(a, 1000)", "round(a, -1)", "round(a, 1.5)", "round(a, a)"]
)
def test_round_digits_outside_0_to_12_or_not_written_out_are_refused_when_compiled(text):
    with pytest.raises(FormulaError) as exc:
        compile_formula(text)
    assert "0–12" in exc.value.zh and exc.value.position == text.index(",") + 2


def test_round_to_12_digits_is_allowed():
    assert ev("round(a, 12)", cur={"a": Decimal("1.0000000000004")}) == Decimal("1.000000000000")


@pytest.mark.parametrize(
    "text", ["3 / (10 - 10)", "a + 3 / (10 - 10)", "share(1, 0)", "round(1 / 0) + a", "a if a > 1 else 1 / 0"]
)
def test_a_part_that_reads_no_data_and_cannot_be_computed_is_refused_when_compiled(text):
    with pytest.raises(FormulaError) as exc:
        compile_formula(text)
    assert text in exc.value.zh


def test_prev_of_prev_is_the_value_two_years_before_like_prev_n():
    from lvzhi.schemes.formula import year_chain

    chain = year_chain({"a": Decimal(5)}, [{"a": Decimal(3)}, {"a": Decimal(2)}])
    cur = {"a": Decimal(8)}
    assert compile_formula("prev(prev(a))").evaluate(cur, chain) == Decimal(3)
    assert compile_formula("prev(a, 2)").evaluate(cur, chain) == Decimal(3)
    assert compile_formula("prev(a, 3)").evaluate(cur, chain) == Decimal(2)
    assert compile_formula("prev(growth(a))").evaluate(cur, chain) == Decimal(5 - 3) / 3 * 100


def test_a_value_missing_years_back_says_which_year():
    from lvzhi.schemes.formula import year_chain

    chain = year_chain({"a": Decimal(5)})
    with pytest.raises(Unavailable) as exc:
        compile_formula("prev(prev(a))").evaluate({"a": Decimal(1)}, chain)
    assert exc.value.years == 2 and "2 年前" in exc.value.reason_zh
    with pytest.raises(Unavailable) as exc:
        compile_formula("mean_years(a, 3)").evaluate({"a": Decimal(1)}, chain)
    assert exc.value.years == 2


def test_history_windows_over_this_year_and_the_years_before():
    from lvzhi.schemes.formula import year_chain

    chain = year_chain({"a": Decimal(5)}, [{"a": Decimal(6)}, {"a": Decimal(9)}])
    cur = {"a": Decimal(4)}

    def at(text):
        return compile_formula(text).evaluate(cur, chain)

    assert at("mean_years(a, 3)") == Decimal(5)  # (4 + 5 + 6) / 3
    assert at("sum_years(a, 2)") == Decimal(9)
    assert at("min_years(a, 4)") == Decimal(4) and at("max_years(a, 4)") == Decimal(9)
    assert at("count_years(a >= 5, 3)") == Decimal(2)
    assert at("falling_years(a, 3)") is True  # 9 > 6 > 5 > 4: three falls in a row
    assert at("rising_years(a, 1)") is False
    assert compile_formula("falling_years(a, 3)").years_back == 3
    assert compile_formula("mean_years(prev(a), 3)").years_back == 3


def test_reading_more_than_ten_years_back_is_refused():
    with pytest.raises(FormulaError):
        compile_formula("prev(prev(a, 6), 5)")


def test_unknown_names_are_rejected_at_compile_time_with_position():
    with pytest.raises(FormulaError) as exc:
        compile_formula("a + kg_pubic_share", known={"a", "kg_public_share"})
    assert exc.value.position == 4 and "kg_pubic_share" in exc.value.zh


HOSTILE = [
    ("a.__class__", 1, "属性"),
    ("().__class__.__bases__[0].__subclasses__()", 2, "属性"),
    ("__import__('os').system('ls')", 0, "下划线"),
    ("a.b", 1, "属性"),
    ("open('/etc/passwd')", 0, "open"),
    ("eval('1')", 0, "eval"),
    ("exec('1')", 0, "exec"),
    ("foo(1)", 0, "foo"),
    ("a(1)", 0, "调用"),
    ("'text'", 0, "字符串"),
    ('"text"', 0, "字符串"),
    ("10**10**10", 2, "乘方"),
    ("a ^ b", 2, ""),
    ("a[0]", 1, "下标"),
    ("lambda: 1", 0, "lambda"),
    ("[x for x in a]", 0, "下标"),
    ("{1: 2}", 0, "字典"),
    ("a = 1", 2, "赋值"),
    ("a; b", 1, "语句"),
    ("1e308", 1, "数字"),
    ("1" * 40, 0, "位数"),
    ("a % b", 2, "%"),
    ("a // b", 2, "整除"),
    ("(1 + 2", 6, "“)”"),
    ("1 +", 3, "不完整"),
    ("min(1)", 0, "参数"),
    ("a < b < 3", 6, "连续比较"),
    ("公办园占比 > 50", 0, "字符"),
    ("a @ b", 2, "@"),
    ("x if y", 6, "else"),
    ("min", 0, "括号"),
]


@pytest.mark.parametrize(("text", "position", "words"), HOSTILE)
def test_hostile_formulas_are_rejected_with_position(text, position, words):
    with pytest.raises(FormulaError) as exc:
        compile_formula(text, known={"a", "b", "x", "y"})
    assert exc.value.position == position
    assert words in exc.value.zh


def test_deep_nesting_is_rejected_fast_without_recursion_error():
    for text in (
        "(" * 10_000 + "1" + ")" * 10_000,
        "-" * 3000 + "1",
        "not " * 1000 + "1",
        "min(" * 2000 + "1" + ")" * 2000,
    ):
        start = time.perf_counter()
        with pytest.raises(FormulaError) as exc:
            compile_formula(text[:4096])
        assert time.perf_counter() - start < 1  # generous: catches blow-ups, not a benchmark
        assert "嵌套过深" in exc.value.zh or "过长" in exc.value.zh


def test_nesting_just_under_the_limit_is_accepted_and_one_more_is_not():
    ok = "(" * (MAX_DEPTH - 1) + "1" + ")" * (MAX_DEPTH - 1)
    assert compile_formula(ok).evaluate({}, {}) == 1
    too_deep = "(" * (MAX_DEPTH + 1) + "1" + ")" * (MAX_DEPTH + 1)
    with pytest.raises(FormulaError):
        compile_formula(too_deep)


def test_long_flat_chains_are_rejected_by_depth_not_by_a_crash():
    with pytest.raises(FormulaError) as exc:
        compile_formula("+".join(["1"] * 1000))
    assert "嵌套过深" in exc.value.zh


def test_100_kb_expression_is_rejected_at_once():
    start = time.perf_counter()
    with pytest.raises(FormulaError) as exc:
        compile_formula("1 + " * 25_000 + "1")
    assert time.perf_counter() - start < 1
    assert "过长" in exc.value.zh and exc.value.position == 4096


def test_dependency_order_puts_inputs_first():
    order = dependency_order({"c": frozenset({"b"}), "b": frozenset({"a"}), "d": frozenset({"x"})})
    assert order.index("b") < order.index("c")


def test_cycles_are_reported_with_their_names():
    with pytest.raises(FormulaCycle) as exc:
        dependency_order({"a": frozenset({"b"}), "b": frozenset({"c"}), "c": frozenset({"a"})})
    assert set(exc.value.names) == {"a", "b", "c"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a + 1", Decimal(7)),
        ("a - 1", Decimal(5)),
        ("a * 2", Decimal(12)),
        ("a / 4", Decimal("1.5")),
        ("a < 6", False),
        ("a <= 6", True),
        ("a > 5", True),
        ("a >= 7", False),
        ("a == 6", True),
        ("a != 6", False),
        ("10 - a", Decimal(4)),
        ("2 * a", Decimal(12)),
    ],
)
def test_a_name_next_to_a_constant_computes_like_any_other_operand(text, expected):
    assert ev(text) == expected
    with pytest.raises(Unavailable) as exc:
        ev(text, cur={})
    assert exc.value.name == "a"
