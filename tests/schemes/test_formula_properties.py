"""Property tests (hypothesis): the formula language fails only with its own errors, and computes as Decimal does."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lvzhi.schemes.errors import FormulaError
from lvzhi.schemes.formula import Unavailable, compile_formula

NAMES = ["a", "b", "c"]
TOKENS = [
    "a",
    "b",
    "c",
    "1",
    "0",
    "2.5",
    "+",
    "-",
    "*",
    "/",
    "×",
    "÷",
    "(",
    ")",
    ",",
    "<",
    "<=",
    ">",
    ">=",
    "==",
    "!=",
    " and ",
    " or ",
    " not ",
    " if ",
    " else ",
    "min",
    "max",
    "abs",
    "round",
    "prev",
    "growth",
    "share",
    ".",
    "__",
    "**",
    "[",
    "]",
    "'",
    '"',
    "lambda",
    "x",
    "_",
    "{",
    "}",
    ":",
    "=",
    "%",
    "@",
    " ",
    "9" * 40,
]

values = st.decimals(min_value=-(10**6), max_value=10**6, allow_nan=False, allow_infinity=False, places=3)
envs = st.fixed_dictionaries({n: values for n in NAMES})


def check_only_own_errors(text: str, cur: dict[str, Decimal], prv: dict[str, Decimal]) -> None:
    try:
        formula = compile_formula(text, known=set(NAMES))
    except FormulaError as exc:
        assert 0 <= exc.position <= max(len(text), 4096)
        return
    try:
        result = formula.evaluate(cur, prv)
    except Unavailable:
        return
    assert isinstance(result, Decimal | bool | int)


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=200), envs, envs)
def test_any_text_fails_only_with_formula_error_or_unavailable(text, cur, prv):
    check_only_own_errors(text, cur, prv)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=60).map("".join), envs, envs)
def test_token_soup_fails_only_with_formula_error_or_unavailable(text, cur, prv):
    check_only_own_errors(text, cur, prv)


# Arithmetic trees rendered to text alongside the Decimal value Python computes for them.
def leaf() -> st.SearchStrategy[tuple[str, Decimal | None]]:
    number = st.decimals(min_value=0, max_value=10**5, allow_nan=False, allow_infinity=False, places=2)
    return number.map(lambda d: (format(d, "f"), d))


def combine(
    children: st.SearchStrategy[tuple[str, Decimal | None]],
) -> st.SearchStrategy[tuple[str, Decimal | None]]:
    def binary(
        op: str, x: tuple[str, Decimal | None], y: tuple[str, Decimal | None]
    ) -> tuple[str, Decimal | None]:
        text = f"({x[0]} {op} {y[0]})"
        a, b = x[1], y[1]
        if a is None or b is None:
            return text, None
        if op == "+":
            return text, a + b
        if op == "-":
            return text, a - b
        if op == "*":
            return text, a * b
        return text, (None if b == 0 else a / b)

    def unary(fn: str, x: tuple[str, Decimal | None]) -> tuple[str, Decimal | None]:
        if x[1] is None:
            return f"{fn}({x[0]})", None
        if fn == "-":
            return f"-({x[0]})", -x[1]
        return f"abs({x[0]})", abs(x[1])

    def pair(
        fn: str, x: tuple[str, Decimal | None], y: tuple[str, Decimal | None]
    ) -> tuple[str, Decimal | None]:
        text = f"{fn}({x[0]}, {y[0]})"
        if x[1] is None or y[1] is None:
            return text, None
        return text, (min if fn == "min" else max)(x[1], y[1])

    return st.one_of(
        st.builds(binary, st.sampled_from(["+", "-", "*", "/"]), children, children),
        st.builds(unary, st.sampled_from(["-", "abs"]), children),
        st.builds(pair, st.sampled_from(["min", "max"]), children, children),
    )


expressions = st.recursive(leaf(), combine, max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(expressions)
def test_evaluation_equals_decimal_arithmetic(expr):
    text, expected = expr
    if expected is None:  # a division by zero somewhere: the formula reads no data, so it is refused now
        with pytest.raises(FormulaError, match="除数为零"):
            compile_formula(text)
        return
    assert compile_formula(text).evaluate({}, {}) == expected


@settings(max_examples=200, deadline=None)
@given(expressions)
def test_the_same_arithmetic_over_data_fails_at_evaluation_not_before(expr):
    # Each number read from data instead of written out: a division by zero can only be found per region.
    text, expected = expr
    numbers: dict[str, Decimal] = {}

    def name_of(match: re.Match[str]) -> str:
        name = f"v{len(numbers)}"
        numbers[name] = Decimal(match.group(0))
        return name

    formula = compile_formula(re.sub(r"\d+(?:\.\d+)?", name_of, text))
    if expected is None:
        with pytest.raises(Unavailable, match="除数为零"):
            formula.evaluate(numbers, {})
        return
    assert formula.evaluate(numbers, {}) == expected


@settings(max_examples=300, deadline=None)
@given(values, values)
def test_share_and_growth_are_the_documented_arithmetic(x, y):
    cur, prv = {"a": x, "b": y}, {"a": y}
    if y == 0:
        return
    assert compile_formula("share(a, b)").evaluate(cur, prv) == x / y * 100
    assert compile_formula("growth(a)").evaluate(cur, prv) == (x - y) / y * 100
