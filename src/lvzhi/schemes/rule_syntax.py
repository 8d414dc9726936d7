"""The rule kinds of a leaf, as a table: per kind the keys it takes and one small function reading them.

`parse_rule()` checks what every rule shares (a mapping, a known `kind`, no unknown keys) and hands the
node to its kind's reader. A reader gets a `RuleReader` (typed access to the rule's keys that records a
problem with file:line:column and returns a default) and returns the `Rule`.

Adding a kind touches four files: this one (`@kind(...)` and its reader), `lvzhi/scoring/rule_scoring.py`
(how a region is scored), `lvzhi/schemes/rule_text.py` (its sentence) and `docs/scheme-format.md` (its row);
`tests/schemes/test_rule_kinds.py` fails until all four agree.
"""

from __future__ import annotations

from collections.abc import Callable, Container
from dataclasses import dataclass
from decimal import Decimal

import yaml

from lvzhi.schemes.formula import Formula
from lvzhi.schemes.model import DEFAULT_LEVELS, Band, Rule
from lvzhi.schemes.yaml_nodes import Ctx, fmt_number, get

OPS = (">=", ">", "<=", "<", "==", "!=")
COMMON_KEYS = frozenset({"kind", "note", "description"})


class RuleReader:
    """Typed access to one rule's keys; a wrong or missing value is recorded and a default returned."""

    def __init__(
        self, ctx: Ctx, node: yaml.Node, m: dict[str, yaml.Node], what: str, kind: str, points: Decimal
    ) -> None:
        self.ctx = ctx
        self.node = node
        self.m = m
        self.what = what
        self.kind = kind
        self.points = points
        self.rw = f"{what} 的 {kind} 规则"
        self.known: Container[str] = ()
        self.layer_codes: set[str] | None = None  # the scheme's score layers, for rules that read them

    def need(self, key: str) -> yaml.Node | None:
        if key not in self.m:
            self.ctx.add(
                self.node, f"{self.rw}缺少 “{key}”", f"{self.what}: {self.kind} rule is missing {key!r}"
            )
            return None
        return self.m[key]

    def formula(self, key: str) -> Formula | None:
        n = self.need(key)
        return self.ctx.formula(n, f"{self.rw}的 {key}", self.known) if n is not None else None

    def fraction(self, key: str, default: Decimal) -> Decimal:
        if key not in self.m:
            return default
        v = self.ctx.number(self.m[key], f"{self.rw}的 {key}", minimum=Decimal(0), maximum=Decimal(1))
        return default if v is None else v

    def points_value(self, node: yaml.Node, what: str) -> Decimal | None:
        """A number of points of this leaf: 0 … its points."""
        return self.ctx.number(node, what, minimum=Decimal(0), maximum=self.points)

    def choice(self, key: str, options: tuple[str, ...], default: str) -> str:
        if key not in self.m:
            return default
        v = self.ctx.text(self.m[key], key)
        if v not in options:
            self.ctx.add(
                self.m[key],
                f"{self.rw}的 {key} 应为 {' / '.join(options)}",
                f"{key} must be one of {', '.join(options)}",
            )
            return default
        return v

    def items(self, key: str) -> list[yaml.Node]:
        """The entries of a list-valued key (required)."""
        n = self.need(key)
        return (self.ctx.seq(n, key) or []) if n is not None else []


@dataclass(frozen=True, slots=True)
class RuleSyntax:
    """One kind: the keys it takes besides kind/note/description, and its reader."""

    keys: frozenset[str]
    read: Callable[[RuleReader], Rule]


KINDS: dict[str, RuleSyntax] = {}


def kind(name: str, *keys: str) -> Callable[[Callable[[RuleReader], Rule]], Callable[[RuleReader], Rule]]:
    """Register the reader of a rule kind (once per kind)."""

    def register(read: Callable[[RuleReader], Rule]) -> Callable[[RuleReader], Rule]:
        assert name not in KINDS, f"rule kind {name} registered twice"
        KINDS[name] = RuleSyntax(frozenset(keys), read)
        return read

    return register


