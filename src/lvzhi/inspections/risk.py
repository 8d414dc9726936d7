"""Risk-based selection of regions to inspect (pure: no Django, no ORM).

Two halves, both plain functions of plain data so that anyone holding the stored inputs can re-run them:

* `assess(facts, settings)` — a risk score per region with the reasons that make it up: credibility history
  (self-scores against reviewer/verified scores, through lvzhi.scoring.over_scoring — the same comparison the
  `credibility` rule kind scores), report-reader findings, statistical anomalies (year-on-year jumps beyond a
  threshold, values sitting exactly on a scoring threshold, a last-digit uniformity test where the sample is
  big enough) and overdue rectification.
* `draw(candidates, n, seed, floor)` — a stratified, weighted random draw without replacement. Each region's
  weight is floor + risk, so risk raises the chance of a visit but never removes anyone's chance; the slots
  are shared among strata in proportion to their size, the leftover slots by lot in proportion to the
  fractional remainders (so a stratum too small for a whole slot still has a chance). Only integer
  arithmetic and `random.Random(seed).randrange` are used, so the same seed and inputs give the same draw on
  any machine.
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from lvzhi.schemes.formula import Unavailable
from lvzhi.schemes.model import Scheme
from lvzhi.scoring import fmt, over_scoring

ZERO = Decimal(0)
HUNDRED = Decimal(100)
# χ² critical value for 9 degrees of freedom at the 1 % level: last digits 0–9 of honest counts are close
# to uniform, so a statistic above this is a pattern worth a visit (not proof of anything).
CHI2_9DF_1PCT = Decimal("21.666")


@dataclass(frozen=True, slots=True)
class RiskSettings:
    """The office's knobs of risk-based selection (per round); stored with every draw so that the draw, its
    risk scores and its inclusion probabilities can be recomputed with the settings of that day. The defaults
    here are the platform's defaults (SETTING_SPECS below gives each knob its Chinese name and its bounds)."""

    tolerance: Decimal = ZERO  # a self-score counts as over-scored only above reference + tolerance
    credibility_weight: Decimal = Decimal(40)  # points for a region that over-scored every compared item
    per_finding: Decimal = Decimal(4)
    findings_cap: Decimal = Decimal(20)
    jump_percent: Decimal = Decimal(30)  # a year-on-year change beyond ±30 % is a jump
    per_jump: Decimal = Decimal(3)
    jumps_cap: Decimal = Decimal(15)
    per_on_threshold: Decimal = Decimal(3)
    on_threshold_cap: Decimal = Decimal(15)
    digit_sample: int = 50  # the last-digit test runs only with at least this many figures
    digit_points: Decimal = Decimal(10)
    per_overdue: Decimal = Decimal(5)
    overdue_cap: Decimal = Decimal(20)
    floor: Decimal = Decimal(
        10
    )  # every region's weight in the draw is floor + risk: its chance never vanishes
    verified_tolerance: Decimal = (
        ZERO  # default allowed deviation (%) of a verified figure from the reported one
    )

    def as_dict(self) -> dict[str, str | int]:
        return {k: (v if isinstance(v, int) else str(v)) for k, v in _fields(self).items()}

    @classmethod
    def from_dict(cls, data: Mapping[str, str | int]) -> RiskSettings:
        """Settings from their stored form; knobs missing there (stored before they existed) keep the default."""
        kinds = _fields(cls())
        typed: dict[str, Any] = {
            k: (int(v) if isinstance(kinds[k], int) else Decimal(str(v)))
            for k, v in data.items()
            if k in kinds
        }
        return cls(**typed)


@dataclass(frozen=True, slots=True)
class SettingSpec:
    name: str
    label: str  # Chinese, as the form and the errors name the knob
    low: Decimal
    high: Decimal
    low_open: bool = False  # the value must be above `low`, not merely at least
    group: str = "weights"  # statistics | weights | draw | findings


