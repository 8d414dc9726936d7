"""Which names a scheme reads: the one walk over its formulas and the computed items they use.

The platform asks which statistics to collect, the scoring engine which computed items to evaluate (and in
what order), the reader which figures back an indicator; all of them read the names through here.
"""

from __future__ import annotations

from collections.abc import Iterable

from lvzhi.schemes.formula import MAX_YEARS, Formula, names_by_year
from lvzhi.schemes.model import Indicator, Scheme


def scheme_formulas(scheme: Scheme) -> list[Formula]:
    """Every formula a scheme reads: the rules of its indicators, bonus items and deductions, then the
    conditions of its vetoes and caps."""
    nodes: list[Indicator] = [
        n for top in (*scheme.indicators, *scheme.bonus, *scheme.deductions) for n in top.walk()
    ]
    formulas = [f for node in nodes if node.rule is not None for f in node.rule.formulas()]
    formulas += [c.when for c in (*scheme.vetoes, *scheme.caps)]
    return formulas


def names_read(scheme: Scheme, formulas: Iterable[Formula] | None = None) -> set[str]:
    """The names the formulas read (by default every formula of the scheme), with the names each computed
    one among them reads in turn — data items and computed names alike."""
    seen: set[str] = set()
    stack = [name for f in (scheme_formulas(scheme) if formulas is None else formulas) for name in f.names]
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        definition = scheme.formula_of(name)
        if definition is not None:
            stack.extend(definition.names)
    return seen


def entered_items(scheme: Scheme, formulas: Iterable[Formula] | None = None) -> set[str]:
    """Of the names read, the catalogue items a person enters (those no formula computes)."""
    return {n for n in names_read(scheme, formulas) if scheme.formula_of(n) is None and n in scheme.catalogue}


def reads_by_year(scheme: Scheme) -> set[tuple[str, int]]:
    """(name, years before the evaluated one) of every value the scheme reads, through the computed items:
    a computed item read two years back reads its own names two years back (and further, if it goes back)."""
    found: set[tuple[str, int]] = set()
    stack = [pair for f in scheme_formulas(scheme) for pair in names_by_year(f.tree)]
    while stack:
        name, shift = stack.pop()
        if (name, shift) in found:
            continue
        found.add((name, shift))
        definition = scheme.formula_of(name)
        if definition is not None and shift <= MAX_YEARS:
            stack.extend((n, shift + k) for n, k in names_by_year(definition.tree))
    return found


def entered_items_of_earlier_years(scheme: Scheme) -> set[str]:
    """The entered catalogue items whose values from earlier years a formula reads (inside prev(), growth()
    or a history window such as mean_years(x, 3)), directly or through a computed item."""
    return {
        n
        for n, shift in reads_by_year(scheme)
        if shift > 0 and scheme.formula_of(n) is None and n in scheme.catalogue
    }


def years_read(scheme: Scheme) -> int:
    """How many years before the evaluated one the scheme reads (0: this year only; 1: last year …); the
    platform collects that many earlier years for `RegionInput.earlier`."""
    return max((shift for _, shift in reads_by_year(scheme)), default=0)
