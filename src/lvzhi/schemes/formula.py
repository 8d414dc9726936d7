"""The formula language of schemes: a small, safe expression language evaluated over Decimal.

Grammar (lowest precedence first)::

    expr    := or_ ["if" or_ "else" expr]
    or_     := and_ ("or" and_)*
    and_    := not_ ("and" not_)*
    not_    := "not" not_ | cmp
    cmp     := sum [("<"|"<="|">"|">="|"=="|"!="|"≤"|"≥"|"≠") sum]
    sum     := term (("+"|"-"|"−") term)*
    term    := unary (("*"|"/"|"×"|"÷") unary)*
    unary   := ("-"|"+"|"−") unary | atom
    atom    := NUMBER | NAME | FUNC "(" expr ("," expr)* ")" | "(" expr ")"

FUNC is one of min max abs round prev growth share. `prev(e)` evaluates `e` over last year's values,
`growth(e)` = (e − prev(e)) / prev(e) × 100, `share(a, b)` = a / b × 100, `round(x[, n])` rounds half up.

The text is tokenized and parsed by hand (never Python's eval/ast), the tree compiled once into closures.
Limits are checked before any work that could blow up: text length, number of digits, and nesting depth
(checked before each recursive step, so hostile input cannot raise RecursionError). Missing values and
division by zero raise `Unavailable` at evaluation time, which the scoring engine turns into `unscored`.
"""

from __future__ import annotations

import graphlib
import itertools
import operator
from collections.abc import Callable, Container, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, DecimalException
from typing import Any

from lvzhi.schemes.errors import FormulaError

MAX_LENGTH = 4096
MAX_DEPTH = 64
MAX_DIGITS = 30
MAX_ROUND_DIGITS = 12

MAX_YEARS = 10  # how many years before this one a formula may read

FUNCTIONS: dict[str, tuple[int, int]] = {  # name -> (min args, max args)
    "min": (2, 16),
    "max": (2, 16),
    "abs": (1, 1),
    "round": (1, 2),
    "prev": (1, 2),
    "growth": (1, 1),
    "share": (2, 2),
    # History windows over this year and the years before it (n years in all, n a whole number).
    "mean_years": (2, 2),
    "sum_years": (2, 2),
    "min_years": (2, 2),
    "max_years": (2, 2),
    "count_years": (2, 2),
    "falling_years": (2, 2),
    "rising_years": (2, 2),
}
# Functions whose second argument is a whole number written in the formula: (smallest, largest allowed).
_CONSTANT_ARG: dict[str, tuple[int, int, str]] = {
    "round": (0, 12, "小数位数"),
    "prev": (1, MAX_YEARS, "年数"),
    **{
        f: (1, MAX_YEARS, "年数")
        for f in (
            "mean_years",
            "sum_years",
            "min_years",
            "max_years",
            "count_years",
            "falling_years",
            "rising_years",
        )
    },
}
KEYWORDS = frozenset({"and", "or", "not", "if", "else"})
# Python words someone might try; named so the error says why instead of "unknown data item".
FORBIDDEN_WORDS = frozenset(
    {
        "lambda",
        "for",
        "in",
        "is",
        "import",
        "None",
        "True",
        "False",
        "def",
        "class",
        "yield",
        "await",
        "async",
        "while",
        "return",
        "del",
        "global",
        "exec",
        "eval",
        "open",
    }
)

# bool is an int: comparisons give bools, arithmetic on them gives ints; Decimal accepts both.
Value = Decimal | int
Env = Mapping[str, Decimal]
Evaluator = Callable[[Env, Env], Value]

_EMPTY: dict[str, Decimal] = {}
_HUNDRED = Decimal(100)
_ONE = Decimal(1)


class Unavailable(Exception):
    """A formula cannot be evaluated for this region: a value is missing or a division by zero.

    `name` is the missing value's code (None for a failed computation); `years` how many years before this
    one it belongs to (0 this year, 1 last year …); `previous` is `years > 0`.
    """

    def __init__(
        self,
        reason_zh: str,
        reason_en: str,
        name: str | None = None,
        previous: bool = False,
        years: int | None = None,
    ) -> None:
        self.reason_zh = reason_zh
        self.reason_en = reason_en
        self.name = name
        self.years = years if years is not None else (1 if previous else 0)
        self.previous = self.years > 0
        super().__init__(f"{reason_zh} ({reason_en})")


