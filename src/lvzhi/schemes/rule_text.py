"""Rules and formulas as an official reads them: one sentence in plain Chinese per rule, condition and formula.

The one renderer of rule text: pages, the CLI and reports call it, so a rule reads the same everywhere.
Names are shown by their Chinese names from the statistics catalogue (a scheme-local computed name, which
has none, by its definition in words), numbers next to a statistic carry its unit, and no identifier or
English word appears (`party_committee_edu_sessions >= 2` reads `党委会议专题研究教育工作次数不低于 2 次`).

Public API::

    rule_text(scheme, indicator)        -> str   # the rule of a leaf (tree, bonus or deduction item)
    condition_text(scheme, condition)   -> str   # a veto, max_grade or demote condition
    formula_text(scheme, formula)       -> str   # any formula, e.g. a condition of an all/any rule
    scheme_rules_text(scheme)           -> list[str]  # scheme-wide: grades and quotas, rounding, caps …
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from lvzhi.schemes.formula import Formula, Node
from lvzhi.schemes.model import Condition, Indicator, Rule, Scheme

_CMP_WORDS = {">=": "不低于", ">": "高于", "<=": "不高于", "<": "低于", "==": "等于", "!=": "不等于"}
_ARITH = {"+": "＋", "-": "−", "*": "×", "/": "÷"}
_CN_DIGITS = "零一二三四五六七八九十"
# Binding strength, to know where parentheses are needed (higher binds tighter).
_STRENGTH = {"if": 1, "or": 2, "and": 3, "not": 4, "cmp": 5, "+": 6, "-": 6, "*": 7, "/": 7, "neg": 8}


def num(d: Decimal | int) -> str:
    """A number as written in a document: no exponent, no trailing zeros (3, 2.5, 0.25)."""
    d = Decimal(d)
    if d == d.to_integral_value():
        return format(d.quantize(Decimal(1)), "f")
    return format(d.normalize(), "f")


def with_unit(d: Decimal | int, unit: str) -> str:
    """`50%`, `2 次`: a percent sign sticks to the number, a word unit does not."""
    if not unit or unit == "%":
        return f"{num(d)}{unit}"
    return f"{num(d)} {unit}"


def _same_last_year(left: Node, right: Node) -> bool:
    """`x` compared with `prev(x)`: the sentence says 上年 instead of naming x twice."""
    return (
        right.kind == "call" and right.name == "prev" and len(right.args) == 1 and _same(right.args[0], left)
    )


def _is_truth(n: Node) -> bool:
    """Expressions that are a yes/no: comparisons, and/or/not, the falling/rising windows."""
    return n.kind in ("cmp", "and", "or", "not") or (
        n.kind == "call" and n.name in ("falling_years", "rising_years")
    )


def _same(a: Node, b: Node) -> bool:
    """The same expression, wherever it was written."""
    return (
        a.kind == b.kind
        and a.op == b.op
        and a.value == b.value
        and a.name == b.name
        and len(a.args) == len(b.args)
        and all(_same(x, y) for x, y in zip(a.args, b.args, strict=True))
    )


def years_word(n: int) -> str:
    """`两`, `三` … for small counts of years, digits beyond ten."""
    if n == 2:
        return "两"
    return _CN_DIGITS[n] if 0 <= n <= 10 else str(n)


def _bare(name: str) -> str:
    # Yes/no items are named `…(是否)` in the catalogue; in a sentence the question mark-up goes.
    for tail in ("(是否)", "（是否）"):
        if name.endswith(tail):
            return name[: -len(tail)]
    return name


class _Words:
    """Renders formula trees of one scheme."""

    def __init__(self, scheme: Scheme) -> None:
        self.scheme = scheme
        self.inlining: set[str] = set()

    # -- names and units
    def name(self, code: str) -> str:
        item = self.scheme.catalogue.get(code)
        if item is not None:
            return _bare(item.name) if item.is_boolean else item.name
        definition = self.scheme.computed.get(code)
        if definition is not None and code not in self.inlining:
            # A scheme-local computed name has no Chinese name: say what it is.
            self.inlining.add(code)
            try:
                return f"（{self.node(definition.tree, 0)}）"
            finally:
                self.inlining.discard(code)
        return "该项数据"

    def unit_of(self, node: Node) -> str:
        """The unit a number compared with `node` is in (that of a single statistic, maybe of a past year)."""
        while node.kind == "call" and node.name in ("prev", "mean_years", "min_years", "max_years"):
            node = node.args[0]
        if node.kind == "name":
            item = self.scheme.catalogue.get(node.name)
            if item is not None and not item.is_boolean:
                return item.unit
        if node.kind == "call" and node.name in ("share", "growth"):
            return "%"
        if node.kind == "call" and node.name in ("min", "max"):
            units = {self.unit_of(a) for a in node.args}
            return units.pop() if len(units) == 1 else ""
        return ""

    def is_boolean(self, node: Node) -> bool:
        if node.kind != "name":
            return False
        item = self.scheme.catalogue.get(node.name)
        return item is not None and item.is_boolean

    # -- trees
    def node(self, n: Node, outer: int) -> str:
        kind = n.kind
        if kind == "num":
            assert n.value is not None
            return num(n.value)
        if kind == "name":
            return self.name(n.name)
        if kind == "call":
            return self.call(n)
        if kind in ("neg", "pos"):
            inner = self.node(n.args[0], _STRENGTH["neg"])
            return f"−{inner}" if kind == "neg" else inner
        if kind == "not":
            return self.wrap(f"并非{self.node(n.args[0], _STRENGTH['not'])}", _STRENGTH["not"], outer)
        if kind in ("and", "or"):
            s = _STRENGTH[kind]
            word = "，且" if kind == "and" else "，或"
            return self.wrap(f"{self.node(n.args[0], s)}{word}{self.node(n.args[1], s)}", s, outer)
        if kind == "if":
            cond, then, other = n.args
            text = f"若{self.node(cond, 1)}则为{self.node(then, 1)}，否则为{self.node(other, 1)}"
            return self.wrap(text, _STRENGTH["if"], outer)
        if kind == "cmp":
            return self.wrap(self.compare(n), _STRENGTH["cmp"], outer)
        # binop
        s = _STRENGTH[n.op]
        left = self.node(n.args[0], s)
        # Right operands of − and ÷ bind one step tighter: a − (b − c) keeps its parentheses.
        right = self.node(n.args[1], s + 1 if n.op in ("-", "/") else s)
        return self.wrap(f"{left} {_ARITH[n.op]} {right}", s, outer)

    @staticmethod
    def wrap(text: str, strength: int, outer: int) -> str:
        return f"（{text}）" if strength < outer else text

    def compare(self, n: Node) -> str:
        left, right = n.args
        op = n.op
        if self.is_boolean(left) and right.kind == "num" and op in ("==", "!="):
            yes = (right.value == 1) == (op == "==")
            return self.name(left.name) if yes else f"“{self.name(left.name)}”为否"
        if _is_truth(left) and right.kind == "num" and right.value in (0, 1) and op in ("==", "!="):
            # `falling_years(x, 3) == 0` reads 并非…连续三年下降, not 等于 0.
            yes = (right.value == 1) == (op == "==")
            inner = self.node(left, _STRENGTH["not"])
            return inner if yes else f"并非{inner}"
        unit = self.unit_of(left) or self.unit_of(right)
        a = self.side(left, unit)
        if right.kind == "num" and right.value == 0 and op in ("<=", "==", ">", "!="):
            # `超大班额班级数 <= 0` reads 为零, `事故 > 0` reads 大于零: no "不高于 0 班".
            return f"{a}{'为零' if op in ('<=', '==') else '大于零'}"
        if _same_last_year(left, right):
            return f"{a}{_CMP_WORDS[op]}上年"
        b = self.side(right, unit)
        return f"{a}{_CMP_WORDS[op]} {b}" if right.kind == "num" else f"{a}{_CMP_WORDS[op]}{b}"

    def side(self, n: Node, unit: str) -> str:
        if n.kind == "num":
            assert n.value is not None
            return with_unit(n.value, unit)
        return self.node(n, _STRENGTH["cmp"] + 1)

    def call(self, n: Node) -> str:
        f, args = n.name, n.args
        if f in ("min", "max"):
            parts = "、".join(self.node(a, 0) for a in args)
            return f"{parts}中的{'较小' if f == 'min' else '较大'}者"
        if f == "abs":
            return f"{self.node(args[0], 9)}的绝对值"
        if f == "round":
            digits = self.constant(args[1]) if len(args) == 2 else 0
            places = f"保留 {digits} 位小数" if digits else "取整"
            return f"{self.node(args[0], 9)}（四舍五入{places}）"
        if f == "share":
            return f"{self.node(args[0], 9)}占{self.node(args[1], 9)}的比例"
        if f == "growth":
            return f"{self.node(args[0], 9)}较上年的增长率"
        if f == "prev":
            # prev(prev(x)) is prev(x, 2): said once, as 两年前.
            years, inner = 0, n
            while inner.kind == "call" and inner.name == "prev":
                years += self.constant(inner.args[1]) if len(inner.args) == 2 else 1
                inner = inner.args[0]
            when = "上年" if years == 1 else f"{years_word(years)}年前"
            return f"{when}{self.node(inner, 9)}"
        if f in _WINDOWS:
            years = self.constant(args[1])
            return _WINDOWS[f](self.node(args[0], 0 if f == "count_years" else 9), years_word(years))
        return "（无法显示的计算）"

    @staticmethod
    def constant(n: Node) -> int:
        return int(n.value) if n.kind == "num" and n.value is not None else 0


# History windows (functions over this year and the years before); see formula.py.
_WINDOWS: dict[str, Callable[[str, str], str]] = {
    "mean_years": lambda e, n: f"近{n}年{e}的平均值",
    "sum_years": lambda e, n: f"近{n}年{e}的合计",
    "min_years": lambda e, n: f"近{n}年{e}的最小值",
    "max_years": lambda e, n: f"近{n}年{e}的最大值",
    "count_years": lambda e, n: f"近{n}年中{e}的年数",
    "falling_years": lambda e, n: f"{e}连续{n}年下降",
    "rising_years": lambda e, n: f"{e}连续{n}年增长",
}


def formula_text(scheme: Scheme, formula: Formula) -> str:
    """A formula in words, e.g. `公办园在园幼儿占比不低于 50%`."""
    return _Words(scheme).node(formula.tree, 0)


def _points(p: Decimal) -> str:
    return f"{num(p)} 分"


def _of_points(fraction: Decimal, points: Decimal) -> str:
    return "不得分" if fraction * points == 0 else f"得 {_points(fraction * points)}"


def _value(w: _Words, f: Formula) -> tuple[str, str]:
    """(words, unit) of the value a rule reads."""
    return w.node(f.tree, 0), w.unit_of(f.tree)


def _target(w: _Words, rule: Rule, unit: str) -> str:
    assert rule.target is not None
    t = rule.target.tree
    if t.kind == "num":
        assert t.value is not None
        return f" {with_unit(t.value, unit)}"
    if rule.expr is not None and _same_last_year(rule.expr.tree, t):
        return "上年"
    return w.node(t, 0)


def _manual(w: _Words, rule: Rule, points: Decimal, section: str) -> str:
    levels = "，".join(
        f"{name}{'得满分' if frac == 1 else _of_points(frac, points)}" for name, frac in rule.levels
    )
    evidence = "，须附佐证材料" if rule.evidence == "required" else ""
    return f"由评审人员按等级评定（{levels}），并写明评定理由{evidence}"


def _threshold(w: _Words, rule: Rule, points: Decimal, section: str) -> str:
    assert rule.expr is not None and rule.target is not None
    cond = w.compare(Node("cmp", 0, 0, rule.op, None, "", (rule.expr.tree, rule.target.tree)))
    if section == "deductions":
        return f"{cond}的，扣 {_points(points)}"
    if section == "bonus":
        return f"{cond}的，加 {_points(points)}"
    return f"{cond}的，得 {_points(points)}；否则{_of_points(rule.else_fraction, points)}"


def _linear(w: _Words, rule: Rule, points: Decimal, section: str) -> str:
    assert rule.expr is not None
    subject, unit = _value(w, rule.expr)
    word, short = ("不低于", "低") if rule.direction == "min" else ("不高于", "高")
    step = f"{num(rule.step)}{unit}" if unit != "%" else f"{num(rule.step)} 个百分点"
    return (
        f"{subject}{word}{_target(w, rule, unit)}的，得 {_points(points)}；"
        f"每{short} {step}扣 {_points(rule.per_unit)}，扣完为止"
    )


def _ladder(w: _Words, rule: Rule, points: Decimal, section: str) -> str:
    assert rule.expr is not None
    subject, unit = _value(w, rule.expr)
    parts: list[str] = []
    for i, b in enumerate(rule.bands):
        last = i == len(rule.bands) - 1
        if last and b.min <= 0:
            # The floor band (min 0) is "the rest": 低于 90% 的不得分 / 其余得 1 分.
            if i and b.score == 0:
                parts.append(f"低于 {with_unit(rule.bands[i - 1].min, unit)}的不得分")
            else:
                parts.append("其余不得分" if b.score == 0 else f"其余得 {_points(b.score)}")
            continue
        gets = "不得分" if b.score == 0 else f"得 {_points(b.score)}"
        parts.append(f"不低于 {with_unit(b.min, unit)}的{gets}")
        if last and b.score > 0:
            parts.append(f"低于 {with_unit(b.min, unit)}的不得分")
    bands = "；".join(parts)
    tail = ""
    return f"按{subject}分档计分：{bands}{tail}"


def _boolean(w: _Words, rule: Rule, points: Decimal, section: str) -> str:
    marks = "①②③④⑤⑥⑦⑧⑨⑩"
    conds = "；".join(
        f"{marks[i] if i < len(marks) else f'({i + 1})'}{w.node(c.tree, 0)}"
        for i, c in enumerate(rule.conditions)
    )
    if rule.kind == "all":
        head = "同时满足以下各项" if len(rule.conditions) > 1 else "满足以下条件"
    else:
        head = "满足以下任一项" if len(rule.conditions) > 1 else "满足以下条件"
    return f"{head}的，{_verb(section)} {_points(points)}，否则不得分：{conds}"


def _verb(section: str) -> str:
    return {"deductions": "扣", "bonus": "加"}.get(section, "得")


def _rank(w: _Words, rule: Rule, points: Decimal, section: str) -> str:
    assert rule.expr is not None
    subject, _ = _value(w, rule.expr)
    better = "高" if rule.order == "desc" else "低"
    if rule.mode == "peer_average":
        word = "不低于" if rule.order == "desc" else "不高于"
        return (
            f"{subject}{word}同时参评地区平均值的，得 {_points(points)}；否则{_of_points(rule.below, points)}"
        )
    if rule.mode == "share":
        bands = "；".join(f"位列前 {num(b.min)}% 的得 {_points(b.score)}" for b in rule.bands)
        rest = rule.rest if rule.rest is not None else Decimal(0)
        return (
            f"按{subject}在同时参评地区中的排位计分（越{better}越靠前，并列者同档）：{bands}；"
            f"其余{'不得分' if rest == 0 else f'得 {_points(rest)}'}"
        )
    table = rule.points_by_rank
    ranks = "，".join(f"第 {i} 名得 {_points(p)}" for i, p in enumerate(table, 1))
    rest = rule.rest if rule.rest is not None else (table[-1] if table else Decimal(0))
    return (
        f"按{subject}在同时参评地区中排名计分（越{better}越靠前，并列者名次相同）：{ranks}，"
        f"其余{'不得分' if rest == 0 else f'得 {_points(rest)}'}"
    )


def _per_item(w: _Words, rule: Rule, points: Decimal, section: str) -> str:
    assert rule.count is not None
    subject = w.node(rule.count.tree, 0)
    if section == "deductions":
        return f"{subject}每项扣 {_points(rule.per_item)}，最多扣 {_points(points)}"
    return f"{subject}每项扣 {_points(rule.per_item)}，扣完本项 {_points(points)}为止"


def _formula(w: _Words, rule: Rule, points: Decimal, section: str) -> str:
    assert rule.score is not None
    return f"得分 = {w.node(rule.score.tree, 0)}，最低 0 分，最高 {_points(points)}"


def _credibility(w: _Words, rule: Rule, points: Decimal, section: str) -> str:
    layers = w.scheme.score_layers
    names = {layer.code: layer.name for layer in (layers.layers if layers else ())}
    own = names.get(rule.layer, "自评")
    reference = "或".join(names.get(a, "核定") for a in rule.against)
    if rule.tolerance:
        over = f"{own}得分比{reference}得分高出 {_points(rule.tolerance)}以上"
    else:
        over = f"{own}得分高于{reference}得分"
    head = f"{over}的指标，占双方均已评分指标的比例超过 {num(rule.above)}%的"
    if section == "deductions":
        return f"{head}，扣 {_points(points)}"
    return f"{head}，不得分；否则得 {_points(points)}"


# The Chinese name of each rule kind (a page's label of how an indicator is scored).
KIND_NAMES: dict[str, str] = {
    "manual": "人工评定",
    "threshold": "达标计分",
    "linear": "按差距扣分",
    "ladder": "分档计分",
    "all": "全部满足",
    "any": "满足其一",
    "rank": "按排名计分",
    "per_item_deduction": "按项扣分",
    "formula": "公式计分",
    "credibility": "自评可信度",
}


def kind_name(kind: str) -> str:
    """`threshold` → 达标计分; an unknown kind reads 其他规则 (never the identifier)."""
    return KIND_NAMES.get(kind, "其他规则")


# One sentence per rule kind (see rule_syntax.py for the other places of a kind).
SENTENCES: dict[str, Callable[[_Words, Rule, Decimal, str], str]] = {
    "manual": _manual,
    "threshold": _threshold,
    "linear": _linear,
    "ladder": _ladder,
    "all": _boolean,
    "any": _boolean,
    "rank": _rank,
    "per_item_deduction": _per_item,
    "formula": _formula,
    "credibility": _credibility,
}


def rule_text(scheme: Scheme, indicator: Indicator, section: str | None = None) -> str:
    """The rule of an indicator as a sentence; `""` for a group (its children carry the rules).

    `section` is `tree`, `bonus` or `deductions`; by default it is found from where the indicator sits.
    """
    rule = indicator.rule
    if rule is None:
        return ""
    if section is None:
        section = (
            "bonus"
            if indicator in scheme.bonus
            else "deductions"
            if indicator in scheme.deductions
            else "tree"
        )
    sentence = SENTENCES.get(rule.kind)
    text = sentence(_Words(scheme), rule, indicator.points, section) if sentence else "按方案规定评分"
    if indicator.charge_to:
        target = next((i for i in scheme.walk() if i.code == indicator.charge_to), None)
        if target is not None:
            text += f"，在“{target.name}”中扣减，扣完该项为止"
    return text + "。"


def scheme_rules_text(scheme: Scheme) -> list[str]:
    """The scheme-wide rules as sentences: points, grades and quotas, rounding, caps of bonus and
    deductions, score layers, and the order in which grade limits apply."""
    out: list[str] = []
    if scheme.total is not None:
        out.append(f"总分 {_points(scheme.total)}。")
    if scheme.grades:
        bands = []
        for i, g in enumerate(scheme.grades):
            last = i == len(scheme.grades) - 1
            notes = [] if last and g.min == 0 else [f"{num(g.min)} 分及以上"]
            if g.quota is not None:
                notes.append(f"不超过参评地区的 {num(g.quota)}%")
            bands.append(f"{g.name}（{'，'.join(notes)}）" if notes else g.name)
        out.append("评价结果分为" + "、".join(bands) + "。")
    r = scheme.rounding
    parts = []
    if r.items is not None:
        parts.append(f"各项得分保留{places_words(r.items)}")
    if r.total is not None:
        parts.append(f"总分保留{places_words(r.total)}")
    if parts:
        out.append("，".join(parts) + "（四舍五入），据此评定等次。")
    if scheme.bonus_cap is not None and scheme.bonus:
        out.append(f"加分累计不超过 {_points(scheme.bonus_cap)}。")
    if scheme.deduction_cap is not None:
        out.append(f"扣分累计不超过 {_points(scheme.deduction_cap)}。")
    layers = scheme.score_layers
    if layers is not None:
        names = "、".join(layer.name for layer in layers.layers)
        choice = {
            "first": f"按{names}的顺序取最先给出的得分",
            "min": f"取{names}得分中的最低分",
            "max": f"取{names}得分中的最高分",
            "mean": f"取{names}得分的平均分",
        }[layers.final]
        out.append(f"各项得分{choice}；均未评分的，按规则计算。")
    if scheme.caps or scheme.vetoes:
        out.append(
            "先按总分确定等次，再执行“不得高于”某等次的限制（取最严者），然后合并执行各项降等，"
            "触发一票否决的评为最低等次。"
        )
    if any(g.quota is not None for g in scheme.grades):
        out.append("超出等次名额的，按总分由低到高依次降一个等次；总分相同者同等对待，名额不被突破。")
    return out


def places_words(n: int) -> str:
    """`两位小数`, `整数`: a number of decimal places as a rounding rule says it."""
    return "整数" if n == 0 else f"{years_word(n)}位小数"


def condition_text(scheme: Scheme, condition: Condition) -> str:
    """A veto or cap as a sentence, e.g. `评价材料弄虚作假的，一票否决，评为最低等次。`."""
    when = formula_text(scheme, condition.when)
    if condition.kind == "veto":
        effect = "一票否决，评为最低等次"
    elif condition.kind == "max_grade":
        grade = next((g for g in scheme.grades if g.code == condition.max_grade), None)
        effect = f"不得评为高于“{grade.name if grade else '最低'}”的等次"
    else:
        effect = f"等次降低 {condition.demote} 档"
    return f"{when}的，{effect}。"