SETTING_SPECS: tuple[SettingSpec, ...] = (
    SettingSpec("jump_percent", "同比跳变阈值（%）", ZERO, Decimal(1000), low_open=True, group="statistics"),
    # Below 50 figures a digit is expected fewer than 5 times, where the χ² test no longer holds.
    SettingSpec(
        "digit_sample", "末位数字检验的最小样本量（个）", Decimal(50), Decimal(100_000), group="statistics"
    ),
    SettingSpec("tolerance", "自评高于评审的容差（分）", ZERO, Decimal(100), group="statistics"),
    SettingSpec("credibility_weight", "自评可信度：全部偏高时计分", ZERO, Decimal(1000)),
    SettingSpec("per_finding", "报告审读：每处问题计分", ZERO, Decimal(1000)),
    SettingSpec("findings_cap", "报告审读：最多计分", ZERO, Decimal(1000)),
    SettingSpec("per_jump", "同比跳变：每项计分", ZERO, Decimal(1000)),
    SettingSpec("jumps_cap", "同比跳变：最多计分", ZERO, Decimal(1000)),
    SettingSpec("per_on_threshold", "恰在计分临界值：每项计分", ZERO, Decimal(1000)),
    SettingSpec("on_threshold_cap", "恰在计分临界值：最多计分", ZERO, Decimal(1000)),
    SettingSpec("digit_points", "末位数字分布异常：计分", ZERO, Decimal(1000)),
    SettingSpec("per_overdue", "逾期未销号：每个问题计分", ZERO, Decimal(1000)),
    SettingSpec("overdue_cap", "逾期未销号：最多计分", ZERO, Decimal(1000)),
    SettingSpec("floor", "基础权重（保底机会）", ZERO, Decimal(1000), low_open=True, group="draw"),
    SettingSpec("verified_tolerance", "核查数值默认允许偏差（%）", ZERO, Decimal(100), group="findings"),
)


def parse_settings(
    raw: Mapping[str, object], base: RiskSettings
) -> tuple[RiskSettings, list[tuple[str, str]]]:
    """`base` with the knobs given in `raw` (texts or numbers) changed, and the problems found as (knob,
    Chinese message) pairs; with any problem the settings returned are `base` unchanged."""
    specs = {s.name: s for s in SETTING_SPECS}
    problems: list[tuple[str, str]] = []
    changed: dict[str, Any] = {}
    for name, value in raw.items():
        spec = specs.get(name)
        if spec is None:
            problems.append((name, f"没有名为“{name}”的风险参数"))
            continue
        text = str(value).strip().replace(",", "")
        try:
            number = Decimal(text)
        except ArithmeticError:
            number = Decimal("NaN")
        if not text or not number.is_finite():
            problems.append((name, f"{spec.label}应为数字，收到“{text}”"))
            continue
        if isinstance(getattr(base, name), int):
            if number != number.to_integral_value():
                problems.append((name, f"{spec.label}应为整数，收到“{text}”"))
                continue
            changed[name] = int(number)
        else:
            changed[name] = number
        below = number <= spec.low if spec.low_open else number < spec.low
        if below or number > spec.high:
            edge = "大于" if spec.low_open else "不小于"
            problems.append(
                (name, f"{spec.label}应{edge} {fmt(spec.low)} 且不大于 {fmt(spec.high)}，收到“{text}”")
            )
    if problems:
        return base, problems
    return dataclasses.replace(base, **changed), []


DEFAULT_SETTINGS = RiskSettings()


def _fields(s: RiskSettings) -> dict[str, Decimal | int]:
    return {f.name: getattr(s, f.name) for f in dataclasses.fields(s)}


@dataclass(frozen=True, slots=True)
class RegionFacts:
    """What the platform knows about one region that bears on its risk (plain data).

    layers_by_year: per year, the score layers as lvzhi.scoring reads them ({"self": {leaf: points},
    "expert": {…}, "verified": {…}}); values_by_year: per year, the reported statistics; thresholds: per
    statistic, the values at which its scoring rule changes (a figure sitting exactly there is suspicious);
    findings: the report reader's findings (short texts); overdue: descriptions of overdue problems."""

    region: str
    name: str
    stratum: str = ""
    layers_by_year: Mapping[int, Mapping[str, Mapping[str, Decimal]]] = field(default_factory=dict)
    values_by_year: Mapping[int, Mapping[str, Decimal]] = field(default_factory=dict)
    thresholds: Mapping[str, Sequence[Decimal]] = field(default_factory=dict)
    findings: Sequence[str] = ()
    overdue: Sequence[str] = ()
    labels: Mapping[str, str] = field(default_factory=dict)  # statistic code → its Chinese name