class Years(dict[str, Decimal]):
    """One year's values that knows the year before it (`earlier`): what prev(x, n) and the history
    windows walk. This year's values stay a plain dict (the hot path); last year's and older are Years."""

    __slots__ = ("earlier",)

    def __init__(
        self, values: Mapping[str, Decimal] | None = None, earlier: Mapping[str, Decimal] | None = None
    ):
        super().__init__(values or {})
        self.earlier: Mapping[str, Decimal] = earlier if earlier is not None else _EMPTY


def year_chain(previous: Mapping[str, Decimal], earlier: Sequence[Mapping[str, Decimal]] = ()) -> Years:
    """Last year's values linked to the years before (`earlier`, most recent first)."""
    older: Mapping[str, Decimal] = _EMPTY
    for values in reversed(earlier):
        older = Years(values, older)
    return Years(previous, older)


def before(env: Mapping[str, Decimal]) -> Mapping[str, Decimal]:
    """The values of the year before `env` (empty when not given)."""
    return getattr(env, "earlier", _EMPTY)


# ------------------------------------------------------------------------------------------- tokens
@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # "num" | "name" | "op" | "end"
    text: str
    pos: int


_OPERATORS = {
    "+": "+",
    "-": "-",
    "−": "-",
    "*": "*",
    "×": "*",
    "/": "/",
    "÷": "/",
    "(": "(",
    ")": ")",
    ",": ",",
    "<": "<",
    ">": ">",
    "≤": "<=",
    "≥": ">=",
    "≠": "!=",
    "（": "(",
    "）": ")",
    "，": ",",
}
_TWO_CHAR = {"<=": "<=", ">=": ">=", "==": "==", "!=": "!="}
_REJECTED_CHARS = {
    ".": ("不允许属性访问或以点开头的数字", "attribute access is not allowed"),
    "'": ("不允许字符串", "strings are not allowed"),
    '"': ("不允许字符串", "strings are not allowed"),
    "“": ("不允许字符串", "strings are not allowed"),
    "[": ("不允许下标", "subscripts are not allowed"),
    "]": ("不允许下标", "subscripts are not allowed"),
    "{": ("不允许字典或集合", "dicts and sets are not allowed"),
    "}": ("不允许字典或集合", "dicts and sets are not allowed"),
    ":": ("不允许冒号 (lambda/切片)", "':' (lambda, slices) is not allowed"),
    "=": ("赋值不允许；比较请用 ==", "assignment is not allowed; compare with =="),
    "%": ("不支持运算符 %", "operator % is not supported"),
    "@": ("不支持运算符 @", "operator @ is not supported"),
    "&": ("不支持位运算；请用 and", "bitwise operators are not supported; use and"),
    "|": ("不支持位运算；请用 or", "bitwise operators are not supported; use or"),
    "^": ("不支持乘方或位运算", "powers and bitwise operators are not supported"),
    "~": ("不支持位运算；请用 not", "bitwise operators are not supported; use not"),
    ";": ("不允许多条语句", "statements are not allowed"),
    "\\": ("不允许反斜杠", "backslashes are not allowed"),
    "#": ("不允许注释", "comments are not allowed"),
}


def _is_name_start(ch: str) -> bool:
    return ("a" <= ch <= "z") or ("A" <= ch <= "Z") or ch == "_"


def _is_name_char(ch: str) -> bool:
    return _is_name_start(ch) or ("0" <= ch <= "9")


