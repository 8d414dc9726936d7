"""Plain data in and out of the scoring engine."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from lvzhi.scoring.explain import fmt, sample_text, with_samples

SCORED = "scored"
UNSCORED = "unscored"
MANUAL_PENDING = "manual-pending"


@dataclass(frozen=True, slots=True)
class ManualScore:
    """A judgement for a `manual` leaf: a rubric level or a number of points, with a justification."""

    level: str | None = None
    score: Decimal | None = None
    justification: str = ""
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Sample:
    """How a statistic measured on a sample (a satisfaction survey's rate) was measured: the number of
    respondents and the confidence interval of the value, in the statistic's own unit (% for a rate).

    n       respondents the value was measured on
    low     the interval's lower bound, high its upper bound (low ≤ value ≤ high is not required: the
            interval is of the measurement, the value may be rounded)
    level   the confidence level in % (95)
    method  how the interval was computed ("wilson": the Wilson score interval)
    """

    n: int
    low: Decimal
    high: Decimal
    level: int = 95
    method: str = "wilson"

    @property
    def margin(self) -> Decimal:
        """Half the interval's width: the "±" people read."""
        return (self.high - self.low) / 2


@dataclass(frozen=True, slots=True)
class RegionInput:
    """One region's statistics by year, its manual scores and its score layers — plain data.

    values    this year's statistics, code → value
    previous  last year's (read by prev(x), growth(x), the history windows)
    earlier   the years before last year, most recent first: earlier[0] is two years ago (prev(x, 2) …)
    manual    judgements of `manual` leaves, leaf code → ManualScore
    layers    scores given by each score layer the scheme declares, layer code → {leaf code → points}
              (e.g. {"self": {"1.1": 3}, "verified": {"1.1": 2}}); see `score_layers` in the format
    samples   this year's statistics measured on a sample, code → Sample: every explanation of an item
              whose rule reads one states its sample (n and the interval); the scores do not depend on it
    """

    region: str
    name: str = ""
    values: Mapping[str, Decimal] = field(default_factory=dict)
    previous: Mapping[str, Decimal] = field(default_factory=dict)
    manual: Mapping[str, ManualScore] = field(default_factory=dict)
    earlier: Sequence[Mapping[str, Decimal]] = ()
    layers: Mapping[str, Mapping[str, Decimal]] = field(default_factory=dict)
    samples: Mapping[str, Sample] = field(default_factory=dict)

    @classmethod
    def by_year(
        cls,
        region: str,
        year: int,
        years: Mapping[int, Mapping[str, Decimal]],
        name: str = "",
        manual: Mapping[str, ManualScore] | None = None,
        layers: Mapping[str, Mapping[str, Decimal]] | None = None,
        samples: Mapping[str, Sample] | None = None,
    ) -> RegionInput:
        """The input for `year` from statistics keyed by year ({2023: {...}, 2022: {...}, …}); a year
        without statistics in between is an empty year (its values are missing, never taken from another)."""
        oldest = min(years, default=year)
        earlier = [years.get(y, {}) for y in range(year - 2, oldest - 1, -1)]
        return cls(
            region,
            name,
            years.get(year, {}),
            years.get(year - 1, {}),
            manual or {},
            earlier,
            layers or {},
            samples or {},
        )


class InputValue(NamedTuple):
    """A value a rule read: code, Chinese name, value (None when missing), unit, whether it is from an
    earlier year, and how many years before this one (0 this year, 1 last year, 2 the year before …)."""

    code: str
    name: str
    value: Decimal | None
    unit: str
    previous: bool
    years: int = 0


InputSpec = tuple[tuple[str, str, str, int], ...]  # (code, name, unit, years back) per input
Recipe = tuple[Callable[..., str], tuple[Any, ...]]
# What the engine keeps per item while scoring: (score, status, text or None, recipe or None). Objects are
# only made when someone reads `RegionResult.items`: scoring thousands of regions formats only what is read.
Outcome = tuple[Decimal | None, str, str | None, Recipe | None]
_NO_SAMPLES: Mapping[str, Sample] = {}
# Per item position, what does not depend on the region: code, name, points, kind, depth, inputs spec.
ItemMeta = tuple[str, str, Decimal, str, int, InputSpec]