@dataclass(frozen=True, slots=True)
class Reason:
    code: str  # credibility | findings | jumps | on_threshold | last_digit | overdue
    points: Decimal
    text: str  # Chinese, shown beside the score


@dataclass(frozen=True, slots=True)
class Risk:
    region: str
    name: str
    stratum: str
    score: Decimal
    reasons: tuple[Reason, ...]


def scheme_thresholds(scheme: Scheme) -> dict[str, tuple[Decimal, ...]]:
    """Per statistic, the values at which a leaf's rule changes its score: a ladder's band minimums and a
    comparison's constant target, for rules that read one statistic directly."""
    out: dict[str, set[Decimal]] = {}
    for top in (*scheme.indicators, *scheme.bonus, *scheme.deductions):
        for node in top.walk():
            rule = node.rule
            name = rule.expr.single_name if rule is not None and rule.expr is not None else None
            if rule is None or name is None:
                continue
            found = out.setdefault(name, set())
            found.update(b.min for b in rule.bands)
            if rule.target is not None and rule.target.is_constant:
                try:
                    value = rule.target.evaluate({})
                except Unavailable:
                    continue  # a constant the scheme cannot compute scores nothing either
                if isinstance(value, Decimal):
                    found.add(value)
    return {k: tuple(sorted(v)) for k, v in out.items() if v}


def _capped(count: int, per: Decimal, cap: Decimal) -> Decimal:
    return min(per * count, cap)


def _credibility(f: RegionFacts, s: RiskSettings) -> Reason | None:
    rates: list[Decimal] = []
    parts: list[str] = []
    for year in sorted(f.layers_by_year):
        o = over_scoring(f.layers_by_year[year], "self", ("verified", "expert"), s.tolerance)
        if o.rate is None or o.mean_deviation is None:
            continue
        rates.append(o.rate)
        parts.append(
            f"{year}年自评高于评审/核查 {o.over}/{o.compared} 项（{fmt(o.rate)}%），平均偏差 {fmt(o.mean_deviation)} 分"
        )
    if not rates or not any(rates):
        return None
    mean_rate = sum(rates, ZERO) / len(rates)
    points = (s.credibility_weight * mean_rate / HUNDRED).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return Reason("credibility", points, "；".join(parts))


def _jumps(f: RegionFacts, s: RiskSettings) -> list[str]:
    out: list[str] = []
    years = sorted(f.values_by_year)
    for before, after in itertools.pairwise(years):
        if after != before + 1:
            continue
        old, new = f.values_by_year[before], f.values_by_year[after]
        for item in sorted(set(old) & set(new)):
            if old[item] == ZERO:
                continue
            change = (new[item] - old[item]) * HUNDRED / abs(old[item])
            if abs(change) > s.jump_percent:
                out.append(
                    f"{f.labels.get(item, item)} {before}→{after}年 {fmt(old[item])}→{fmt(new[item])}（{fmt(change.quantize(Decimal('0.1')))}%）"
                )
    return out


def _on_threshold(f: RegionFacts) -> list[str]:
    if not f.values_by_year:
        return []
    latest = max(f.values_by_year)
    values = f.values_by_year[latest]
    return [
        f"{f.labels.get(item, item)} = {fmt(values[item])} 恰好等于计分临界值"
        for item in sorted(values)
        if any(values[item] == t for t in f.thresholds.get(item, ()))
    ]


def last_digit_chi2(values: Sequence[Decimal]) -> tuple[int, Decimal] | None:
    """(sample size, χ² statistic against uniform last digits) over whole figures of two digits or more;
    None when there are none. Smaller figures are left out: their last digit is the figure itself."""
    digits = [int(abs(v)) % 10 for v in values if v == v.to_integral_value() and abs(v) >= 10]
    if not digits:
        return None
    n = len(digits)
    expected = Decimal(n) / 10
    counts = [digits.count(d) for d in range(10)]
    return n, sum(((Decimal(c) - expected) ** 2 / expected for c in counts), ZERO)


def _last_digit(f: RegionFacts, s: RiskSettings) -> Reason | None:
    figures = [v for year in f.values_by_year.values() for v in year.values()]
    test = last_digit_chi2(figures)
    if test is None or test[0] < s.digit_sample:
        return None  # too small a sample says nothing about digit patterns
    n, chi2 = test
    if chi2 <= CHI2_9DF_1PCT:
        return None
    return Reason(
        "last_digit",
        s.digit_points,
        f"{n} 个整数数据的末位数字分布不均匀（χ²={fmt(chi2.quantize(Decimal('0.01')))}，超过 1% 临界值 {fmt(CHI2_9DF_1PCT)}）",
    )