def tokenize(text: str) -> list[Token]:
    """Split formula text into tokens, rejecting anything outside the language with its position."""
    if len(text) > MAX_LENGTH:
        raise FormulaError(
            f"公式过长 ({len(text)} 个字符，上限 {MAX_LENGTH})",
            f"formula too long ({len(text)} characters, limit {MAX_LENGTH})",
            MAX_LENGTH,
            text[:80],
        )
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in " \t\r\n\u3000":
            i += 1
        elif "0" <= ch <= "9" or (ch == "." and i + 1 < n and "0" <= text[i + 1] <= "9"):
            start = i
            while i < n and "0" <= text[i] <= "9":
                i += 1
            if i < n and text[i] == ".":
                i += 1
                while i < n and "0" <= text[i] <= "9":
                    i += 1
            literal = text[start:i]
            if i < n and (_is_name_char(text[i]) or text[i] == "."):
                raise FormulaError(
                    "数字格式不对（不支持科学计数法、数字后直接跟名称或多个小数点）",
                    "malformed number (no exponents, no name or second dot right after a number)",
                    i,
                    text,
                )
            digits = sum(c.isdigit() for c in literal)
            if digits > MAX_DIGITS:
                raise FormulaError(
                    f"数字位数过多 ({digits} 位，上限 {MAX_DIGITS})",
                    f"number has too many digits ({digits}, limit {MAX_DIGITS})",
                    start,
                    text,
                )
            tokens.append(Token("num", literal, start))
        elif _is_name_start(ch):
            start = i
            while i < n and _is_name_char(text[i]):
                i += 1
            word = text[start:i]
            if word.startswith("_"):
                raise FormulaError(
                    f"名称不能以下划线开头: {word[:40]}",
                    f"names may not start with an underscore (dunder names are rejected): {word[:40]}",
                    start,
                    text,
                )
            if word in FORBIDDEN_WORDS:
                raise FormulaError(
                    f"不支持关键字 {word}", f"keyword {word!r} is not part of the language", start, text
                )
            tokens.append(Token("op" if word in KEYWORDS else "name", word, start))
        elif text.startswith("**", i):
            raise FormulaError("不支持乘方 (**)", "powers (**) are not allowed", i, text)
        elif text.startswith("//", i):
            raise FormulaError("不支持整除 (//)", "floor division (//) is not supported", i, text)
        elif text[i : i + 2] in _TWO_CHAR:
            tokens.append(Token("op", _TWO_CHAR[text[i : i + 2]], i))
            i += 2
        elif ch in _OPERATORS:
            tokens.append(Token("op", _OPERATORS[ch], i))
            i += 1
        elif ch in _REJECTED_CHARS:
            zh, en = _REJECTED_CHARS[ch]
            raise FormulaError(zh, en, i, text)
        else:
            raise FormulaError(
                f"不认识的字符 {ch!r}（名称只能用英文字母、数字和下划线，即数据项代码）",
                f"unexpected character {ch!r} (names are data item codes: ASCII letters, digits, underscores)",
                i,
                text,
            )
    tokens.append(Token("end", "", n))
    return tokens


# ------------------------------------------------------------------------------------------- tree
@dataclass(frozen=True, slots=True)
class Node:
    kind: str  # num name neg pos binop cmp and or not if call
    pos: int
    depth: int
    op: str = ""
    value: Decimal | None = None
    name: str = ""
    args: tuple[Node, ...] = ()


def _node(
    kind: str,
    pos: int,
    text: str,
    *,
    op: str = "",
    value: Decimal | None = None,
    name: str = "",
    args: tuple[Node, ...] = (),
) -> Node:
    depth = 1 + max((a.depth for a in args), default=0)
    if depth > MAX_DEPTH:
        raise FormulaError(
            f"表达式嵌套过深（上限 {MAX_DEPTH} 层）",
            f"expression nested too deeply (limit {MAX_DEPTH})",
            pos,
            text,
        )
    return Node(kind, pos, depth, op, value, name, args)


