"""The scoring engine: compile a scheme once into a plan, then score regions fast.

`compile_scheme(scheme)` resolves everything that does not depend on a region once: the computed items the
scheme needs in dependency order, one closure per leaf (its rule, labels and units already bound), the tree
shape, and which leaves and conditions read which names. `Scorer.score(regions)` then runs per region:
last year's computed items, this year's, every leaf closure, then rank rules across all the regions scored
together (ties share a rank: 1, 2, 2, 4), then subtotals, bonus (capped), deductions, conditions and grade.

`Scorer.rescore(results, region, values=…, previous=…, manual=…)` changes a few values of one region and
re-evaluates only the computed items, leaves and conditions that read them (transitively), then that
region's totals. Rank rules need the peer set: score() keeps, per rank rule, the known values in order (with
the region of each) and, for a peers'-average rule, their running sum. When a changed value feeds a rank
leaf, the value is moved in that order by bisect; only the peers whose outcome moves are touched — for a
points-by-rank rule those between the old and the new value (every ranked peer when the number of ranked
regions changes, as each explanation names it), for a peers'-average rule every peer only when the average
moved. A peer whose score stays has its explanation replaced in place; one whose score changed is
re-totalled. The list is left exactly as a full score() of the changed data would give it (proved by the
property test in tests/scoring/test_incremental_rescore.py).
"""

from __future__ import annotations

import gc
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_UP, Decimal, DecimalException, localcontext
from typing import Any

from lvzhi.schemes.formula import (
    Formula,
    Unavailable,
    Years,
    before,
    dependency_order,
    names_by_year,
    year_chain,
)
from lvzhi.schemes.model import Band, Condition, Indicator, Scheme
from lvzhi.schemes.names import names_read
from lvzhi.schemes.rule_text import places_words
from lvzhi.scoring.explain import ZERO, Env, Explain, dec, fmt, peer_average
from lvzhi.scoring.model import (
    SCORED,
    UNSCORED,
    ConditionResult,
    InputSpec,
    ItemMeta,
    ManualScore,
    Outcome,
    RegionInput,
    RegionResult,
    Sample,
)
from lvzhi.scoring.rule_scoring import (
    CROSS_REGION,
    LAYER_SCORERS,
    Body,
    LayerBody,
    LeafFn,
    compile_layered,
    compile_leaf,
)

_EMPTY: dict[str, Decimal] = {}


@dataclass(slots=True)
class _State:
    """Per-region working values kept for rescore()."""

    input: RegionInput
    cur: Env
    prv: Env
    reasons: dict[str, Unavailable]
    leaves: list[Outcome]
    rank_values: dict[int, Decimal | Unavailable]
    bonus: list[Outcome]
    deductions: list[Outcome]
    conditions: list[ConditionResult]
    peers: _Peers | None = None  # the regions scored together with this one (rank rules), set by score()
    slot: int = -1  # its position among them
    grade_pos: int | None = None  # the grade before quotas (set by _total; quotas compare regions)


@dataclass(slots=True)
class _Standing:
    """One rank rule over one peer set: the known values in ascending order and their running sum.

    Ranks come from bisect over `values` (ties share the best rank: 1, 2, 2, 4). The sum is kept running
    while every partial sum of the values ever seen is exact at 28 digits (`exact`, judged from the widest
    exponent range seen); otherwise it is summed again in the order a full score sums it, so the average
    — and every explanation that shows it — is exactly what a full score gives.
    """

    values: list[Decimal]
    owners: list[int]  # the slot of the region of each value
    total: Decimal
    low_exp: int  # smallest exponent ever seen
    high_adj: int  # largest adjusted exponent (magnitude) ever seen
    size: int  # at most this many values are summed (the number of regions)
    desc: bool
    summed: bool  # the rule needs the average (peer_average mode); else `total` is not kept

    @property
    def exact(self) -> bool:
        return self.high_adj + 1 + len(str(self.size)) - self.low_exp <= 28

    def widen(self, v: Decimal) -> None:
        exp = v.as_tuple().exponent
        if not isinstance(exp, int):  # NaN / Infinity: never trust the running sum again
            self.low_exp, self.high_adj = -(10**6), 10**6
            return
        self.low_exp = min(self.low_exp, exp)
        self.high_adj = max(self.high_adj, v.adjusted())

    def ordered_sum(self) -> Decimal:
        return sum(reversed(self.values) if self.desc else self.values, ZERO)

    def average(self) -> Decimal:
        n = len(self.values)
        return self.total / n if n else ZERO

    def move(self, slot: int, old: Decimal | None, new: Decimal | None) -> None:
        """The value of the region in `slot` changed from `old` to `new` (None: not known)."""
        values, owners = self.values, self.owners
        if old is not None:
            j = bisect_left(values, old)
            while owners[j] != slot:  # past the ties
                j += 1
            del values[j], owners[j]
        if new is not None:
            j = bisect_right(values, new)
            values.insert(j, new)
            owners.insert(j, slot)
            self.widen(new)
        if not self.summed:
            return
        if not self.exact:
            self.total = self.ordered_sum()
            return
        if old is not None:
            self.total -= old
        if new is not None:
            self.total += new


@dataclass(slots=True)
class _Peers:
    """The regions of one score() call: where each sits in the results list, and each rank rule's standing."""

    index: dict[str, int]  # region code -> position in the results list
    standings: dict[int, _Standing]  # by leaf index of the rank rule
    size: int


def _inputs_spec(scheme: Scheme, formulas: Iterable[Formula]) -> InputSpec:
    """What a rule reads: this year's names, then last year's, then older years' (as its formulas read them)."""
    read = {pair for f in formulas for pair in names_by_year(f.tree)}
    return tuple((c, *scheme.label(c), years) for c, years in sorted(read, key=lambda p: (p[1], p[0])))