def parse_rule(
    ctx: Ctx,
    node: yaml.Node,
    what: str,
    points: Decimal | None,
    known: Container[str],
    layer_codes: set[str] | None = None,
) -> Rule | None:
    """Read the rule of a leaf (`what` names the leaf in messages); None after recording its problems."""
    m = ctx.mapping(node, f"{what} 的 rule", None)
    if m is None:
        return None
    kind_node = m.get("kind")
    if kind_node is None:
        ctx.add(node, f"{what} 的 rule 缺少 kind", f"{what}: rule is missing 'kind'")
        return None
    name = ctx.text(kind_node, "kind")
    syntax = KINDS.get(name or "")
    if name is None or syntax is None:
        ctx.add(
            kind_node,
            f"未知的规则类型 “{name}”（可用: {'、'.join(KINDS)}）",
            f"unknown rule kind {name!r} (known: {', '.join(KINDS)})",
        )
        return None
    allowed = syntax.keys | COMMON_KEYS
    for key_node, _ in node.value:
        if key_node.value not in allowed:
            ctx.add(
                key_node,
                f"{name} 规则中未知的键 “{key_node.value}”（可用: {'、'.join(sorted(allowed))}）",
                f"unknown key {key_node.value!r} in a {name} rule (allowed: {', '.join(sorted(allowed))})",
            )
    reader = RuleReader(ctx, node, m, what, name, points if points is not None else Decimal(0))
    reader.known = known
    reader.layer_codes = layer_codes
    return syntax.read(reader)


# ------------------------------------------------------------------------------------------- the kinds
@kind("manual", "levels", "evidence")
def _manual(r: RuleReader) -> Rule:
    levels = DEFAULT_LEVELS
    if "levels" in r.m:
        lm = r.ctx.mapping(r.m["levels"], "levels", None) or {}
        parsed = []
        for name, vn in lm.items():
            v = r.ctx.number(vn, f"等级 {name} 的比例", minimum=Decimal(0), maximum=Decimal(1))
            if v is not None:
                parsed.append((name, v))
        if parsed:
            levels = tuple(parsed)
        else:
            r.ctx.add(r.m["levels"], "levels 不能为空", "levels may not be empty")
    return Rule("manual", levels=levels, evidence=r.choice("evidence", ("required", "optional"), "optional"))


@kind("threshold", "expr", "op", "target", "else")
def _threshold(r: RuleReader) -> Rule:
    return Rule(
        "threshold",
        expr=r.formula("expr"),
        op=r.choice("op", OPS, ">="),
        target=r.formula("target"),
        else_fraction=r.fraction("else", Decimal(0)),
    )


@kind("linear", "expr", "target", "direction", "per_unit", "step")
def _linear(r: RuleReader) -> Rule:
    pu_node = r.need("per_unit")
    per_unit = (
        r.ctx.number(pu_node, f"{r.rw}的 per_unit", minimum=Decimal(0)) if pu_node is not None else None
    )
    step: Decimal | None = Decimal(1)
    if "step" in r.m:
        step = r.ctx.number(r.m["step"], f"{r.rw}的 step", minimum=Decimal(0))
        if step is not None and step == 0:
            r.ctx.add(r.m["step"], "step 不能为 0", "step may not be 0")
            step = Decimal(1)
    return Rule(
        "linear",
        expr=r.formula("expr"),
        target=r.formula("target"),
        direction=r.choice("direction", ("min", "max"), "min"),
        per_unit=per_unit or Decimal(0),
        step=step or Decimal(1),
    )


def _bands(r: RuleReader, bound: str) -> tuple[Band, ...]:
    """`[{min|top: x, score|fraction: y}, …]`: ladder bands by `min` (highest first), rank bands by `top`
    (share of peers in %, smallest first)."""
    ctx = r.ctx
    bands: list[Band] = []
    node = r.m.get("bands")
    for b in r.items("bands"):
        bm = ctx.mapping(b, "band", {bound, "score", "fraction"})
        if bm is None:
            continue
        if bound == "min":
            lo = get(bm, "min", ctx, b, "band", lambda n: ctx.number(n, "band 的 min"))
        else:
            lo = get(
                bm,
                "top",
                ctx,
                b,
                "band",
                lambda n: ctx.number(
                    n, "band 的 top（前百分之几）", minimum=Decimal(0), maximum=Decimal(100)
                ),
            )
            if lo is not None and lo == 0:
                ctx.add(bm["top"], "top 须大于 0", "top must be above 0")
                lo = None
        if ("score" in bm) == ("fraction" in bm):
            ctx.add(b, "每档须有 score 或 fraction（二选一）", "each band needs either score or fraction")
            continue
        if "score" in bm:
            sc = r.points_value(bm["score"], "band 的 score")
        else:
            fr = ctx.number(bm["fraction"], "band 的 fraction", minimum=Decimal(0), maximum=Decimal(1))
            sc = fr * r.points if fr is not None else None
        if lo is None or sc is None:
            continue
        if bands and bound == "min" and lo >= bands[-1].min:
            ctx.add(
                b,
                f"档次须按 min 从高到低排列（{fmt_number(lo)} 不低于上一档 {fmt_number(bands[-1].min)}）",
                f"bands must be ordered by min, highest first ({fmt_number(lo)} is not below {fmt_number(bands[-1].min)})",
            )
        if bands and bound == "top" and lo <= bands[-1].min:
            ctx.add(
                b,
                f"档次须按 top 从小到大排列（{fmt_number(lo)} 不大于上一档 {fmt_number(bands[-1].min)}）",
                f"bands must be ordered by top, smallest first ({fmt_number(lo)} is not above {fmt_number(bands[-1].min)})",
            )
        bands.append(Band(lo, sc))
    if node is not None and not bands:
        ctx.add(node, "至少要有一档", "at least one band is needed")
    return tuple(bands)


