"""How a leaf is scored, per rule kind: one small function per kind, registered once in `SCORERS`.

A kind's function runs once per leaf when the scheme is compiled: it binds what does not depend on the
region (the rule's closures, labels, units, points) and returns the leaf's `Body`, which scores one region.
A body raises `KeyError`/`Unavailable`/`DecimalException` on missing data; `compile_leaf` wraps it so that
the item is `unscored` with the reason (naming the formula that failed), never 0. `rank` leaves are scored
across all regions by the engine (`Scorer._rank_all`), so they have no body here.

The other places of a kind: `lvzhi/schemes/rule_syntax.py` (its keys), `lvzhi/schemes/rule_text.py` (its
sentence), `docs/scheme-format.md` (its row).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, DecimalException

from lvzhi.schemes.formula import Unavailable, Value, missing
from lvzhi.schemes.model import Band, Indicator, Rule, Scheme
from lvzhi.schemes.rule_text import formula_text
from lvzhi.scoring.explain import (
    COMPARE,
    NEGATED,
    OP_SYMBOL,
    ZERO,
    Env,
    Explain,
    Reasons,
    constant_value,
    dec,
    fmt,
)
from lvzhi.scoring.model import MANUAL_PENDING, SCORED, UNSCORED, ManualScore, Outcome

# A leaf body raises Unavailable/DecimalException on missing data; its LeafFn wrapper turns that into an outcome.
Body = Callable[[Env, Env, Mapping[str, ManualScore]], Outcome]
LeafFn = Callable[[Env, Env, Mapping[str, ManualScore], Reasons], Outcome]
CROSS_REGION = frozenset({"rank"})  # scored by the engine across the regions scored together


@dataclass(frozen=True, slots=True)
class Leaf:
    """What a kind's function gets: the leaf, its scheme and where it sits (`leaf`, `bonus`, `deduction`)."""

    indicator: Indicator
    rule: Rule
    scheme: Scheme
    section: str
    ex: Explain

    @property
    def points(self) -> Decimal:
        return self.indicator.points

    @property
    def pts(self) -> str:
        return fmt(self.indicator.points)

    @property
    def code(self) -> str:
        return self.indicator.code


SCORERS: dict[str, Callable[[Leaf], Body]] = {}


def scorer(kind: str) -> Callable[[Callable[[Leaf], Body]], Callable[[Leaf], Body]]:
    """Register how a rule kind is scored (once per kind)."""

    def register(fn: Callable[[Leaf], Body]) -> Callable[[Leaf], Body]:
        assert kind not in SCORERS, f"rule kind {kind} registered twice"
        SCORERS[kind] = fn
        return fn

    return register


def compile_leaf(ind: Indicator, scheme: Scheme, section: str, ex: Explain) -> tuple[LeafFn, Body]:
    """The leaf's guarded function (never raises) and its raw body (the engine's fast path)."""
    rule = ind.rule
    assert rule is not None and rule.kind not in CROSS_REGION
    body = SCORERS[rule.kind](Leaf(ind, rule, scheme, section, ex))
    return guarded(body, rule, ex), body


def guarded(body: Body, rule: Rule, ex: Explain) -> LeafFn:
    """One try per leaf: a missing value or a division by zero makes the item unscored, never 0."""

    def leaf(cur: Env, prv: Env, scores: Mapping[str, ManualScore], reasons: Reasons) -> Outcome:
        try:
            return body(cur, prv, scores)
        except KeyError as exc:  # a value is missing (see formula.py: names read without a try)
            return None, UNSCORED, ex.unavailable(missing(str(exc.args[0]), 0), reasons), None
        except Unavailable as exc:
            return None, UNSCORED, ex.unavailable(exc, reasons, rule.formulas(), cur, prv), None
        except DecimalException as exc:
            reason = "除数为零" if isinstance(exc, ZeroDivisionError) else "数值超出可计算范围"
            return (
                None,
                UNSCORED,
                ex.unavailable(Unavailable(reason, reason), reasons, rule.formulas(), cur, prv),
                None,
            )

    return leaf