class ItemResult:
    """The outcome of one indicator (leaf, group subtotal, bonus or deduction item).

    `explanation` is formatted when first read; `inputs` are read from the values the item was scored on.
    """

    __slots__ = (
        "_cur",
        "_prv",
        "_recipe",
        "_samples",
        "_spec",
        "_text",
        "_unsampled",
        "code",
        "depth",
        "kind",
        "name",
        "points",
        "score",
        "status",
    )

    def __init__(
        self,
        code: str,
        name: str,
        points: Decimal,
        score: Decimal | None,
        status: str,
        text: str | None = None,
        kind: str = "leaf",  # leaf | group | bonus | deduction
        depth: int = 0,
        recipe: Recipe | None = None,
        spec: InputSpec = (),
        cur: Mapping[str, Decimal] | None = None,
        prv: Mapping[str, Decimal] | None = None,
        samples: Mapping[str, Sample] | None = None,
    ) -> None:
        self.code = code
        self.name = name
        self.points = points
        self.score = score
        self.status = status
        self.kind = kind
        self.depth = depth
        self._text = text
        self._recipe = recipe
        self._spec = spec
        self._cur = cur or {}
        self._prv = prv or {}
        self._samples = samples = samples or _NO_SAMPLES
        # The explanation still lacks the samples of this year's values the rule read (stated when read).
        self._unsampled = bool(samples) and any(
            y == 0 and c in samples and c in self._cur for c, _, _, y in spec
        )

    @property
    def explanation(self) -> str:
        """E.g. `公办园在园幼儿占比 39.66% < 50% → 0/3`, or why the item is unscored; a value measured on a
        sample says so: `教育满意度 92%（样本 17 份，95% 置信区间 78.23%–96.09%，误差 ±8.93 个百分点）…`."""
        if self._text is None:
            fn, args = self._recipe if self._recipe is not None else (str, ("",))
            self._text = fn(*args)
        if self._unsampled:
            self._unsampled = False
            self._text = with_samples(self._text, self._sampled())
        return self._text

    def _sampled(self) -> list[tuple[str, str]]:
        """(the value as explanations show it, what its sample says) of each sampled value the rule read."""
        out = []
        for code, name, unit, years in self._spec:
            sample = self._samples.get(code) if years == 0 else None
            if sample is not None and code in self._cur:
                out.append((f"{name} {fmt(self._cur.get(code))}{unit}", sample_text(sample, unit)))
        return out

    @property
    def inputs(self) -> tuple[InputValue, ...]:
        """The values the rule read, with names and units (value None: missing)."""
        return tuple(InputValue(c, n, self._year(y).get(c), u, y > 0, y) for c, n, u, y in self._spec)

    def _year(self, years: int) -> Mapping[str, Decimal]:
        if years == 0:
            return self._cur
        env = self._prv
        for _ in range(years - 1):
            env = getattr(env, "earlier", {})
        return env

    def __repr__(self) -> str:
        return f"ItemResult({self.code!r}, score={self.score}, status={self.status!r}, {self.explanation!r})"


class ConditionResult:
    """A veto or cap condition: triggered (True/False) or None when it cannot be judged."""

    __slots__ = ("_recipe", "_text", "code", "kind", "name", "triggered")

    def __init__(
        self,
        code: str,
        name: str,
        kind: str,  # veto | max_grade | demote
        triggered: bool | None,
        text: str | None = None,
        recipe: Recipe | None = None,
    ) -> None:
        self.code = code
        self.name = name
        self.kind = kind
        self.triggered = triggered
        self._text = text
        self._recipe = recipe

    @property
    def explanation(self) -> str:
        """E.g. `弄虚作假：弄虚作假 = 是 → 一票否决，评为最低等次` (formatted when first read)."""
        if self._text is None:
            fn, args = self._recipe if self._recipe is not None else (str, ("",))
            self._text = fn(*args)
        return self._text

    def __repr__(self) -> str:
        return f"ConditionResult({self.code!r}, triggered={self.triggered}, {self.explanation!r})"


class RegionResult:
    """Everything the engine says about one region. `items` lists the tree (pre-order), bonus, deductions."""

    __slots__ = (
        "_grade_recipe",
        "_items",
        "_meta",
        "_outcomes",
        "bonus",
        "complete",
        "conditions",
        "deductions",
        "grade",
        "grade_name",
        "name",
        "region",
        "state",
        "total",
    )

    def __init__(
        self,
        region: str,
        name: str,
        total: Decimal,
        grade: str | None,
        grade_name: str | None,
        complete: bool,
        bonus: Decimal,
        deductions: Decimal,
        conditions: list[ConditionResult],
        meta: Sequence[ItemMeta],
        outcomes: Sequence[Outcome],
        state: Any = None,  # engine-private, for rescore()
        grade_recipe: Recipe | None = None,
    ) -> None:
        self.region = region
        self.name = name
        self.total = total
        self.grade = grade
        self.grade_name = grade_name
        self.complete = complete
        self.bonus = bonus
        self.deductions = deductions
        self.conditions = conditions
        self.state = state
        self._meta = meta
        self._outcomes = outcomes
        self._items: list[ItemResult] | None = None
        self._grade_recipe = grade_recipe

    @property
    def grade_explanation(self) -> str:
        """How the total and the grade were reached: rounding, deduction cap, caps, demotions, veto,
        quota — e.g. `总分 17.999999… 保留两位小数为 18.00；达到“优秀”（不低于 18 分）`."""
        text = ""
        if self._grade_recipe is not None:
            fn, args = self._grade_recipe
            text = fn(*args)
        quota = [c.explanation for c in self.conditions if c.kind == "quota"]
        return "；".join([text, *quota]) if quota else text

    @property
    def items(self) -> list[ItemResult]:
        """Every item's result, built on first access."""
        if self._items is None:
            cur = getattr(self.state, "cur", None)
            prv = getattr(self.state, "prv", None)
            samples = getattr(getattr(self.state, "input", None), "samples", None)
            self._items = [
                ItemResult(code, name, points, o[0], o[1], o[2], kind, depth, o[3], spec, cur, prv, samples)
                for (code, name, points, kind, depth, spec), o in zip(self._meta, self._outcomes, strict=True)
            ]
        return self._items

    def replace_outcome(self, position: int, outcome: Outcome) -> None:
        """Engine use (rescore): a peer's rank item got a new explanation with the same score and status."""
        self._outcomes[position] = outcome  # type: ignore[index]  # always the list _total() made
        if self._items is not None:
            code, name, points, kind, depth, spec = self._meta[position]
            o = outcome
            self._items[position] = ItemResult(
                code,
                name,
                points,
                o[0],
                o[1],
                o[2],
                kind,
                depth,
                o[3],
                spec,
                self._items[position]._cur,
                self._items[position]._prv,
                self._items[position]._samples,
            )

    def item(self, code: str) -> ItemResult:
        """The result of the indicator with this code."""
        for it in self.items:
            if it.code == code:
                return it
        raise KeyError(code)

    def __repr__(self) -> str:
        return f"RegionResult({self.region!r}, total={self.total}, grade={self.grade!r})"
