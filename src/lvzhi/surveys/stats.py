"""The numbers of a satisfaction survey: rate, its 95 % interval, and the sample size a margin needs. Pure.

The rate of a set of responses is the mean of each respondent's share of satisfied answers (so a respondent
who answers more counted questions does not weigh more). Its interval is the **Wilson score interval** at
95 % (z = 1.96) with n = the number of respondents: exact in kind when a group is asked one counted question
(each response is then satisfied or not), and on the safe side when it is asked several (averaging a
respondent's answers only narrows the spread). Wilson rather than the normal approximation because survey
rates sit near 90–100 %, where the normal interval collapses to ±0 or runs past 100 %.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

Z95 = 1.959963984540054  # the two-sided 95 % quantile of the standard normal distribution


@dataclass(frozen=True, slots=True)
class Rate:
    n: int  # respondents
    rate: float  # 0..1, the mean of the respondents' satisfied shares
    low: float  # Wilson 95 % bounds
    high: float

    @property
    def margin(self) -> float:
        """Half the width of the interval (the "±" people read)."""
        return (self.high - self.low) / 2


def wilson(p: float, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a proportion p observed in n trials."""
    if n <= 0:
        return 0.0, 1.0
    z2 = z * z
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def rate_of(shares: Iterable[tuple[int, int]]) -> Rate | None:
    """The rate of responses given as (satisfied, counted) answers each; None when none counts."""
    scores = [hit / total for hit, total in shares if total > 0]
    if not scores:
        return None
    n = len(scores)
    p = math.fsum(scores) / n
    low, high = wilson(p, n)
    return Rate(n, p, low, high)


def sample_size(margin: float, population: int | None = None, p: float = 0.5, z: float = Z95) -> int:
    """Respondents needed so the 95 % margin of a proportion is at most `margin` (p = 0.5: the worst case),
    with the finite-population correction when the group's size is known."""
    if not 0 < margin < 1:
        raise ValueError("margin must lie between 0 and 1")
    n0 = z * z * p * (1 - p) / (margin * margin)
    if population is not None and population > 0:
        n0 = n0 / (1 + (n0 - 1) / population)
    return math.ceil(n0 - 1e-9)