@dataclass(frozen=True, slots=True)
class _RankPlan:
    index: int  # position among the scheme's leaves
    indicator: Indicator
    expr: Formula
    label: str
    unit: str


@dataclass(frozen=True, slots=True)
class _Node:
    code: str
    name: str
    points: Decimal
    depth: int
    leaf: int  # index into leaves, or -1 for a group
    children: tuple[int, ...]  # indices into the node list


class Scorer:
    """A scheme compiled for scoring. Build with `compile_scheme`."""

    def __init__(self, scheme: Scheme) -> None:
        self.scheme = scheme
        leaves = scheme.leaves()
        self.leaves = leaves
        self.leaf_index = {ind.code: i for i, ind in enumerate(leaves)}
        self.leaf_fns: list[LeafFn | None] = []
        self.fast_fns: list[Body] = []
        self.ranks: list[_RankPlan] = []
        # Items read from the score layers when a region is totalled: (0 leaf | 1 bonus | 2 deduction, index, fn)
        self.layer_items: list[tuple[int, int, LayerBody]] = []
        ex = Explain(scheme)
        for i, ind in enumerate(leaves):
            assert ind.rule is not None
            if ind.rule.kind in CROSS_REGION:
                assert ind.rule.expr is not None
                label, unit = ex.label(ind.rule.expr)
                self.ranks.append(_RankPlan(i, ind, ind.rule.expr, label, unit))
                self.leaf_fns.append(None)
                self.fast_fns.append(_rank_pending)
            elif ind.rule.kind in LAYER_SCORERS:
                self.layer_items.append((0, i, compile_layered(ind, scheme, "leaf", ex)))
                self.leaf_fns.append(None)
                self.fast_fns.append(_rank_pending)
            else:
                leaf_fn, fast_fn = compile_leaf(ind, scheme, "leaf", ex)
                self.leaf_fns.append(leaf_fn)
                self.fast_fns.append(fast_fn)
        self.bonus_fns = [self._extra(1, k, b, "bonus", ex) for k, b in enumerate(scheme.bonus)]
        self.deduction_fns = [self._extra(2, k, d, "deduction", ex) for k, d in enumerate(scheme.deductions)]
        self.explain = ex
        # Tree in pre-order; subtotals are computed children-first by walking it backwards.
        self.nodes: list[_Node] = []
        self.roots = tuple(self._add_node(ind, 0) for ind in scheme.indicators)
        # Groups numbered children-first; `layout` maps each tree position to a leaf (≥ 0) or a group (~g).
        group_of = {
            pos: g
            for g, pos in enumerate(p for p in reversed(range(len(self.nodes))) if self.nodes[p].leaf < 0)
        }
        self.groups = [
            (
                group_of[pos],
                self.nodes[pos].points,
                tuple(self.nodes[c].leaf for c in self.nodes[pos].children if self.nodes[c].leaf >= 0),
                tuple(group_of[c] for c in self.nodes[pos].children if self.nodes[c].leaf < 0),
            )
            for pos in sorted(group_of, key=group_of.__getitem__)
        ]
        self.layout = [n.leaf if n.leaf >= 0 else ~group_of[pos] for pos, n in enumerate(self.nodes)]
        self.leaf_position = {leaf: pos for pos, leaf in enumerate(self.layout) if leaf >= 0}
        specs = {
            ind.code: _inputs_spec(scheme, ind.rule.formulas())
            for ind in (*leaves, *scheme.bonus, *scheme.deductions)
            if ind.rule is not None
        }
        self.meta: list[ItemMeta] = [
            (n.code, n.name, n.points, "leaf" if n.leaf >= 0 else "group", n.depth, specs.get(n.code, ()))
            for n in self.nodes
        ]
        self.meta += [(b.code, b.name, b.points, "bonus", 0, specs[b.code]) for b in scheme.bonus]
        self.meta += [(d.code, d.name, d.points, "deduction", 0, specs[d.code]) for d in scheme.deductions]
        # Formulas read by the scheme, and the computed items they need (transitively), in order.
        reads: dict[str, set[int]] = {}  # name -> leaf indices reading it
        for i, ind in enumerate(leaves):
            assert ind.rule is not None
            for f in ind.rule.formulas():
                for n in f.names:
                    reads.setdefault(n, set()).add(i)
        needed = names_read(scheme)
        defs = {n: d.names for n in needed if (d := scheme.formula_of(n)) is not None}
        self.computed: list[tuple[str, Formula]] = []
        for n in dependency_order(defs):
            ordered = scheme.formula_of(n)
            if ordered is not None:
                self.computed.append((n, ordered))
        self.computed_names = {n for n, _ in self.computed}
        self.computed_fns = [(n, f.fn) for n, f in self.computed]
        self.computed_map = dict(self.computed)
        self.leaf_reads = reads
        self.grade_index = {g.code: i for i, g in enumerate(scheme.grades)}
        self.caps = {c.code: c for c in scheme.caps}
        # Declared rounding (half up), score layers, deductions charged to an indicator, grade quotas.
        r = scheme.rounding
        self.q_items = Decimal(1).scaleb(-r.items) if r.items is not None else None
        self.q_total = Decimal(1).scaleb(-r.total) if r.total is not None else None
        self.layers = scheme.score_layers
        self.leaf_codes = [ind.code for ind in leaves]
        position = {n.code: pos for pos, n in enumerate(self.nodes)}
        self.leaf_charges: dict[int, list[int]] = {}
        self.group_charges: dict[int, list[int]] = {}
        self.charged: set[int] = set()
        for k, ind in enumerate(scheme.deductions):
            if ind.charge_to:
                self.charged.add(k)
                x = self.layout[position[ind.charge_to]]
                target = self.leaf_charges if x >= 0 else self.group_charges
                target.setdefault(x if x >= 0 else ~x, []).append(k)
        names = {n.code: n.name for n in self.nodes}
        self.charge_names = {k: names[scheme.deductions[k].charge_to] for k in self.charged}
        self.quotas = any(g.quota is not None for g in scheme.grades)
        self.grade_text = self._grade_text  # bound once: a recipe per region, formatted when read

    def _extra(self, where: int, k: int, ind: Indicator, section: str, ex: Explain) -> LeafFn:
        """A bonus or deduction item's function (one read from the score layers waits for the total)."""
        assert ind.rule is not None
        if ind.rule.kind in LAYER_SCORERS:
            self.layer_items.append((where, k, compile_layered(ind, self.scheme, section, ex)))
            return _layer_pending
        return compile_leaf(ind, self.scheme, section, ex)[0]

    def _add_node(self, ind: Indicator, depth: int) -> int:
        pos = len(self.nodes)
        self.nodes.append(_Node(ind.code, ind.name, ind.points, depth, -1, ()))
        if ind.is_leaf:
            self.nodes[pos] = _Node(ind.code, ind.name, ind.points, depth, self.leaves.index(ind), ())
        else:
            kids = tuple(self._add_node(c, depth + 1) for c in ind.children)
            self.nodes[pos] = _Node(ind.code, ind.name, ind.points, depth, -1, kids)
        return pos

    # ------------------------------------------------------------------------------------ scoring
    def score(self, regions: Sequence[RegionInput]) -> list[RegionResult]:
        """Score regions together (rank rules rank among exactly these regions)."""
        # Scoring allocates hundreds of thousands of small acyclic tuples and dicts; the cyclic garbage
        # collector would walk the growing result set again and again for nothing (measured: ~45 % of the
        # run time for 2,850 regions), so it is paused for the call and restored after.
        paused = gc.isenabled()
        gc.disable()
        try:
            with localcontext() as ctx:
                ctx.prec = 28
                states = [self._evaluate(r) for r in regions]
                self._rank_all(states)
                results = [self._total(s) for s in states]
                if self.quotas:
                    self._apply_quotas(results)
                return results
        finally:
            if paused:
                gc.enable()

    def rescore(
        self,
        results: list[RegionResult],
        region: str,
        values: Mapping[str, Decimal | None] | None = None,
        previous: Mapping[str, Decimal | None] | None = None,
        manual: Mapping[str, ManualScore | None] | None = None,
        layers: Mapping[str, Mapping[str, Decimal]] | None = None,
        samples: Mapping[str, Sample | None] | None = None,
    ) -> RegionResult:
        """Change some values (None removes one) of one region in `results` (updated in place); return it.
        `layers`, when given, replaces the region's score layers (layer → leaf → points) as a whole;
        `samples` changes the samples of some values (None removes one): only explanations move."""
        # As in score(): a full collection over thousands of held results costs far more than the re-score.
        paused = gc.isenabled()
        gc.disable()
        try:
            return self._rescore(results, region, values, previous, manual, layers, samples)
        finally:
            if paused:
                gc.enable()

    def _rescore(
        self,
        results: list[RegionResult],
        region: str,
        values: Mapping[str, Decimal | None] | None,
        previous: Mapping[str, Decimal | None] | None,
        manual: Mapping[str, ManualScore | None] | None,
        layers: Mapping[str, Mapping[str, Decimal]] | None = None,
        samples: Mapping[str, Sample | None] | None = None,
    ) -> RegionResult:
        with localcontext() as ctx:
            ctx.prec = 28
            pos = self._position(results, region)
            state: _State = results[pos].state
            inp = state.input
            new_values = dict(inp.values)
            new_prev = dict(inp.previous)
            new_manual = dict(inp.manual)
            changed: set[str] = set()
            for target, source in ((new_values, values), (new_prev, previous)):
                for k, v in (source or {}).items():
                    changed.add(k)
                    if v is None:
                        target.pop(k, None)
                    else:
                        target[k] = v
            manual_changed: set[str] = set()
            for k, m in (manual or {}).items():
                manual_changed.add(k)
                if m is None:
                    new_manual.pop(k, None)
                else:
                    new_manual[k] = m
            new_samples = inp.samples
            if samples:
                new_samples = {k: s for k, s in {**inp.samples, **samples}.items() if s is not None}
            # The constructor, not dataclasses.replace(): this runs on every save.
            state.input = RegionInput(
                inp.region,
                inp.name,
                new_values,
                new_prev,
                new_manual,
                inp.earlier,
                inp.layers if layers is None else layers,
                new_samples,
            )
            # Fresh dicts: results handed out before keep showing the values they were scored on.
            state.cur, state.prv = dict(state.cur), Years(state.prv, before(state.prv))
            # Computed items downstream of the change, recomputed in dependency order.
            affected = set(changed)
            for n, f in self.computed:
                if f.names & affected:
                    affected.add(n)
            older = before(state.prv)
            for env, stated, other in ((state.prv, new_prev, older), (state.cur, new_values, state.prv)):
                for k in changed:
                    if k in stated:
                        env[k] = stated[k]
                    else:
                        env.pop(k, None)
                for n, f in self.computed:
                    if n in affected and n not in stated:
                        env.pop(n, None)
                        self._compute(n, f, env, other, state.reasons if env is state.cur else None)
            leaves = {i for n in affected for i in self.leaf_reads.get(n, ())}
            leaves |= {self.leaf_index[c] for c in manual_changed if c in self.leaf_index}
            for i in leaves:
                fn = self.leaf_fns[i]
                if fn is not None:
                    state.leaves[i] = fn(state.cur, state.prv, new_manual, state.reasons)
            self._extras(state)
            touched_ranks = [p for p in self.ranks if p.index in leaves]
            if touched_ranks:
                peers = state.peers
                if (
                    peers is None
                    or peers.size != len(results)
                    or any(r.state.peers is not peers for r in results)
                ):
                    # Not the list one score() call returned (e.g. joined from several): rank among exactly
                    # these regions, every rank rule, as a full score of them would.
                    self._rank_again(results, pos, state)
                elif not all(
                    [self._rerank(p, results, pos, state, refresh_all=False) for p in touched_ranks]
                ):
                    self._rank_again(results, pos, state)
            results[pos] = self._total(state)
            if self.quotas:  # every region's place under a quota may move: settled again over the list
                self._apply_quotas(results)
            return results[pos]

    def _rank_again(self, results: list[RegionResult], pos: int, state: _State) -> None:
        """Make `results` a peer set of its own and bring every rank outcome in it up to date."""
        self._peer_set([r.state for r in results])
        for plan in self.ranks:
            self._rerank(plan, results, pos, state, refresh_all=True)

    def _position(self, results: Sequence[RegionResult], region: str) -> int:
        """Where `region` is in `results`: from the index of its score() call, else by a scan."""
        peers: _Peers | None = getattr(results[0].state, "peers", None) if results else None
        if peers is not None:
            i = peers.index.get(region)
            if i is not None and i < len(results) and results[i].region == region:
                return i
        for i, r in enumerate(results):
            if r.region == region:
                return i
        raise KeyError(region)

    def _rerank(
        self, plan: _RankPlan, results: list[RegionResult], pos: int, state: _State, refresh_all: bool
    ) -> bool:
        """Move one region's value in a rank rule's standing; re-score only the peers whose outcome moves.

        Ranks: a peer's rank changes only if its value lies between the old and the new value; every peer's
        explanation changes when the number of ranked regions does. Peer average: every peer changes only
        when the average moves. A peer whose score is unchanged gets its explanation replaced in place; one
        whose score changed is re-totalled. False: `results` is not in the order score() gave (nothing is
        consistent until the caller re-ranks it as a new peer set).
        """
        idx = plan.index
        assert state.peers is not None
        standing = state.peers.standings[idx]
        old = state.rank_values.get(idx)
        new = self._rank_value(plan, state)
        state.rank_values[idx] = new
        old_d = old if isinstance(old, Decimal) else None
        new_d = new if isinstance(new, Decimal) else None
        count, average = len(standing.values), standing.average() if standing.summed else ZERO
        standing.move(state.slot, old_d, new_d)
        score_one = self._rank_scorer(plan, standing)
        state.leaves[idx] = score_one(new_d) if new_d is not None else self._rank_unscored(new, state)
        rule = plan.indicator.rule
        assert rule is not None
        # Share bands: a moved value changes who is in the top p % at both ends of its move and at the
        # band edges, wherever they are; every peer is looked at (as for a moved average).
        every = refresh_all or len(standing.values) != count or rule.mode == "share"
        if not every and rule.mode == "peer_average":
            if standing.average() == average:
                return True
            every = True
        where = self.leaf_position[idx]
        if every and rule.mode == "ranks":
            for slot, out in self._ranked(plan, standing):  # every ranked peer, in order: no bisect each
                if slot >= len(results) or results[slot].state.slot != slot:
                    return False
                s = results[slot].state
                if s is not state:
                    self._reoutcome(results, slot, s, idx, where, out)
            return True
        if every:  # _reoutcome() inlined: this loop runs for every peer
            for i, r in enumerate(results):
                s = r.state
                v = s.rank_values[idx]
                if type(v) is not Decimal or s is state:
                    continue
                out = score_one(v)
                leaves = s.leaves
                before = leaves[idx]
                leaves[idx] = out
                if before[0] == out[0] and before[1] == out[1]:
                    r.replace_outcome(where, out)
                else:
                    results[i] = self._total(s)
            return True
        if old_d is None or new_d is None or old_d == new_d:
            return True  # not ranked before and after (or not moved): no peer moves
        # Ranks: only the peers between the old and the new value move (found by bisect, not by a scan).
        lo, hi = (old_d, new_d) if old_d < new_d else (new_d, old_d)
        values = standing.values
        for slot in standing.owners[bisect_left(values, lo) : bisect_right(values, hi)]:
            if slot >= len(results) or results[slot].state.slot != slot:
                return False
            s = results[slot].state
            if s is not state:
                self._reoutcome(results, slot, s, idx, where, score_one(s.rank_values[idx]))
        return True

    def _reoutcome(
        self, results: list[RegionResult], i: int, s: _State, idx: int, where: int, out: Outcome
    ) -> None:
        before = s.leaves[idx]
        s.leaves[idx] = out
        if before[0] == out[0] and before[1] == out[1]:
            results[i].replace_outcome(where, out)  # same score: only the explanation moves
        else:
            results[i] = self._total(s)

    def _compute(
        self,
        name: str,
        f: Formula,
        env: Env,
        other: Mapping[str, Decimal],
        reasons: dict[str, Unavailable] | None,
    ) -> None:
        try:
            v = f.evaluate(env, other)
        except Unavailable as exc:
            if reasons is not None:
                reasons[name] = exc
            return
        except DecimalException as exc:
            if reasons is not None:
                zh = "除数为零" if isinstance(exc, ZeroDivisionError) else "数值超出可计算范围"
                reasons[name] = Unavailable(zh, zh)
            return
        env[name] = v if type(v) is Decimal else Decimal(v)
        if reasons is not None:
            reasons.pop(name, None)

    def _evaluate(self, region: RegionInput) -> _State:
        prv = year_chain(region.previous, region.earlier)
        if region.earlier:
            self._compute_earlier(prv.earlier)
        cur: Env = dict(region.values)
        reasons: dict[str, Unavailable] = {}
        # Inlined _compute (this loop runs for every computed item of every region).
        for n, fn in self.computed_fns:
            if n not in prv:  # a stated figure wins over the computed one
                try:
                    v = fn(prv, prv.earlier)
                except (KeyError, Unavailable, DecimalException):
                    continue
                prv[n] = v if type(v) is Decimal else Decimal(v)
        for n, fn in self.computed_fns:
            if n not in cur:
                try:
                    v = fn(cur, prv)
                except (KeyError, Unavailable, DecimalException):
                    self._compute(n, self.computed_map[n], cur, prv, reasons)  # again, to record why
                    continue
                cur[n] = v if type(v) is Decimal else Decimal(v)
        manual = region.manual
        try:
            # Fast path: no per-leaf try. Most regions have every figure; when one is missing anywhere, the
            # region is evaluated again leaf by leaf, each leaf catching its own trouble.
            leaves = [fn(cur, prv, manual) for fn in self.fast_fns]
        except (KeyError, Unavailable, DecimalException):
            leaves = [fn(cur, prv, manual, reasons) if fn is not None else _PENDING for fn in self.leaf_fns]
        state = _State(region, cur, prv, reasons, leaves, {}, [], [], [])
        self._extras(state)
        for plan in self.ranks:
            state.rank_values[plan.index] = self._rank_value(plan, state)
        return state

    def _compute_earlier(self, env: Mapping[str, Decimal]) -> None:
        """Computed items of the years before last year, oldest first (a history window may read them)."""
        if not isinstance(env, Years):
            return
        self._compute_earlier(env.earlier)
        for n, f in self.computed:
            if n not in env:
                self._compute(n, f, env, env.earlier, None)

    def _extras(self, state: _State) -> None:
        cur, prv, manual, reasons = state.cur, state.prv, state.input.manual, state.reasons
        state.bonus = [fn(cur, prv, manual, reasons) for fn in self.bonus_fns]
        state.deductions = [fn(cur, prv, manual, reasons) for fn in self.deduction_fns]
        state.conditions = [self._condition(c, state) for c in (*self.scheme.vetoes, *self.scheme.caps)]

    def _condition(self, c: Condition, state: _State) -> ConditionResult:
        try:
            hit = bool(c.when.evaluate(state.cur, state.prv))
        except Unavailable as exc:
            reason = self.explain.unavailable(exc, state.reasons).replace("无法评分", "无法判断")
            return ConditionResult(c.code, c.name, c.kind, None, f"{c.name}：{reason}")
        return ConditionResult(
            c.code, c.name, c.kind, hit, None, (self._condition_text, (c, hit, state.cur, state.prv))
        )

    def _condition_text(self, c: Condition, hit: bool, cur: Env, prv: Env) -> str:
        if not hit:
            effect = "未触发"
        elif c.kind == "veto":
            effect = "一票否决，评为最低等次"
        elif c.kind == "max_grade":
            effect = f"不得高于 {c.max_grade}"
        else:
            effect = f"降低 {c.demote} 个等次"
        return f"{c.name}：{self.explain.describe(c.when, hit, cur, prv)} → {effect}"

    def _rank_value(self, plan: _RankPlan, state: _State) -> Decimal | Unavailable:
        try:
            return dec(plan.expr.evaluate(state.cur, state.prv))
        except Unavailable as exc:
            return exc

    def peer_texts(self, results: Sequence[RegionResult]) -> dict[str, str]:
        """Per peers'-average rank leaf of these results (one peer set): the part of its explanation every
        peer shares (the number of peers and their average), exactly as the explanations print it."""
        peers = getattr(results[0].state, "peers", None) if results else None
        out: dict[str, str] = {}
        for plan in self.ranks:
            rule = plan.indicator.rule
            if peers is not None and rule is not None and rule.mode == "peer_average":
                standing = peers.standings[plan.index]
                out[plan.indicator.code] = peer_average(len(standing.values), standing.average(), plan.unit)
        return out

    def _rank_all(self, states: Sequence[_State]) -> None:
        """Rank every rank rule among exactly these regions (one peer set), setting each region's outcome."""
        peers = self._peer_set(states)
        for plan in self.ranks:
            score_one = self._rank_scorer(plan, peers.standings[plan.index])
            for s in states:
                value = s.rank_values[plan.index]
                if isinstance(value, Decimal):
                    s.leaves[plan.index] = score_one(value)
                else:
                    s.leaves[plan.index] = self._rank_unscored(value, s)

    def _peer_set(self, states: Sequence[_State]) -> _Peers:
        """Make these regions one peer set: their positions and each rank rule's standing."""
        peers = _Peers({}, {}, len(states))
        for i, s in enumerate(states):
            peers.index.setdefault(s.input.region, i)
            s.peers = peers
            s.slot = i
        for plan in self.ranks:
            rule = plan.indicator.rule
            assert rule is not None
            known_at = {
                i: v for i, s in enumerate(states) if isinstance(v := s.rank_values[plan.index], Decimal)
            }
            owners = sorted(known_at, key=known_at.__getitem__)  # stable: ties in slot order
            known = [known_at[i] for i in owners]
            summed = rule.mode == "peer_average"
            standing = _Standing(known, owners, ZERO, 0, 0, len(states), rule.order == "desc", summed)
            if summed:
                for v in known:
                    standing.widen(v)
                standing.total = standing.ordered_sum()
            peers.standings[plan.index] = standing
        return peers

    def _rank_unscored(self, value: Decimal | Unavailable, s: _State) -> Outcome:
        assert isinstance(value, Unavailable)
        return None, UNSCORED, self.explain.unavailable(value, s.reasons), None

    def _rank_scorer(self, plan: _RankPlan, standing: _Standing) -> Callable[[Decimal], Outcome]:
        """The outcome of one known value in the standing as it is now (ties share a rank: 1, 2, 2, 4)."""
        rule = plan.indicator.rule
        assert rule is not None
        points = plan.indicator.points
        pts = fmt(points)
        n = len(standing.values)
        desc = rule.order == "desc"
        better = "≥" if desc else "≤"
        worse = "<" if desc else ">"
        label, unit = plan.label, plan.unit

        if rule.mode == "peer_average":
            below = rule.below * points
            average = standing.average()

            shared = peer_average(n, average, unit)

            def average_text(value: Decimal, ok: bool, score: Decimal) -> str:
                return f"{label} {fmt(value)}{unit} {better if ok else worse} {shared} → {fmt(score)}/{pts}"

            def by_average(value: Decimal) -> Outcome:
                ok = value >= average if desc else value <= average
                score = points if ok else below
                return score, SCORED, None, (average_text, (value, ok, score))

            return by_average

        values = standing.values  # the standing does not move while this is used
        if rule.mode == "share":
            bands, rest = rule.bands, rule.rest if rule.rest is not None else ZERO

            def share_text(value: Decimal, level: int, band: Band | None, score: Decimal) -> str:
                where = f"位于前 {fmt(band.min)}%" if band is not None else f"不在前 {fmt(bands[-1].min)}%"
                return (
                    f"{label} {fmt(value)}{unit}，在 {n} 个地区中 {level} 个（含并列）不差于它，"
                    f"{where} → {fmt(score)}/{pts}"
                )

            def by_share(value: Decimal) -> Outcome:
                # Ties count together: a region is in the top p % only when every region as good as it
                # fits there, so a band never holds more than p % of the peers and tied regions score alike.
                level = n - bisect_left(values, value) if desc else bisect_right(values, value)
                for band in bands:
                    if level * 100 <= band.min * n:
                        return band.score, SCORED, None, (share_text, (value, level, band, band.score))
                return rest, SCORED, None, (share_text, (value, level, None, rest))

            return by_share

        at = self._rank_at(plan, n)

        def by_rank(value: Decimal) -> Outcome:
            return at(value, n - bisect_right(values, value) + 1 if desc else bisect_left(values, value) + 1)

        return by_rank

    def _rank_at(self, plan: _RankPlan, n: int) -> Callable[[Decimal, int], Outcome]:
        """The outcome of a value at a rank among `n` ranked regions (points-by-rank rules)."""
        rule = plan.indicator.rule
        assert rule is not None
        pts = fmt(plan.indicator.points)
        label, unit = plan.label, plan.unit
        table = rule.points_by_rank
        rest = rule.rest if rule.rest is not None else (table[-1] if table else ZERO)
        size = len(table)

        def rank_text(value: Decimal, rank: int, score: Decimal) -> str:
            return f"{label} {fmt(value)}{unit}，在 {n} 个地区中排第 {rank} → {fmt(score)}/{pts}"

        def at(value: Decimal, rank: int) -> Outcome:
            score = table[rank - 1] if rank <= size else rest
            return score, SCORED, None, (rank_text, (value, rank, score))

        return at

    def _ranked(self, plan: _RankPlan, standing: _Standing) -> Iterator[tuple[int, Outcome]]:
        """(slot, outcome) of every ranked region of a points-by-rank rule: ranks from the positions in
        the order, walked once from the best (a tie has the rank of the first of its run), no bisect each."""
        rule = plan.indicator.rule
        assert rule is not None
        values, owners = standing.values, standing.owners
        n = len(values)
        at = self._rank_at(plan, n)
        rank = 0
        if rule.order == "desc":
            for j in range(n - 1, -1, -1):
                v = values[j]
                if j == n - 1 or v != values[j + 1]:
                    rank = n - j
                yield owners[j], at(v, rank)
        else:
            for j in range(n):
                v = values[j]
                if j == 0 or v != values[j - 1]:
                    rank = j + 1
                yield owners[j], at(v, rank)

    def _total(self, s: _State) -> RegionResult:
        leaves = s.leaves
        bonus_out, ded_out = s.bonus, s.deductions
        if self.layers is not None and s.input.layers:
            leaves = self._layered(leaves, s.input.layers)
        if self.layer_items:
            leaves, bonus_out, ded_out = list(leaves), list(bonus_out), list(ded_out)
            parts = (leaves, bonus_out, ded_out)
            for where, k, layer_fn in self.layer_items:
                parts[where][k] = layer_fn(s.input.layers)
        q = self.q_items
        if q is not None:
            leaves = [_rounded(o, q) for o in leaves]
            bonus_out = [_rounded(o, q) for o in bonus_out]
            ded_out = [_rounded(o, q) for o in ded_out]
        # Charged deduction → the points its indicator could still give (a shared empty dict when none).
        taken: dict[int, Decimal] = {} if self.charged else _NO_TAKEN
        if self.leaf_charges:
            leaves = list(leaves)
            for i, ds in self.leaf_charges.items():
                leaves[i] = self._charge(leaves[i], ds, ded_out, taken)
        groups: list[Outcome] = [_PENDING] * len(self.groups)
        opens = [0] * len(self.groups)
        group_charges = self.group_charges
        for g, points, leaf_kids, group_kids in self.groups:  # children before parents
            total = ZERO
            status = SCORED
            open_items = 0
            for i in leaf_kids:
                score, st, _, _ = leaves[i]
                if st != SCORED:
                    open_items += 1
                    if status != UNSCORED:
                        status = st  # unscored outranks manual-pending
                if score is not None:
                    total += score
            for c in group_kids:
                score, st, _, _ = groups[c]
                open_items += opens[c]
                if st != SCORED and status != UNSCORED:
                    status = st
                total += score or ZERO
            groups[g] = (total, status, None, (_group_text, (total, points, open_items)))
            if group_charges and g in group_charges:
                groups[g] = self._charge(groups[g], self.group_charges[g], ded_out, taken)
            opens[g] = open_items
        outcomes = [leaves[x] if x >= 0 else groups[~x] for x in self.layout]
        base = sum((outcomes[r][0] or ZERO for r in self.roots), ZERO)
        complete = all(outcomes[r][1] == SCORED for r in self.roots)
        bonus_raw = ZERO
        for b in bonus_out:
            if b[0] is not None:
                bonus_raw += b[0]
            complete = complete and b[1] == SCORED
        cap = self.scheme.bonus_cap
        bonus = min(bonus_raw, cap) if cap is not None else bonus_raw
        general = ZERO  # deductions taken off the total (not charged to an indicator)
        for d, out in enumerate(ded_out):
            if out[0] is not None and d not in self.charged:
                general += out[0]
            complete = complete and out[1] == SCORED
        if taken:
            ded_out = [
                (taken[d], o[1], None, (_charged_text, (o, self.charge_names[d], taken[d])))
                if d in taken
                else o
                for d, o in enumerate(ded_out)
            ]
        d_cap = self.scheme.deduction_cap
        general_capped = min(general, d_cap) if d_cap is not None else general
        raw_total = max(ZERO, base + bonus - general_capped)
        total = raw_total.quantize(self.q_total, ROUND_HALF_UP) if self.q_total is not None else raw_total
        grades = self.scheme.grades
        grade_pos: int | None
        if complete and grades and all(c.triggered is False for c in s.conditions):
            # The usual case, inlined (it runs for every region): no condition triggered or open.
            grade_pos = next((i for i, g in enumerate(grades) if total >= g.min), len(grades) - 1)
            trail: tuple[Any, ...] = (grade_pos, grade_pos, (), 0, (), False)
            judged = True
        else:
            grade_pos, trail, judged = self._grade(total, s.conditions, complete)
        s.grade_pos = grade_pos
        grade = grades[grade_pos] if grade_pos is not None else None
        return RegionResult(
            s.input.region,
            s.input.name,
            total,
            grade.code if grade else None,
            grade.name if grade else None,
            judged,
            bonus,
            general_capped + sum(taken.values(), ZERO) if taken else general_capped,
            s.conditions,
            self.meta,
            [*outcomes, *bonus_out, *ded_out],
            s,
            (self.grade_text, (raw_total, total, general, general_capped, trail, grade_pos is not None)),
        )

    def _grade(
        self, total: Decimal, conditions: Sequence[ConditionResult], complete: bool
    ) -> tuple[int | None, tuple[Any, ...], bool]:
        """The grade position and how it was reached. The order is fixed, whatever the file's order:
        the grade the total reaches; then the strictest triggered cap (不得高于); then all triggered
        demotions together (降 n 个等次), counted from the capped grade; a triggered veto sets the lowest.
        Caps before demotions: a cap is a ceiling and a demotion a penalty, so a region capped at B and
        demoted once ends at C — each triggered condition has its effect, and no order in the file
        changes the result (the strictest cap and the sum of demotions do not depend on order)."""
        grades = self.scheme.grades
        if not grades:
            return None, (), complete and all(c.triggered is not None for c in conditions)
        last = len(grades) - 1
        reached = next((i for i, g in enumerate(grades) if total >= g.min), last)
        cap_pos, demote, vetoed, judged = reached, 0, False, complete
        caps: tuple[str, ...] = ()
        demotions: tuple[str, ...] = ()
        for cond in conditions:
            if cond.triggered is None:
                judged = False
            elif cond.triggered:
                if cond.kind == "veto":
                    vetoed = True
                elif cond.kind == "max_grade":
                    limit = self.caps[cond.code].max_grade or grades[-1].code
                    cap_pos = max(cap_pos, self.grade_index[limit])
                    caps = (*caps, cond.name)
                else:
                    demote += self.caps[cond.code].demote
                    demotions = (*demotions, cond.name)
        pos = min(last, cap_pos + demote)
        if vetoed:
            pos = last
        trail = (reached, cap_pos, caps, demote, demotions, vetoed)
        if not vetoed and not judged:
            return None, trail, False  # unknown until every item is scored and every condition judged
        return pos, trail, judged

    def _grade_text(
        self,
        raw: Decimal,
        total: Decimal,
        general: Decimal,
        capped: Decimal,
        trail: tuple[Any, ...],
        graded: bool = True,
    ) -> str:
        """How the total and the grade were reached, step by step (for pages and reports)."""
        parts = []
        if capped != general:
            parts.append(f"扣分合计 {fmt(general)} 分，累计不超过 {fmt(capped)} 分")
        places = self.scheme.rounding.total
        shown = format(total, "f")
        if places is not None and raw != total:
            parts.append(f"总分 {_exact(raw)} 保留{places_words(places)}为 {shown}")
        else:
            parts.append(f"总分 {shown}")
        if not trail:
            return "；".join(parts)
        if not graded:
            parts.append("尚有未评分的指标或无法判断的条件，暂不评定等次")
            return "；".join(parts)
        grades = self.scheme.grades
        reached, cap_pos, caps, demote, demotions, vetoed = trail
        g = grades[reached]
        parts.append(f"达到“{g.name}”（不低于 {fmt(g.min)} 分）")
        if cap_pos != reached:
            parts.append(f"因{'、'.join(caps)}不得高于“{grades[cap_pos].name}”")
        if demote:
            to = grades[min(len(grades) - 1, cap_pos + demote)]
            parts.append(f"因{'、'.join(demotions)}降低 {demote} 个等次为“{to.name}”")
        if vetoed:
            parts.append(f"一票否决，评为“{grades[-1].name}”")
        return "；".join(parts)

    def _layered(self, leaves: list[Outcome], given: Mapping[str, Mapping[str, Decimal]]) -> list[Outcome]:
        """Each leaf scored by a layer gets the score the scheme's `final` rule chooses among its layers."""
        assert self.layers is not None
        out = list(leaves)
        final = self.layers.final
        for i, code in enumerate(self.leaf_codes):
            present = [
                (layer.name, given[layer.code][code])
                for layer in self.layers.layers
                if code in given.get(layer.code, {})
            ]
            if not present:
                continue
            points = self.leaves[i].points
            bad = next((p for p in present if not ZERO <= p[1] <= points), None)
            if bad is not None:
                out[i] = (None, UNSCORED, f"无法评分：{bad[0]}得分 {fmt(bad[1])} 超出 0–{fmt(points)}", None)
                continue
            scores = [v for _, v in present]
            if final == "first":
                chosen, how = present[0][1], f"取{present[0][0]}"
            elif final == "min":
                chosen, how = min(scores), "取最低"
            elif final == "max":
                chosen, how = max(scores), "取最高"
            else:
                chosen, how = sum(scores, ZERO) / len(scores), "取平均"
            out[i] = (chosen, SCORED, None, (_layer_text, (tuple(present), how, chosen, points, leaves[i])))
        return out

    def _charge(
        self, o: Outcome, ds: list[int], ded_out: Sequence[Outcome], taken: dict[int, Decimal]
    ) -> Outcome:
        """Take the charged deductions from an indicator's score, never below 0 (扣完该项为止)."""
        score = o[0]
        left = score if score is not None else ZERO
        for d in ds:
            want = ded_out[d][0] or ZERO
            take = min(want, left)
            left -= take
            taken[d] = take
        if score is None or left == score:
            return o
        return left, o[1], None, (_after_charges_text, (o, score, left))

    def _apply_quotas(self, results: list[RegionResult]) -> None:
        """Grade quotas over the regions scored together, best grade first: at most quota % of them keep a
        grade; the others, lowest totals first, go one grade down (and may meet the next quota there).
        Regions with the same total are treated alike: a tie at the limit goes down together, so a quota is
        never exceeded. Regions without a grade (incomplete) take no place."""
        grades = self.scheme.grades
        n = len(results)
        pos = [r.state.grade_pos for r in results]
        notes: dict[int, list[str]] = {}
        for g, grade in enumerate(grades):
            if grade.quota is None:
                continue
            limit = int((grade.quota * n / 100).to_integral_value(ROUND_FLOOR))
            at = [i for i, p in enumerate(pos) if p == g]
            if len(at) <= limit:
                continue
            at.sort(key=lambda i: results[i].total, reverse=True)
            first_out = results[at[limit]].total
            for i in at:
                if results[i].total <= first_out:
                    pos[i] = g + 1
                    notes.setdefault(i, []).append(
                        f"“{grade.name}”不超过 {fmt(grade.quota)}%（{n} 个地区中至多 {limit} 个），"
                        f"总分 {fmt(results[i].total)} 未进入名额 → “{grades[g + 1].name}”"
                    )
        for i, r in enumerate(results):
            p = pos[i]
            r.grade = grades[p].code if p is not None else None
            r.grade_name = grades[p].name if p is not None else None
            s: _State = r.state
            r.conditions = s.conditions
            if i in notes:
                r.conditions = [
                    *s.conditions,
                    ConditionResult("quota", "等次名额", "quota", True, "；".join(notes[i])),
                ]