@scorer("manual")
def _manual(c: Leaf) -> Body:
    rule, points, pts, code = c.rule, c.points, c.pts, c.code
    levels = dict(rule.levels)
    evidence_required = rule.evidence == "required"

    def manual(cur: Env, prv: Env, scores: Mapping[str, ManualScore]) -> Outcome:
        m = scores.get(code)
        status, score, text = MANUAL_PENDING, None, "待人工评定"
        if m is None:
            pass
        elif not m.justification:
            text = "待人工评定：评分缺少说明 (justification)"
        elif evidence_required and not m.evidence:
            text = "待人工评定：须附佐证材料 (evidence)"
        elif m.level is not None:
            if m.level not in levels:
                status, text = UNSCORED, f"无法评分：未知等级 “{m.level}”（可用: {'/'.join(levels)}）"
            else:
                status, score = SCORED, levels[m.level] * points
                text = f"人工评定 “{m.level}” ({fmt(levels[m.level])} × {pts}) → {fmt(score)}/{pts}：{m.justification}"
        elif m.score is None or not ZERO <= m.score <= points:
            status, text = UNSCORED, f"无法评分：人工评分须在 0–{pts} 之间"
        else:
            status, score = SCORED, m.score
            text = f"人工评定 → {fmt(m.score)}/{pts}：{m.justification}"
        return score, status, text, None

    return manual


@scorer("threshold")
def _threshold(c: Leaf) -> Body:
    rule, points, pts, ex, scheme = c.rule, c.points, c.pts, c.ex, c.scheme
    assert rule.expr is not None and rule.target is not None
    expr, target = rule.expr.fn, rule.target.fn
    label, unit = ex.label(rule.expr)
    vf = ex.value_format(rule.expr)
    target_label = _target_label(rule, scheme)
    op = rule.op
    holds_sym, fails_sym = OP_SYMBOL[op], OP_SYMBOL[NEGATED[op]]
    else_score = rule.else_fraction * points
    compare: Callable[[Value, Value], bool] = COMPARE[op]  # C functions, no Python frame

    def threshold_text(v: Value, t: Value, ok: bool) -> str:
        if ok:
            return f"{label} {vf(v)}{unit} {holds_sym} {target_label}{vf(t)}{unit} → {pts}/{pts}"
        return f"{label} {vf(v)}{unit} {fails_sym} {target_label}{vf(t)}{unit} → {fmt(else_score)}/{pts}"

    k = constant_value(rule.target)
    if k is not None:  # the usual case (≥ 85 %): evaluated once, here

        def threshold(cur: Env, prv: Env, scores: Mapping[str, ManualScore]) -> Outcome:
            v = expr(cur, prv)
            if compare(v, k):
                return points, SCORED, None, (threshold_text, (v, k, True))
            return else_score, SCORED, None, (threshold_text, (v, k, False))

    else:

        def threshold(cur: Env, prv: Env, scores: Mapping[str, ManualScore]) -> Outcome:
            v = expr(cur, prv)
            t = target(cur, prv)
            if compare(v, t):
                return points, SCORED, None, (threshold_text, (v, t, True))
            return else_score, SCORED, None, (threshold_text, (v, t, False))

    return threshold


@scorer("linear")
def _linear(c: Leaf) -> Body:
    rule, points, pts, ex = c.rule, c.points, c.pts, c.ex
    assert rule.expr is not None and rule.target is not None
    expr, target = rule.expr.fn, rule.target.fn
    label, unit = ex.label(rule.expr)
    per_unit, step, at_least = rule.per_unit, rule.step, rule.direction == "min"
    word = "≥" if at_least else "≤"

    def linear_text(v: Decimal, t: Decimal, short: Decimal, score: Decimal) -> str:
        if short <= 0:
            return f"{label} {fmt(v)}{unit} {word} 目标 {fmt(t)}{unit} → {pts}/{pts}"
        return (
            f"{label} {fmt(v)}{unit}，目标 {word}{fmt(t)}{unit}，差 {fmt(short)} → "
            f"{pts} − {fmt(per_unit)} × {fmt(short)}/{fmt(step)} = {fmt(score)}/{pts}"
        )

    def linear(cur: Env, prv: Env, scores: Mapping[str, ManualScore]) -> Outcome:
        v = dec(expr(cur, prv))
        t = dec(target(cur, prv))
        short = (t - v) if at_least else (v - t)
        score = points if short <= 0 else max(ZERO, points - per_unit * short / step)
        return score, SCORED, None, (linear_text, (v, t, short, score))

    return linear