class _Parser:
    def __init__(self, text: str, known: Container[str] | None) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0
        self.level = 0
        self.known = known

    # helpers
    def peek(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def error(self, zh: str, en: str, pos: int) -> FormulaError:
        return FormulaError(zh, en, pos, self.text)

    def expect(self, op: str) -> Token:
        tok = self.peek()
        if tok.kind == "op" and tok.text == op:
            return self.take()
        found = tok.text or "公式结尾"
        raise self.error(
            f"此处应为 “{op}”，却是 “{found}”", f"expected {op!r}, found {tok.text or 'end'!r}", tok.pos
        )

    def enter(self, pos: int) -> None:
        # Checked before recursing, so 10,000 opening parentheses stop here and never reach Python's limit.
        self.level += 1
        if self.level > MAX_DEPTH:
            raise self.error(
                f"表达式嵌套过深（上限 {MAX_DEPTH} 层）",
                f"expression nested too deeply (limit {MAX_DEPTH})",
                pos,
            )

    def leave(self) -> None:
        self.level -= 1

    def is_op(self, *ops: str) -> bool:
        tok = self.tokens[self.i]
        return tok.kind == "op" and tok.text in ops

    # grammar
    def parse(self) -> Node:
        node = self.expr()
        tok = self.peek()
        if tok.kind != "end":
            if tok.kind == "op" and tok.text == "(":
                raise self.error(
                    "不允许调用（括号前不是函数名）",
                    "calls of anything but the functions are not allowed",
                    tok.pos,
                )
            raise self.error(f"多余的 “{tok.text}”", f"unexpected {tok.text!r}", tok.pos)
        return node

    def expr(self) -> Node:
        self.enter(self.peek().pos)
        try:
            node = self.or_()
            if self.is_op("if"):
                pos = self.take().pos
                cond = self.or_()
                self.expect("else")
                other = self.expr()
                node = _node("if", pos, self.text, args=(cond, node, other))
            return node
        finally:
            self.leave()

    def or_(self) -> Node:
        node = self.and_()
        while self.is_op("or"):
            pos = self.take().pos
            node = _node("or", pos, self.text, args=(node, self.and_()))
        return node

    def and_(self) -> Node:
        node = self.not_()
        while self.is_op("and"):
            pos = self.take().pos
            node = _node("and", pos, self.text, args=(node, self.not_()))
        return node

    def not_(self) -> Node:
        if self.is_op("not"):
            pos = self.take().pos
            self.enter(pos)
            try:
                return _node("not", pos, self.text, args=(self.not_(),))
            finally:
                self.leave()
        return self.cmp()

    def cmp(self) -> Node:
        node = self.sum_()
        if self.is_op("<", "<=", ">", ">=", "==", "!="):
            tok = self.take()
            node = _node("cmp", tok.pos, self.text, op=tok.text, args=(node, self.sum_()))
            if self.is_op("<", "<=", ">", ">=", "==", "!="):
                raise self.error(
                    "不支持连续比较；请用 and 连接",
                    "chained comparisons are not supported; use and",
                    self.peek().pos,
                )
        return node

    def sum_(self) -> Node:
        node = self.term()
        while self.is_op("+", "-"):
            tok = self.take()
            node = _node("binop", tok.pos, self.text, op=tok.text, args=(node, self.term()))
        return node

    def term(self) -> Node:
        node = self.unary()
        while self.is_op("*", "/"):
            tok = self.take()
            node = _node("binop", tok.pos, self.text, op=tok.text, args=(node, self.unary()))
        return node

    def unary(self) -> Node:
        if self.is_op("-", "+"):
            tok = self.take()
            self.enter(tok.pos)
            try:
                return _node("neg" if tok.text == "-" else "pos", tok.pos, self.text, args=(self.unary(),))
            finally:
                self.leave()
        return self.atom()

    def atom(self) -> Node:
        tok = self.take()
        if tok.kind == "num":
            return _node("num", tok.pos, self.text, value=Decimal(tok.text))
        if tok.kind == "name":
            if self.is_op("("):
                return self.call(tok)
            if tok.text in FUNCTIONS:
                raise self.error(
                    f"函数 {tok.text} 后应有括号", f"function {tok.text} must be called", tok.pos
                )
            if self.known is not None and tok.text not in self.known:
                raise self.error(f"未知数据项 “{tok.text}”", f"unknown data item {tok.text!r}", tok.pos)
            return _node("name", tok.pos, self.text, name=tok.text)
        if tok.kind == "op" and tok.text == "(":
            node = self.expr()
            self.expect(")")
            return node
        if tok.kind == "end":
            raise self.error("公式不完整", "formula ends too early", tok.pos)
        raise self.error(f"此处不应出现 “{tok.text}”", f"unexpected {tok.text!r}", tok.pos)

    def call(self, name: Token) -> Node:
        if name.text not in FUNCTIONS:
            raise self.error(
                f"不允许调用 {name.text}（可用函数: {' '.join(FUNCTIONS)}）",
                f"call of {name.text!r} is not allowed (functions: {', '.join(FUNCTIONS)})",
                name.pos,
            )
        self.expect("(")
        self.enter(name.pos)
        try:
            args = [self.expr()]
            while self.is_op(","):
                self.take()
                args.append(self.expr())
            self.expect(")")
        finally:
            self.leave()
        low, high = FUNCTIONS[name.text]
        if not low <= len(args) <= high:
            want = str(low) if low == high else f"{low}–{high}"
            raise self.error(
                f"函数 {name.text} 需要 {want} 个参数，给了 {len(args)} 个",
                f"{name.text} takes {want} arguments, {len(args)} given",
                name.pos,
            )
        if name.text in _CONSTANT_ARG and len(args) == 2:
            lo, hi, what = _CONSTANT_ARG[name.text]
            n = args[1]
            if (
                n.kind != "num"
                or n.value is None
                or n.value != n.value.to_integral_value()
                or not lo <= n.value <= hi
            ):
                raise self.error(
                    f"{name.text} 的{what}须为 {lo}–{hi} 的整数（直接写出数字）",
                    f"the second argument of {name.text} must be a whole number {lo}–{hi}, written out",
                    n.pos,
                )
        return _node("call", name.pos, self.text, name=name.text, args=tuple(args))


def parse(text: str, known: Container[str] | None = None) -> Node:
    """Parse formula text into a tree; `known` (if given) is the set of names the formula may use."""
    if not isinstance(text, str):
        raise FormulaError("公式必须是文本", "a formula must be a string", 0, repr(text))
    return _Parser(text, known).parse()


# ------------------------------------------------------------------------------------------- compile
def missing(name: str, years: int) -> Unavailable:
    """The outcome for a value that is not there, `years` before this year (0: this year's)."""
    if years == 1:
        return Unavailable(f"缺少上年数据 {name}", f"last year's value of {name} is missing", name, years=1)
    if years:
        return Unavailable(
            f"缺少 {years} 年前的数据 {name}",
            f"the value of {name} {years} years ago is missing",
            name,
            years=years,
        )
    return Unavailable(f"缺少数据 {name}", f"value of {name} is missing", name, years=0)


def _shifted(a: Evaluator, steps: int) -> Evaluator:
    """`a` evaluated `steps` years back; a missing value is reported with the year it is missing for."""

    if steps == 1:  # prev(x), growth(x): by far the most common, one frame and no loop

        def last_year(cur: Env, prv: Env) -> Value:
            try:
                return a(prv, getattr(prv, "earlier", _EMPTY))
            except KeyError as exc:
                raise missing(str(exc.args[0]), 1) from None
            except Unavailable as exc:
                if exc.name is not None:
                    raise missing(exc.name, exc.years + 1) from None
                raise

        return last_year

    def back(cur: Env, prv: Env) -> Value:
        env, nxt = cur, prv
        for _ in range(steps):
            env, nxt = nxt, before(nxt)
        try:
            return a(env, nxt)
        except KeyError as exc:
            raise missing(str(exc.args[0]), steps) from None
        except Unavailable as exc:
            if exc.name is not None:
                raise missing(exc.name, exc.years + steps) from None
            raise

    return back


def _window(func: str, a: Evaluator, n: int) -> Evaluator:
    """A history window: `a` over this year and the n − 1 years before (falling/rising: n changes)."""
    span = n + 1 if func in ("falling_years", "rising_years") else n
    years = [a] + [_shifted(a, k) for k in range(1, span)]

    def values(cur: Env, prv: Env) -> list[Value]:
        try:
            return [f(cur, prv) for f in years]
        except KeyError as exc:
            raise missing(str(exc.args[0]), 0) from None

    if func == "mean_years":
        return lambda cur, prv: Decimal(sum(values(cur, prv))) / n
    if func == "sum_years":
        return lambda cur, prv: Decimal(sum(values(cur, prv)))
    if func == "min_years":
        return lambda cur, prv: min(values(cur, prv))
    if func == "max_years":
        return lambda cur, prv: max(values(cur, prv))
    if func == "count_years":
        return lambda cur, prv: Decimal(sum(1 for v in values(cur, prv) if v))
    if func == "falling_years":  # each year below the one before it, n times in a row
        return lambda cur, prv: all(x < y for x, y in itertools.pairwise(values(cur, prv)))
    return lambda cur, prv: all(x > y for x, y in itertools.pairwise(values(cur, prv)))


def _divide(a: Value, b: Value) -> Decimal:
    if not b:
        raise Unavailable("除数为零", "division by zero")
    if type(a) is not Decimal:  # bools and ints: int / int would give a float
        a = Decimal(a)
    return a / b


def _compile(node: Node) -> Evaluator:
    kind = node.kind
    if kind == "num":
        value = node.value
        assert value is not None

        def const(cur: Env, prv: Env) -> Value:
            return value

        return const
    if kind == "name":
        # A missing value surfaces as KeyError(name) and is turned into Unavailable where evaluation starts
        # (Formula.evaluate, prev(), the scoring engine): no try in the hottest closure of all.
        name = node.name
        return lambda cur, prv: cur[name]
    args = [_compile(a) for a in node.args]
    if kind == "neg":
        (a,) = args
        return lambda cur, prv: -Decimal(a(cur, prv))
    if kind == "pos":
        (a,) = args
        return lambda cur, prv: Decimal(a(cur, prv))
    if kind == "not":
        (a,) = args
        return lambda cur, prv: not a(cur, prv)
    if kind == "and":
        a, b = args
        return lambda cur, prv: bool(a(cur, prv)) and bool(b(cur, prv))
    if kind == "or":
        a, b = args
        return lambda cur, prv: bool(a(cur, prv)) or bool(b(cur, prv))
    if kind == "if":
        c, t, e = args
        return lambda cur, prv: t(cur, prv) if c(cur, prv) else e(cur, prv)
    if kind in ("binop", "cmp") and node.args[1].kind == "num":
        # A constant right operand (x > 50, x / 2, x + 2.5) is bound into the closure: one call fewer.
        k = node.args[1].value
        assert k is not None
        if not (node.op == "/" and k == 0):
            if node.args[0].kind == "name" and node.op in _OPS:
                # `share_x >= 50`: read the value and compare in one frame
                n, fn = node.args[0].name, _OPS[node.op]
                return lambda cur, prv: fn(cur[n], k)
            return _with_constant(args[0], node.op, k)
    if kind == "binop" and node.args[0].kind == "num" and node.op in _ARITH:
        k = node.args[0].value
        assert k is not None
        b, fn = args[1], _ARITH[node.op]
        return lambda cur, prv: fn(k, b(cur, prv))
    if kind == "binop":
        a, b = args
        op = node.op
        if op == "+":
            return lambda cur, prv: a(cur, prv) + b(cur, prv)
        if op == "-":
            return lambda cur, prv: a(cur, prv) - b(cur, prv)
        if op == "*":
            return lambda cur, prv: a(cur, prv) * b(cur, prv)
        return lambda cur, prv: _divide(a(cur, prv), b(cur, prv))
    if kind == "cmp":
        a, b = args
        op = node.op
        if op == "<":
            return lambda cur, prv: a(cur, prv) < b(cur, prv)
        if op == "<=":
            return lambda cur, prv: a(cur, prv) <= b(cur, prv)
        if op == ">":
            return lambda cur, prv: a(cur, prv) > b(cur, prv)
        if op == ">=":
            return lambda cur, prv: a(cur, prv) >= b(cur, prv)
        if op == "==":
            return lambda cur, prv: a(cur, prv) == b(cur, prv)
        return lambda cur, prv: a(cur, prv) != b(cur, prv)
    # calls
    func = node.name
    # Two-argument min/max are by far the most common: no generator for them.
    if func == "min":
        if len(args) == 2:
            a, b = args
            return lambda cur, prv: min(a(cur, prv), b(cur, prv))
        return lambda cur, prv: min([f(cur, prv) for f in args])
    if func == "max":
        if len(args) == 2:
            a, b = args
            return lambda cur, prv: max(a(cur, prv), b(cur, prv))
        return lambda cur, prv: max([f(cur, prv) for f in args])
    if func == "abs":
        (a,) = args
        return lambda cur, prv: abs(Decimal(a(cur, prv)))
    if func == "round":
        if len(args) == 1:
            (a,) = args
            return lambda cur, prv: Decimal(a(cur, prv)).quantize(_ONE, rounding=ROUND_HALF_UP)
        a = args[0]
        digits = node.args[1].value  # a whole number 0–12, checked by the parser
        assert digits is not None
        q = _ONE.scaleb(-int(digits))
        return lambda cur, prv: Decimal(a(cur, prv)).quantize(q, rounding=ROUND_HALF_UP)
    if func == "share":
        a, b = args
        return lambda cur, prv: _divide(a(cur, prv), b(cur, prv)) * _HUNDRED
    if func in _CONSTANT_ARG and func not in ("round", "prev"):
        n_years = node.args[1].value
        assert n_years is not None
        return _window(func, args[0], int(n_years))
    a = args[0]
    if func == "prev":
        steps = node.args[1].value if len(node.args) == 2 else 1
        assert steps is not None
        return _shifted(a, int(steps))
    last_year = _shifted(a, 1)

    # growth
    def growth(cur: Env, prv: Env) -> Value:
        before = last_year(cur, prv)
        if not before:
            raise Unavailable("上年值为零，无法计算增长率", "last year's value is zero: growth is undefined")
        return (Decimal(a(cur, prv)) - before) / Decimal(before) * _HUNDRED

    return growth


_ARITH: dict[str, Callable[[Any, Any], Any]] = {"+": operator.add, "-": operator.sub, "*": operator.mul}
_OPS: dict[str, Callable[[Any, Any], Any]] = {
    **_ARITH,
    "/": operator.truediv,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}


def _with_constant(a: Evaluator, op: str, k: Decimal) -> Evaluator:
    if op == "+":
        return lambda cur, prv: a(cur, prv) + k
    if op == "-":
        return lambda cur, prv: a(cur, prv) - k
    if op == "*":
        return lambda cur, prv: a(cur, prv) * k
    if op == "/":
        return lambda cur, prv: a(cur, prv) / k  # k ≠ 0; bool or int / Decimal gives a Decimal
    if op == "<":
        return lambda cur, prv: a(cur, prv) < k
    if op == "<=":
        return lambda cur, prv: a(cur, prv) <= k
    if op == ">":
        return lambda cur, prv: a(cur, prv) > k
    if op == ">=":
        return lambda cur, prv: a(cur, prv) >= k
    if op == "==":
        return lambda cur, prv: a(cur, prv) == k
    return lambda cur, prv: a(cur, prv) != k


def _names(node: Node, into: set[str]) -> None:
    stack = [node]
    while stack:
        n = stack.pop()
        if n.kind == "name":
            into.add(n.name)
        stack.extend(n.args)


def years_back(node: Node) -> int:
    """How many years before this one the expression reads (0: this year only)."""
    inner = max((years_back(a) for a in node.args[:1] if node.kind == "call"), default=0)
    if node.kind != "call":
        return max((years_back(a) for a in node.args), default=0)
    if node.name == "growth":
        return inner + 1
    if node.name == "prev":
        n = node.args[1].value if len(node.args) == 2 else 1
        return inner + int(n or 1)
    if node.name in _CONSTANT_ARG and node.name != "round":
        n = int(node.args[1].value or 1)
        return inner + (n if node.name in ("falling_years", "rising_years") else n - 1)
    return max((years_back(a) for a in node.args), default=0)


def names_by_year(node: Node, shift: int = 0) -> set[tuple[str, int]]:
    """(name, years before this one) of every value the expression reads: prev(x, 2) reads x two years
    back, growth(x) this year and last, mean_years(x, 3) this year and the two before."""
    if node.kind == "name":
        return {(node.name, shift)}
    if node.kind != "call" or node.name in ("min", "max", "abs", "round", "share"):
        return {pair for a in node.args for pair in names_by_year(a, shift)}
    inner = node.args[0]
    if node.name == "prev":
        n = node.args[1].value if len(node.args) == 2 else 1
        return names_by_year(inner, shift + int(n or 1))
    if node.name == "growth":
        return names_by_year(inner, shift) | names_by_year(inner, shift + 1)
    n = int(node.args[1].value or 1)
    span = n + 1 if node.name in ("falling_years", "rising_years") else n
    return {pair for k in range(span) for pair in names_by_year(inner, shift + k)}


def _check_constants(node: Node, text: str) -> None:
    """A part of the formula that reads no value and cannot be computed (3 / (10 − 10)) is refused now,
    not found region by region at scoring time."""
    stack = [node]
    while stack:
        n = stack.pop()
        if n.kind in ("num", "name"):
            continue
        names: set[str] = set()
        _names(n, names)
        if names:
            stack.extend(n.args)
            continue
        try:
            _compile(n)(_EMPTY, _EMPTY)
        except Unavailable as exc:
            reason, reason_en = exc.reason_zh, exc.reason_en
        except DecimalException as exc:
            zero = isinstance(exc, ZeroDivisionError)
            reason = "除数为零" if zero else "数值超出可计算范围"
            reason_en = "division by zero" if zero else "value out of range"
        except KeyError:  # reads nothing: cannot happen; keep the check total
            continue
        else:
            continue
        raise FormulaError(
            f"公式 “{text}” 中不读任何数据的部分无法计算：{reason}",
            f"a part of the formula {text!r} that reads no data cannot be computed: {reason_en}",
            n.pos,
            text,
        )


@dataclass(frozen=True, slots=True, eq=False)
class Formula:
    """A compiled formula: its text, the names it reads, and a fast evaluator.

    `evaluate()` is the safe entry point (every failure is `Unavailable`). `fn` is the raw closure tree
    for engines that handle outcomes themselves: a missing value surfaces there as `KeyError(name)`.
    """

    text: str
    tree: Node
    names: frozenset[str]
    uses_prev: bool
    fn: Evaluator
    years_back: int = 0  # how many years before this one it reads (prev, growth, history windows)

    @property
    def single_name(self) -> str | None:
        """The data item code when the formula is just one name (explanations then use its name and unit)."""
        return self.tree.name if self.tree.kind == "name" else None

    @property
    def is_constant(self) -> bool:
        """True when the formula reads no value at all."""
        return not self.names

    def evaluate(self, cur: Env, prv: Env = _EMPTY) -> Value:
        """Evaluate over this year's (`cur`) and last year's (`prv`) values; raises `Unavailable`."""
        try:
            return self.fn(cur, prv)
        except KeyError as exc:
            raise missing(str(exc.args[0]), 0) from None
        except DecimalException as exc:
            if isinstance(exc, ZeroDivisionError):
                raise Unavailable("除数为零", "division by zero") from None
            raise Unavailable("数值超出可计算范围", f"value out of range ({type(exc).__name__})") from None


def compile_formula(text: str, known: Container[str] | None = None) -> Formula:
    """Parse and compile formula text once; raises FormulaError (with position) for anything not allowed."""
    tree = parse(text, known)
    names: set[str] = set()
    _names(tree, names)
    years = years_back(tree)
    if years > MAX_YEARS:
        raise FormulaError(
            f"公式读取了 {years} 年前的数据，最多 {MAX_YEARS} 年",
            f"the formula reads {years} years back; at most {MAX_YEARS}",
            0,
            text,
        )
    _check_constants(tree, text)
    return Formula(text, tree, frozenset(names), years > 0, _compile(tree), years)


def dependency_order(dependencies: Mapping[str, frozenset[str]]) -> list[str]:
    """Order computed names so each comes after the names it reads; raises FormulaCycle naming the cycle."""
    sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
    for name, deps in dependencies.items():
        sorter.add(name, *(d for d in deps if d in dependencies))
    try:
        return list(sorter.static_order())
    except graphlib.CycleError as exc:
        cycle = list(exc.args[1])
        raise FormulaCycle(cycle) from None


class FormulaCycle(Exception):
    """Computed items depend on each other in a circle; `names` lists the circle (first name repeated)."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        super().__init__(" → ".join(names))