_PENDING: Outcome = (None, UNSCORED, "", None)
_NO_REASONS: dict[str, Unavailable] = {}
_NO_TAKEN: dict[int, Decimal] = {}  # never written: _charge() runs only for schemes with charged deductions


def _layer_pending(cur: Env, prv: Env, scores: Mapping[str, ManualScore], reasons: object) -> Outcome:
    return _PENDING  # scored from the score layers when the region is totalled


def _rank_pending(cur: Env, prv: Env, scores: Mapping[str, ManualScore]) -> Outcome:
    return _PENDING  # rank leaves are scored across all regions afterwards


def _explained(o: Outcome) -> str:
    if o[2] is not None:
        return o[2]
    if o[3] is None:
        return ""
    fn, args = o[3]
    return fn(*args)


def _exact(d: Decimal) -> str:
    """A value with enough digits to see why it was rounded (17.999999…)."""
    cut = d.quantize(Decimal("0.000001"), ROUND_DOWN)
    text = format(cut.normalize(), "f") if cut else "0"
    return text + ("…" if cut != d else "")


def _rounded(o: Outcome, q: Decimal) -> Outcome:
    score = o[0]
    if score is None:
        return o
    r = score.quantize(q, ROUND_HALF_UP)
    if r == score:
        return o
    return r, o[1], None, (_rounded_text, (o, score, r, -int(q.as_tuple().exponent)))