@scorer("ladder")
def _ladder(c: Leaf) -> Body:
    rule, pts, ex = c.rule, c.pts, c.ex
    assert rule.expr is not None
    expr = rule.expr.fn
    label, unit = ex.label(rule.expr)
    bands = rule.bands
    lowest = bands[-1].min if bands else ZERO

    def ladder_text(v: Value, band: Band | None) -> str:
        if band is None:
            return f"{label} {fmt(v)}{unit} 低于最低档 {fmt(lowest)}{unit} → 0/{pts}"
        return f"{label} {fmt(v)}{unit} ≥ {fmt(band.min)}{unit} 档 → {fmt(band.score)}/{pts}"

    def ladder(cur: Env, prv: Env, scores: Mapping[str, ManualScore]) -> Outcome:
        v = expr(cur, prv)
        for band in bands:
            if v >= band.min:
                return band.score, SCORED, None, (ladder_text, (v, band))
        return ZERO, SCORED, None, (ladder_text, (v, None))

    return ladder


@scorer("all")
@scorer("any")
def _all_any(c: Leaf) -> Body:
    rule, points, pts, ex = c.rule, c.points, c.pts, c.ex
    conds = tuple(f.fn for f in rule.conditions)
    need_all = rule.kind == "all"
    word = "全部满足" if need_all else "任一满足"

    formulas = rule.conditions

    def boolean_text(oks: tuple[bool | None, ...], score: Decimal, cur: Env, prv: Env) -> str:
        marks = "；".join(
            f"{ex.words(f)}（缺少数据）?"
            if ok is None
            else f"{ex.describe(f, ok, cur, prv)} {'✓' if ok else '✗'}"
            for f, ok in zip(formulas, oks, strict=True)
        )
        return f"{word}？{marks} → {fmt(score)}/{pts}"

    def boolean(cur: Env, prv: Env, scores: Mapping[str, ManualScore]) -> Outcome:
        # Three-valued logic: one false condition already decides `all`, one true condition `any`,
        # even when another condition lacks data; only an undecided rule is unscored.
        oks: list[bool | None] = []
        first_error: Exception | None = None
        for fn in conds:
            try:
                oks.append(bool(fn(cur, prv)))
            except (KeyError, Unavailable, DecimalException) as exc:
                oks.append(None)
                first_error = first_error or exc
        decided = (False in oks) if need_all else (True in oks)
        if first_error is not None and not decided:
            raise first_error
        passed = not decided if need_all else decided
        score = points if passed else ZERO
        return score, SCORED, None, (boolean_text, (tuple(oks), score, cur, prv))

    return boolean


@scorer("per_item_deduction")
def _per_item_deduction(c: Leaf) -> Body:
    rule, points, pts, ex = c.rule, c.points, c.pts, c.ex
    assert rule.count is not None
    count = rule.count.fn
    label, _ = ex.label(rule.count)
    per_item = rule.per_item
    deducting = c.section == "deduction"

    def per_item_text(n: Decimal, lost: Decimal, score: Decimal) -> str:
        if deducting:
            return f"{label} {fmt(n)} 项 × {fmt(per_item)} → 扣 {fmt(lost)} 分（上限 {pts}）"
        return f"{label} {fmt(n)} 项 × {fmt(per_item)} = 扣 {fmt(lost)} → {fmt(score)}/{pts}"

    def per_item_fn(cur: Env, prv: Env, scores: Mapping[str, ManualScore]) -> Outcome:
        n = dec(count(cur, prv))
        if n < 0:
            raise Unavailable("次数为负数", "negative count")
        lost = min(points, n * per_item)
        # In `deductions` the item's score is what is taken off; in the tree it is what is left.
        score = lost if deducting else points - lost
        return score, SCORED, None, (per_item_text, (n, lost, score))

    return per_item_fn


@scorer("formula")
def _formula(c: Leaf) -> Body:
    rule, points, pts = c.rule, c.points, c.pts
    assert rule.score is not None
    score_fn, formula_text = rule.score.fn, c.ex.words(rule.score)

    def formula_explain(raw: Decimal, score: Decimal) -> str:
        clip = "" if score == raw else f"（按 0–{pts} 截取）"
        return f"{formula_text} = {fmt(raw)}{clip} → {fmt(score)}/{pts}"

    def formula(cur: Env, prv: Env, scores: Mapping[str, ManualScore]) -> Outcome:
        raw = dec(score_fn(cur, prv))
        score = min(points, max(ZERO, raw))
        return score, SCORED, None, (formula_explain, (raw, score))

    return formula


