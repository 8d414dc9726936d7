"""Plain data produced by the report reader (no Django; offsets index into the analysed text)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class Span:
    """A half-open character range ``[start, end)`` of the analysed text."""

    start: int
    end: int


@dataclass(frozen=True)
class Section:
    """A heading: offset of its numbering marker, nesting level (1 = 一、), marker and title."""

    start: int
    level: int
    marker: str
    title: str


@dataclass(frozen=True)
class Claim:
    """A quantitative mention normalised to a base unit (元, %, 百分点, 平方米 or its measure word)."""

    start: int
    end: int
    surface: str
    value: Decimal
    unit: str
    qualifier: str
    metric: str
    year: int | str | None
    kind: str
    direction: str | None = None


@dataclass(frozen=True)
class Check:
    """An arithmetic recomputation of a stated figure from other figures of the same passage.

    ``doubt`` says why a figure that does not match cannot be called wrong (the parts may not be
    exhaustive, the whole was taken from another section …): such a check is "无法确认", not an alarm.
    """

    start: int
    kind: str
    quote: str
    inputs: dict[str, Decimal]
    stated: Decimal
    recomputed: Decimal
    consistent: bool
    message: str
    end: int = 0
    doubt: str = ""

    @property
    def alarm(self) -> bool:
        """A certain contradiction: the figure is "不一致" with its recomputation."""
        return not self.consistent and not self.doubt

    @property
    def verdict(self) -> str:
        """一致, 不一致 or 无法确认."""
        return "一致" if self.consistent else "无法确认" if self.doubt else "不一致"


@dataclass(frozen=True)
class Finding:
    """Something a reviewer should look at; ``message`` is one line in Chinese."""

    kind: str
    start: int
    severity: str
    message: str


@dataclass(frozen=True)
class Analysis:
    """Everything the reader found in one text."""

    text: str
    boilerplate: list[Span] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
