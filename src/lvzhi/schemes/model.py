"""The scheme model: frozen dataclasses produced by the loader and read by the scoring engine."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from lvzhi.schemes.formula import Formula

DEFAULT_LEVELS: tuple[tuple[str, Decimal], ...] = (
    ("优", Decimal(1)),
    ("良", Decimal("0.8")),
    ("中", Decimal("0.6")),
    ("差", Decimal(0)),
)


@dataclass(frozen=True, slots=True)
class DataItem:
    """One statistic of the catalogue (数据项)."""

    code: str
    name: str
    unit: str
    required: bool = False
    min: Decimal | None = None
    max: Decimal | None = None
    integer: bool = False
    aliases: tuple[str, ...] = ()
    formula: Formula | None = None
    note: str = ""
    line: int = 0
    # The largest plausible change from last year, in percent of last year's value (None: not checked).
    change_tolerance: Decimal | None = None

    @property
    def is_boolean(self) -> bool:
        """Yes/no items (unit 是否) hold 1 or 0."""
        return self.unit == "是否"


@dataclass(frozen=True, slots=True)
class Catalogue:
    """The statistics catalogue shared by schemes: code → item."""

    items: Mapping[str, DataItem]
    file: str = ""

    def __contains__(self, code: object) -> bool:
        return code in self.items

    def get(self, code: str) -> DataItem | None:
        """The item with this code, or None."""
        return self.items.get(code)


@dataclass(frozen=True, slots=True)
class Band:
    """One band of a ladder rule: values ≥ `min` score `score` points."""

    min: Decimal
    score: Decimal


@dataclass(frozen=True, slots=True)
class Rule:
    """A leaf's scoring rule; which fields matter depends on `kind` (see docs/scheme-format.md)."""

    kind: str
    expr: Formula | None = None
    op: str = ">="
    target: Formula | None = None
    else_fraction: Decimal = Decimal(0)
    direction: str = "min"
    per_unit: Decimal = Decimal(0)
    step: Decimal = Decimal(1)
    bands: tuple[Band, ...] = ()
    conditions: tuple[Formula, ...] = ()
    order: str = "desc"
    points_by_rank: tuple[Decimal, ...] = ()
    rest: Decimal | None = None
    mode: str = "ranks"
    below: Decimal = Decimal(0)
    count: Formula | None = None
    per_item: Decimal = Decimal(0)
    score: Formula | None = None
    levels: tuple[tuple[str, Decimal], ...] = DEFAULT_LEVELS
    evidence: str = "optional"
    layer: str = ""  # credibility: the self-assessment layer compared …
    against: tuple[str, ...] = ()  # … with the first of these layers that scored the same leaf
    tolerance: Decimal = Decimal(0)  # points a self-score may exceed the reference by without counting
    above: Decimal = Decimal(0)  # percent of compared items over-scored beyond which the rule applies

    def formulas(self) -> Iterator[Formula]:
        """Every formula the rule reads."""
        for f in (self.expr, self.target, self.count, self.score):
            if f is not None:
                yield f
        yield from self.conditions


@dataclass(frozen=True, slots=True)
class Indicator:
    """A node of the indicator tree; leaves carry a rule, inner nodes children."""

    code: str
    name: str
    points: Decimal
    rule: Rule | None = None
    children: tuple[Indicator, ...] = ()
    points_note: str = ""
    note: str = ""
    line: int = 0
    charge_to: str = ""  # deduction items: the tree indicator the points are taken from (扣完该项为止)

    @property
    def is_leaf(self) -> bool:
        """True for indicators scored by a rule."""
        return not self.children

    def walk(self) -> Iterator[Indicator]:
        """This node and all its descendants, depth first, in order."""
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True, slots=True)
class Condition:
    """A scheme-level condition: `veto` (一票否决), `max_grade` (不得评为…) or `demote` (降低 n 个等次)."""

    code: str
    name: str
    kind: str
    when: Formula
    max_grade: str | None = None
    demote: int = 0
    note: str = ""
    line: int = 0


@dataclass(frozen=True, slots=True)
class Grade:
    """A grade band; `min` is inclusive. `quota`: at most this percentage of the regions scored together
    may have this grade (优秀不超过 30 %); the others go one grade down (see docs: grade quotas)."""

    code: str
    name: str
    min: Decimal
    quota: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Rounding:
    """Decimal places of item scores and of the total, rounded half up before they are summed or graded
    (None: kept exact). The total defaults to two places, as it is shown, so a shown total and its grade
    never contradict each other."""

    items: int | None = None
    total: int | None = 2


@dataclass(frozen=True, slots=True)
class ScoreLayer:
    """One layer of scores given to leaves: self-assessment (自评), expert review (专家评审), on-site
    verification (实地核查) …"""

    code: str
    name: str


@dataclass(frozen=True, slots=True)
class ScoreLayers:
    """The score layers of a scheme, most trusted first, and how a leaf's final score is chosen among the
    layers that scored it: `first` (the most trusted present), `min`, `max` or `mean`."""

    layers: tuple[ScoreLayer, ...]
    final: str = "first"


@dataclass(frozen=True, slots=True)
class Source:
    """A document the scheme was taken or reconstructed from."""

    title: str
    url: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where the scheme comes from: `official` or `reconstructed` (never present a guess as official)."""

    status: str
    sources: tuple[Source, ...] = ()
    notes: str = ""


@dataclass(frozen=True, slots=True)
class Scheme:
    """An evaluation scheme (评价方案), validated."""

    id: str
    title: str
    issuer: str
    level: str
    year: int
    document: str | None
    total: Decimal | None
    grades: tuple[Grade, ...]
    bonus_cap: Decimal | None
    report_limit: int | None
    provenance: Provenance
    indicators: tuple[Indicator, ...]
    catalogue: Catalogue
    computed: Mapping[str, Formula] = field(default_factory=dict)
    bonus: tuple[Indicator, ...] = ()
    deductions: tuple[Indicator, ...] = ()
    vetoes: tuple[Condition, ...] = ()
    caps: tuple[Condition, ...] = ()
    description: str = ""
    file: str = ""
    rounding: Rounding = Rounding()
    deduction_cap: Decimal | None = (
        None  # 扣分累计不超过: the most the deductions not charged to an indicator take
    )
    score_layers: ScoreLayers | None = None

    def walk(self) -> Iterator[Indicator]:
        """Every indicator of the tree, depth first."""
        for node in self.indicators:
            yield from node.walk()

    def leaves(self) -> list[Indicator]:
        """The scored leaves of the tree, in order."""
        return [n for n in self.walk() if n.is_leaf]

    def formula_of(self, name: str) -> Formula | None:
        """The formula defining a computed name (scheme-local first, then the catalogue), or None."""
        if name in self.computed:
            return self.computed[name]
        item = self.catalogue.get(name)
        return item.formula if item is not None else None

    def label(self, name: str) -> tuple[str, str]:
        """(Chinese name, unit) of a data item or computed name, for explanations."""
        item = self.catalogue.get(name)
        if item is not None:
            return item.name, ("" if item.unit == "是否" else item.unit)
        return name, ""