def _target_label(rule: Rule, scheme: Scheme) -> str:
    target = rule.target
    assert target is not None and rule.expr is not None
    if target.is_constant:
        return ""
    tree = target.tree
    if (
        tree.kind == "call"
        and tree.name == "prev"
        and len(tree.args) == 1
        and tree.args[0].kind == "name"
        and tree.args[0].name == rule.expr.single_name
    ):
        return "上年 "
    if target.single_name is not None:
        return scheme.label(target.single_name)[0] + " "
    return f"{formula_text(scheme, target)} = "


# ------------------------------------------------------------------------------------- layer kinds
# Kinds that read the region's score layers rather than its statistics: the engine scores them when it
# totals a region (after every leaf), from `RegionInput.layers`.
LayerBody = Callable[[Mapping[str, Mapping[str, Decimal]]], Outcome]
LAYER_SCORERS: dict[str, Callable[[Leaf], LayerBody]] = {}


@dataclass(frozen=True, slots=True)
class OverScoring:
    """How far a self-assessment exceeds the reference scores of the same leaves (plain data).

    compared: leaves scored by both; over: of those, self-scores above the reference by more than the
    tolerance; rate: over / compared in percent (None when nothing was compared); mean_deviation: the mean
    absolute difference self − reference over the compared leaves (None when nothing was compared)."""

    compared: int
    over: int
    rate: Decimal | None
    mean_deviation: Decimal | None


def over_scoring(
    layers: Mapping[str, Mapping[str, Decimal]],
    own: str,
    against: tuple[str, ...],
    tolerance: Decimal = ZERO,
) -> OverScoring:
    """Compare the `own` layer's scores with, per leaf, the first layer of `against` that scored it."""
    mine = layers.get(own, {})
    compared = over = 0
    deviation = ZERO
    for leaf, score in mine.items():
        reference = next((layers[a][leaf] for a in against if leaf in layers.get(a, {})), None)
        if reference is None:
            continue
        compared += 1
        deviation += abs(score - reference)
        if score > reference + tolerance:
            over += 1
    if not compared:
        return OverScoring(0, 0, None, None)
    return OverScoring(compared, over, Decimal(over * 100) / compared, deviation / compared)


def _credibility(c: Leaf) -> LayerBody:
    rule, points, pts = c.rule, c.points, c.pts
    names = {
        layer.code: layer.name for layer in (c.scheme.score_layers.layers if c.scheme.score_layers else ())
    }
    own = names.get(rule.layer, rule.layer)
    reference = "/".join(names.get(a, a) for a in rule.against)
    deducting = c.section == "deduction"

    def text(o: OverScoring, applies: bool, score: Decimal) -> str:
        assert o.rate is not None and o.mean_deviation is not None
        head = (
            f"{own}与{reference}比对 {o.compared} 项，{own}高出 {o.over} 项（{fmt(o.rate)}%），"
            f"平均偏差 {fmt(o.mean_deviation)} 分，{'超过' if applies else '未超过'} {fmt(rule.above)}%"
        )
        if deducting:
            return f"{head} → 扣 {fmt(score)} 分"
        return f"{head} → {fmt(score)}/{pts}"

    def credibility(layers: Mapping[str, Mapping[str, Decimal]]) -> Outcome:
        o = over_scoring(layers, rule.layer, rule.against, rule.tolerance)
        if o.rate is None:
            return None, UNSCORED, f"无法评分：没有同时有{own}和{reference}得分的指标可比对", None
        applies = o.rate > rule.above
        # In `deductions` the score is what is taken off; in the tree, a credible self-assessment scores.
        score = (points if applies else ZERO) if deducting else (ZERO if applies else points)
        return score, SCORED, None, (text, (o, applies, score))

    return credibility


LAYER_SCORERS["credibility"] = _credibility


def compile_layered(ind: Indicator, scheme: Scheme, section: str, ex: Explain) -> LayerBody:
    """The function scoring a layer-reading leaf from a region's score layers."""
    rule = ind.rule
    assert rule is not None and rule.kind in LAYER_SCORERS
    return LAYER_SCORERS[rule.kind](Leaf(ind, rule, scheme, section, ex))