def _counted(code: str, items: Sequence[str], per: Decimal, cap: Decimal, head: str) -> Reason | None:
    """A reason made of counted items: per item points up to a cap, the first three items named."""
    if not items:
        return None
    listed = "；".join(items[:3]) + ("…" if len(items) > 3 else "")
    return Reason(code, _capped(len(items), per, cap), head + listed)


def assess_one(f: RegionFacts, s: RiskSettings = DEFAULT_SETTINGS) -> Risk:
    jumps = _jumps(f, s)
    found = (
        _credibility(f, s),
        _counted(
            "findings", f.findings, s.per_finding, s.findings_cap, f"报告审读发现 {len(f.findings)} 处问题："
        ),
        _counted(
            "jumps",
            jumps,
            s.per_jump,
            s.jumps_cap,
            f"{len(jumps)} 项数据同比变化超过 {fmt(s.jump_percent)}%：",
        ),
        _counted("on_threshold", _on_threshold(f), s.per_on_threshold, s.on_threshold_cap, ""),
        _last_digit(f, s),
        _counted(
            "overdue", f.overdue, s.per_overdue, s.overdue_cap, f"{len(f.overdue)} 个整改问题逾期未销号："
        ),
    )
    reasons = tuple(r for r in found if r is not None)
    return Risk(f.region, f.name, f.stratum, sum((r.points for r in reasons), ZERO), reasons)


def assess(facts: Sequence[RegionFacts], s: RiskSettings = DEFAULT_SETTINGS) -> list[Risk]:
    """Risk per region, highest first (ties by region code, so the list is stable)."""
    return sorted((assess_one(f, s) for f in facts), key=lambda r: (-r.score, r.region))


# ------------------------------------------------------------------------------------------ the draw


@dataclass(frozen=True, slots=True)
class Candidate:
    region: str
    stratum: str
    risk: Decimal


@dataclass(frozen=True, slots=True)
class Draw:
    seed: int
    n: int
    floor: Decimal
    quotas: tuple[tuple[str, int], ...]  # stratum → slots, in stratum order
    drawn: tuple[str, ...]  # region codes, in the order drawn


