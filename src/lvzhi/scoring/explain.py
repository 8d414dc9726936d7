"""What explanations are made of: numbers shown briefly, labels and units of what a rule reads, why an item
could not be scored. Bound at compile time, so an explanation costs one f-string when it is read."""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from lvzhi.schemes.formula import Formula, Node, Unavailable, Value
from lvzhi.schemes.model import Scheme
from lvzhi.schemes.rule_text import formula_text

if TYPE_CHECKING:
    from lvzhi.scoring.model import Sample

ZERO = Decimal(0)
_Q2 = Decimal("0.01")
COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "==": operator.eq,
    "!=": operator.ne,
}
OP_SYMBOL = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "==": "=", "!=": "≠"}
NEGATED = {">=": "<", ">": "<=", "<=": ">", "<": ">=", "==": "!=", "!=": "=="}

Env = dict[str, Decimal]
Reasons = Mapping[str, Unavailable]


def fmt(v: Value | None) -> str:
    """Display a number briefly: at most two decimals, no trailing zeros, 是/否 for booleans."""
    if v is None:
        return "—"
    if v is True or v is False:
        return "是" if v else "否"
    d = v if type(v) is Decimal else Decimal(v)
    exp = d.as_tuple().exponent
    if isinstance(exp, int) and exp < -2:
        d = d.quantize(_Q2)
    s = format(d, "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s == "-0" else s


# Stands in a stored explanation for the part every peer of a peers'-average rule shares (the number of
# peers and their average): kept once per round, so a save that moves the average rewrites no peer's row.
PEERS = "〔同级地区平均〕"


def peer_average(n: int, average: Value, unit: str) -> str:
    """The part of a peers'-average explanation every peer shares: `2850 个地区平均 85%`."""
    return f"{n} 个地区平均 {fmt(average)}{unit}"


def with_peers(text: str, peers: str | None) -> str:
    """A stored explanation as shown: the round's shared part put back in place of PEERS."""
    return text.replace(PEERS, peers) if peers else text


def sample_text(sample: Sample, unit: str) -> str:
    """What a statistic measured on a sample says of its sample: `样本 17 份，95% 置信区间 78.23%–96.09%，
    误差 ±8.93 个百分点` (a ± of a percentage is in percentage points)."""
    spread = " 个百分点" if unit == "%" else unit
    return (
        f"样本 {sample.n} 份，{sample.level}% 置信区间 {fmt(sample.low)}{unit}–{fmt(sample.high)}{unit}，"
        f"误差 ±{fmt(sample.margin)}{spread}"
    )


def with_samples(text: str, sampled: Iterable[tuple[str, str]]) -> str:
    """An explanation with each sampled value's sample stated: right after the value where the text shows it
    (`教育满意度 92%（样本 …）≥ 目标 90%`), else with the value before the score (`…（教育满意度 92%，样本 …）→`),
    else at the end. `sampled` holds (the value as explanations show it, its sample_text)."""
    for shown, about in sampled:
        end = _end_of(text, shown)
        if end >= 0:
            text = f"{text[:end]}（{about}）{text[end:]}"
            continue
        note = f"（{shown}，{about}）"
        arrow = text.rfind(" → ")
        text = f"{text[:arrow]}{note}{text[arrow:]}" if arrow >= 0 else text + note
    return text


def _end_of(text: str, shown: str) -> int:
    """Where the first `shown` in `text` ends (-1: nowhere), skipping a longer number (`92` in `92.5`)."""
    at = text.find(shown)
    while at >= 0:
        end = at + len(shown)
        if end == len(text) or not (text[end].isdigit() or text[end] == "."):
            return end
        at = text.find(shown, end)
    return -1


def constant_value(f: Formula) -> Value | None:
    """The value of a formula that reads nothing (None if it reads values or cannot be computed, e.g. 1/0)."""
    if not f.is_constant:
        return None
    try:
        return f.evaluate({}, {})
    except Unavailable:
        return None


def yes_no(v: Value | None) -> str:
    return "—" if v is None else ("是" if v else "否")


def dec(v: Value) -> Decimal:
    return v if type(v) is Decimal else Decimal(v)


class Explain:
    """Labels and units bound at compile time, so explanations cost one f-string at run time."""

    def __init__(self, scheme: Scheme) -> None:
        self.scheme = scheme

    def label(self, f: Formula) -> tuple[str, str]:
        name = f.single_name
        if name is not None:
            return self.scheme.label(name)
        return self.words(f), ""

    def words(self, f: Formula) -> str:
        """The formula as an official reads it (catalogue names, no identifiers)."""
        return formula_text(self.scheme, f)

    def value_format(self, f: Formula) -> Callable[[Value | None], str]:
        """How to show this formula's value: 是/否 for a yes/no item, a number otherwise."""
        name = f.single_name
        item = self.scheme.catalogue.get(name) if name is not None else None
        return yes_no if item is not None and item.is_boolean else fmt

    def describe(self, f: Formula, holds: bool, cur: Env, prv: Env) -> str:
        """A condition with its values: `教师平均工资收入 7元 < 公务员平均工资收入 8元`, or the text with values."""
        tree = f.tree
        if tree.kind == "cmp":
            left, right = tree.args
            unit = self._side_unit(left) or self._side_unit(right)
            a, b = self._side(left, unit, cur, prv), self._side(right, unit, cur, prv)
            if a is not None and b is not None:
                op = tree.op if holds else NEGATED[tree.op]
                return f"{a} {OP_SYMBOL[op]} {b}"
        if tree.kind == "name":
            label, _ = self.scheme.label(tree.name)
            return f"{label} = {'是' if holds else '否'}"
        shown = "，".join(f"{self.scheme.label(n)[0]} {fmt(cur.get(n))}" for n in sorted(f.names))
        text = self.words(f)
        return f"{text}（{shown}）" if shown else text

    def _side_unit(self, node: Node) -> str:
        if (
            node.kind == "call"
            and node.name == "prev"
            and len(node.args) == 1
            and node.args[0].kind == "name"
        ):
            node = node.args[0]
        return self.scheme.label(node.name)[1] if node.kind == "name" else ""

    def _side(self, node: Node, unit: str, cur: Env, prv: Env) -> str | None:
        if node.kind == "num":
            return f"{fmt(node.value)}{unit}"
        if node.kind == "name":
            label, own = self.scheme.label(node.name)
            return f"{label} {fmt(cur.get(node.name))}{own}"
        if (
            node.kind == "call"
            and node.name == "prev"
            and len(node.args) == 1
            and node.args[0].kind == "name"
        ):
            name = node.args[0].name
            label, own = self.scheme.label(name)
            return f"上年{label} {fmt(prv.get(name))}{own}"
        return None

    def unavailable(
        self,
        exc: Unavailable,
        reasons: Mapping[str, Unavailable],
        formulas: Iterable[Formula] = (),
        cur: Mapping[str, Decimal] | None = None,
        prv: Mapping[str, Decimal] | None = None,
    ) -> str:
        """`无法评分：` and why; a failed computation (÷ 0 …) names the formula it failed in, in words."""
        text = "无法评分：" + self.reason(exc, reasons, 0)
        if exc.name is None and cur is not None:
            for f in formulas:
                try:
                    f.evaluate(cur, prv if prv is not None else {})
                except Unavailable as failed:
                    if failed.name is None:
                        return f"{text}（计算“{formula_text(self.scheme, f)}”时）"
        return text

    def reason(self, exc: Unavailable, reasons: Mapping[str, Unavailable], depth: int) -> str:
        if exc.name is not None:
            label, _ = self.scheme.label(exc.name)
            who = label  # what people call it; its code is never shown to a person
            inner = reasons.get(exc.name) if not exc.years else None
            if inner is not None and depth < 8:
                return f"{who} 无法计算（{self.reason(inner, reasons, depth + 1)}）"
            year = "" if not exc.years else "上年" if exc.years == 1 else f" {exc.years} 年前的"
            return f"缺少{year}数据 {who}"
        return exc.reason_zh