@kind("ladder", "expr", "bands")
def _ladder(r: RuleReader) -> Rule:
    return Rule("ladder", expr=r.formula("expr"), bands=_bands(r, "min"))


def _conditions(r: RuleReader) -> Rule:
    conds: list[Formula] = []
    nodes = r.items("conditions")
    for c in nodes:
        f = r.ctx.formula(c, f"{r.rw}的条件", r.known)
        if f is not None:
            conds.append(f)
    if "conditions" in r.m and not nodes:
        r.ctx.add(r.m["conditions"], "conditions 不能为空", "conditions may not be empty")
    return Rule(r.kind, conditions=tuple(conds))


kind("all", "conditions")(_conditions)
kind("any", "conditions")(_conditions)


@kind("rank", "expr", "order", "points_by_rank", "rest", "mode", "below", "bands")
def _rank(r: RuleReader) -> Rule:
    mode = r.choice("mode", ("ranks", "peer_average", "share"), "ranks")
    by_rank: list[Decimal] = []
    if mode == "ranks":
        nodes = r.items("points_by_rank")
        for p in nodes:
            v = r.points_value(p, "points_by_rank 的分值")
            if v is not None:
                by_rank.append(v)
        if "points_by_rank" in r.m and not by_rank:
            r.ctx.add(r.m["points_by_rank"], "points_by_rank 不能为空", "points_by_rank may not be empty")
    bands = _bands(r, "top") if mode == "share" else ()
    for key, modes in (("points_by_rank", ("ranks",)), ("bands", ("share",)), ("below", ("peer_average",))):
        if key in r.m and mode not in modes:
            r.ctx.add(
                r.m[key],
                f"{r.rw}: mode {mode} 不用 {key}",
                f"{r.what}: a rank rule in mode {mode} takes no {key}",
            )
    rest = r.points_value(r.m["rest"], "rest") if "rest" in r.m else None
    return Rule(
        "rank",
        expr=r.formula("expr"),
        order=r.choice("order", ("desc", "asc"), "desc"),
        points_by_rank=tuple(by_rank),
        rest=rest,
        mode=mode,
        below=r.fraction("below", Decimal(0)),
        bands=bands,
    )


@kind("per_item_deduction", "count", "per_item")
def _per_item(r: RuleReader) -> Rule:
    pn = r.need("per_item")
    per_item = r.ctx.number(pn, f"{r.rw}的 per_item", minimum=Decimal(0)) if pn is not None else None
    return Rule("per_item_deduction", count=r.formula("count"), per_item=per_item or Decimal(0))


@kind("formula", "score")
def _formula(r: RuleReader) -> Rule:
    return Rule("formula", score=r.formula("score"))


@kind("credibility", "layer", "against", "tolerance", "above")
def _credibility(r: RuleReader) -> Rule:
    ctx = r.ctx
    if r.layer_codes is None:
        ctx.add(
            r.node,
            f"{r.rw}须先在方案的 score_layers 中声明评分层",
            f"{r.what}: a credibility rule needs the scheme's score_layers",
        )
    codes = r.layer_codes or set()

    def layer(n: yaml.Node) -> str:
        code = ctx.text(n, "评分层代码") or ""
        if code and r.layer_codes is not None and code not in codes:
            ctx.add(
                n,
                f"“{code}” 不是 score_layers 中的评分层（可用: {'、'.join(sorted(codes))}）",
                f"{code!r} is not a layer of score_layers",
            )
        return code

    own = r.need("layer")
    self_layer = layer(own) if own is not None else ""
    against = tuple(layer(n) for n in r.items("against"))
    if self_layer and self_layer in against:
        ctx.add(r.m["against"], "against 不能包含 layer 本身", "against may not contain the layer itself")
    if "against" in r.m and not against:
        ctx.add(r.m["against"], "against 不能为空", "against may not be empty")
    tolerance = Decimal(0)
    if "tolerance" in r.m:
        tolerance = ctx.number(r.m["tolerance"], f"{r.rw}的 tolerance", minimum=Decimal(0)) or Decimal(0)
    above_node = r.need("above")
    above = (
        ctx.number(above_node, f"{r.rw}的 above（百分比）", minimum=Decimal(0), maximum=Decimal(100))
        if above_node is not None
        else None
    )
    return Rule(
        "credibility", layer=self_layer, against=against, tolerance=tolerance, above=above or Decimal(0)
    )