class DrawError(ValueError):
    """Inputs the draw cannot work with: which input (`field`) and a Chinese message for the person drawing."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


def weight(c: Candidate, floor: Decimal) -> int:
    """The integer weight of a candidate in hundredths of a point: floor + risk, never below 1."""
    return max(1, int(((floor + max(c.risk, ZERO)) * HUNDRED).to_integral_value(ROUND_HALF_UP)))


def _pick(rng: random.Random, weights: Sequence[int]) -> int:
    r = rng.randrange(sum(weights))
    for i, w in enumerate(weights):
        if r < w:
            return i
        r -= w
    raise AssertionError("unreachable: r < sum(weights)")


def _quotas(rng: random.Random, sizes: Mapping[str, int], n: int) -> dict[str, int]:
    total = sum(sizes.values())
    quotas = {s: n * size // total for s, size in sizes.items()}
    # The leftover slots go by lot, each in proportion to a stratum's remainder (n·size mod total > 0 for
    # every stratum whose share was not whole, so none is shut out), one stratum at most one extra slot.
    remainders = {s: n * size % total for s, size in sizes.items()}
    for _ in range(n - sum(quotas.values())):
        open_ = [s for s in sorted(remainders) if remainders[s] > 0 and quotas[s] < sizes[s]]
        chosen = open_[_pick(rng, [remainders[s] for s in open_])]
        quotas[chosen] += 1
        remainders[chosen] = 0
    return quotas


def draw(candidates: Sequence[Candidate], n: int, seed: int, floor: Decimal = DEFAULT_SETTINGS.floor) -> Draw:
    """Draw n regions: stratified, each stratum by weighted sampling without replacement (weight floor + risk)."""
    if floor <= ZERO:
        raise DrawError("floor", "基础权重必须大于 0，否则无风险的区划将没有被抽中的机会")
    codes = [c.region for c in candidates]
    if len(set(codes)) != len(codes):
        raise DrawError("candidates", "候选区划有重复")
    if not 1 <= n <= len(candidates):
        raise DrawError("n", f"抽取数量应在 1 到 {len(candidates)} 之间，收到 {n}")
    rng = random.Random(seed)
    by_stratum: dict[str, list[Candidate]] = {}
    for c in sorted(candidates, key=lambda c: (c.stratum, c.region)):
        by_stratum.setdefault(c.stratum, []).append(c)
    quotas = _quotas(rng, {s: len(cs) for s, cs in by_stratum.items()}, n)
    drawn: list[str] = []
    for stratum in sorted(by_stratum):
        pool = list(by_stratum[stratum])
        for _ in range(quotas[stratum]):
            chosen = pool.pop(_pick(rng, [weight(c, floor) for c in pool]))
            drawn.append(chosen.region)
    return Draw(seed, n, floor, tuple(sorted(quotas.items())), tuple(drawn))


# ------------------------------------------------------------------------------------------ inclusion probabilities

# The exact computation walks every set of regions that can be the first k drawn of a stratum; it is used when
# that takes at most this many steps (a stratum of 25 with 4 slots takes about 60 000, one of 16 with 8 slots
# 260 000: a few tenths of a second), else the draw itself is simulated SIMULATION_RUNS times from a seed
# stored with the draw.
EXACT_STEPS = 400_000
SIMULATION_RUNS = 20_000
PLACES = Decimal("0.000000001")  # nine decimals: a tiny chance is still shown above 0


@dataclass(frozen=True, slots=True)
class FirstPicks:
    """For weighted sampling without replacement: by_k[k][i] is the probability that item i is among the
    first k picks (k = 0 … the k asked for). Exact (runs = 0) or estimated from `runs` simulated draws."""

    by_k: tuple[tuple[float, ...], ...]
    runs: int

    @property
    def exact(self) -> bool:
        return self.runs == 0


def exact_steps(m: int, k: int) -> int:
    """How many steps the exact computation of the first k picks among m items takes."""
    return sum(math.comb(m, j) * (m - j) for j in range(min(k, m)))


def first_picks(
    weights: Sequence[int], k: int, rng: random.Random, runs: int = SIMULATION_RUNS, limit: int = EXACT_STEPS
) -> FirstPicks:
    """Inclusion probabilities of successive weighted picks (as `draw` makes them within a stratum).

    Exact: the probability of every set of j items being the first j picked, built up one pick at a time
    (a set S followed by item i: P(S) · wᵢ / (W − w(S))), summed per item. When that is too long, `runs`
    draws are simulated with the draw's own integer lottery and the shares counted (rng's state advances)."""
    m = len(weights)
    k = min(k, m)
    if exact_steps(m, k) <= limit:
        total = sum(weights)
        level: dict[int, tuple[float, int]] = {0: (1.0, 0)}  # set (bit mask) → (probability, its weight)
        by_k: list[tuple[float, ...]] = [(0.0,) * m]
        for _ in range(k):
            nxt: dict[int, tuple[float, int]] = {}
            for mask, (p, w_in) in level.items():
                rest = total - w_in
                for i, w in enumerate(weights):
                    bit = 1 << i
                    if mask & bit:
                        continue
                    q, _w = nxt.get(mask | bit, (0.0, w_in + w))
                    nxt[mask | bit] = (q + p * w / rest, w_in + w)
            level = nxt
            shares = [0.0] * m
            for mask, (p, _w) in level.items():
                for i in range(m):
                    if mask >> i & 1:
                        shares[i] += p
            by_k.append(tuple(shares))
        return FirstPicks(tuple(by_k), 0)
    counts = [[0] * m for _ in range(k + 1)]
    for _ in range(runs):
        pool = list(range(m))
        ws = list(weights)
        for j in range(1, k + 1):
            cumulative = list(itertools.accumulate(ws))
            # The same lottery as _pick: the first item whose running total exceeds a uniform integer.
            at = bisect.bisect_right(cumulative, rng.randrange(cumulative[-1]))
            ws.pop(at)
            chosen = pool.pop(at)
            for later in range(j, k + 1):
                counts[later][chosen] += 1
    return FirstPicks(tuple(tuple(c / runs for c in row) for row in counts), runs)


@dataclass(frozen=True, slots=True)
class StratumChances:
    stratum: str
    size: int
    slots: int  # the whole slots the stratum is sure of
    extra: Decimal  # the chance of one slot more (from the lot over the leftover slots)
    exact: bool
    runs: int  # 0 when exact


@dataclass(frozen=True, slots=True)
class Inclusion:
    """Every candidate's probability of being drawn under a draw's design (rounded to nine decimals), per
    stratum how it was found, and the precision of the simulated ones."""

    probabilities: tuple[tuple[str, Decimal], ...]  # region → probability, in region order
    strata: tuple[StratumChances, ...]
    simulation_seed: int
    lot_runs: int  # 0 when the lot over the leftover slots was computed exactly

    @property
    def exact(self) -> bool:
        return self.runs == 0

    @property
    def runs(self) -> int:
        return max((self.lot_runs, *(s.runs for s in self.strata)))

    @property
    def half_width(self) -> Decimal:
        """95 % half-width of a simulated probability at worst (p = ½): 1.96 · √(¼ / runs); 0 when exact."""
        if self.runs == 0:
            return ZERO
        return (Decimal("0.98") / Decimal(self.runs).sqrt()).quantize(Decimal("0.0001"), ROUND_HALF_UP)

    def as_dict(self) -> dict[str, Any]:
        return {
            "method": "exact" if self.exact else "simulated",
            "runs": self.runs,
            "half_width": str(self.half_width),
            "simulation_seed": self.simulation_seed,
            "lot_runs": self.lot_runs,
            "strata": [
                {
                    "stratum": s.stratum,
                    "size": s.size,
                    "slots": s.slots,
                    "extra": str(s.extra),
                    "method": "exact" if s.exact else "simulated",
                    "runs": s.runs,
                }
                for s in self.strata
            ],
            "probabilities": {code: str(p) for code, p in self.probabilities},
        }


def _rounded(p: float) -> Decimal:
    return Decimal(repr(p)).quantize(PLACES, ROUND_HALF_UP)


def inclusion(candidates: Sequence[Candidate], n: int, floor: Decimal, seed: int) -> Inclusion:
    """Each candidate's probability of being drawn by `draw(candidates, n, any seed, floor)`.

    A region of stratum s is drawn with probability (1 − e)·π(q) + e·π(q + 1), where q is the stratum's
    whole slots, e the chance that the lot over the leftover slots gives it one more, and π(k) the chance of
    being among the first k weighted picks of its stratum. Each part is exact when small enough, else
    simulated from `seed` (stored with the draw, so a re-run gives the same figures)."""
    by_stratum: dict[str, list[Candidate]] = {}
    for c in sorted(candidates, key=lambda c: (c.stratum, c.region)):
        by_stratum.setdefault(c.stratum, []).append(c)
    total = sum(len(cs) for cs in by_stratum.values())
    names = sorted(by_stratum)
    base = {s: n * len(by_stratum[s]) // total for s in names}
    remainders = {s: n * len(by_stratum[s]) % total for s in names}
    rng = random.Random(seed)
    open_ = [s for s in names if remainders[s] > 0]
    leftover = n - sum(base.values())
    lot = first_picks([remainders[s] for s in open_], leftover, rng)
    extra = dict.fromkeys(names, 0.0)
    for i, s in enumerate(open_):
        extra[s] = lot.by_k[leftover][i]
    probabilities: dict[str, Decimal] = {}
    strata: list[StratumChances] = []
    for s in names:
        pool = by_stratum[s]
        q, e = base[s], extra[s]
        if q == len(pool):  # every region of the stratum is drawn (n equals the number of candidates)
            probabilities.update((c.region, Decimal(1).quantize(PLACES)) for c in pool)
            strata.append(StratumChances(s, len(pool), q, _rounded(0.0), True, 0))
            continue
        picks = first_picks([weight(c, floor) for c in pool], q + (1 if e > 0 else 0), rng)
        for i, c in enumerate(pool):
            with_extra = picks.by_k[q + 1][i] if e > 0 else 0.0
            probabilities[c.region] = _rounded((1 - e) * picks.by_k[q][i] + e * with_extra)
        strata.append(StratumChances(s, len(pool), q, _rounded(e), picks.exact, picks.runs))
    return Inclusion(tuple(sorted(probabilities.items())), tuple(strata), seed, lot.runs)