def _rounded_text(o: Outcome, raw: Decimal, r: Decimal, places: int) -> str:
    return f"{_explained(o)}（得分保留{places_words(places)}：{_exact(raw)} → {format(r, 'f')}）"


def _layer_text(
    present: tuple[tuple[str, Decimal], ...], how: str, chosen: Decimal, points: Decimal, rule: Outcome
) -> str:
    shown = "、".join(f"{name} {fmt(v)}" for name, v in present)
    ruled = f"（按规则：{_explained(rule)}）" if rule[0] is not None and rule[1] == SCORED else ""
    return f"{shown} → {how} {fmt(chosen)}/{fmt(points)}{ruled}"


def _after_charges_text(o: Outcome, before: Decimal, left: Decimal) -> str:
    return f"{_explained(o)}；扣分项扣减 {fmt(before - left)} 分（扣完该项为止）→ {fmt(left)}"


def _charged_text(o: Outcome, target: str, take: Decimal) -> str:
    want = o[0] or ZERO
    kept = "" if take == want else f"，该项仅余 {fmt(take)} 分，扣完为止"
    return f"{_explained(o)}；计入指标“{target}”扣减 {fmt(take)} 分{kept}"


def _group_text(total: Decimal, points: Decimal, open_items: int) -> str:
    note = f"（{open_items} 项未评分，按 0 计）" if open_items else ""
    return f"下级指标合计 {fmt(total)}/{fmt(points)}{note}"


def compile_scheme(scheme: Scheme) -> Scorer:
    """Compile a scheme once into a scorer plan."""
    return Scorer(scheme)
