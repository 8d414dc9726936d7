"""Which names a scheme reads: the one walk over its formulas and the computed items they use.

The platform asks which statistics to collect, the scoring engine which computed items to evaluate (and in
what order), the reader which figures back an indicator; all of them read the names through here.
"""

from __future__ import annotations

from collections.abc import Iterable

from lvzhi.schemes.formula import Formula, Node, years_back
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


def entered_items_of_earlier_years(scheme: Scheme) -> set[str]:
    """The entered catalogue items whose values from earlier years a formula reads (inside prev(), growth()
    or a history window such as mean(x, 3)), directly or through a computed item."""
    found: set[str] = set()
    seen: set[tuple[str, bool]] = set()
    stack: list[tuple[Node, bool]] = [(f.tree, False) for f in scheme_formulas(scheme)]
    while stack:
        node, earlier = stack.pop()
        if node.kind == "name":
            if (node.name, earlier) in seen:
                continue
            seen.add((node.name, earlier))
            definition = scheme.formula_of(node.name)
            if definition is not None:
                stack.append((definition.tree, earlier))
            elif earlier and node.name in scheme.catalogue:
                found.add(node.name)
            continue
        # A call that reaches further back than its arguments do (prev, growth, windows) reads them earlier.
        shifts = node.kind == "call" and years_back(node) > max((years_back(a) for a in node.args), default=0)
        stack.extend((arg, earlier or shifts) for arg in node.args)
    return found


def years_read(scheme: Scheme) -> int:
    """How many years before the evaluated one the scheme reads (0: this year only; 1: last year …): an
    upper bound — the years a formula goes back plus those of the computed items it reads. The platform
    collects that many earlier years for `RegionInput.earlier`."""
    memo: dict[str, int] = {}

    def reach(f: Formula) -> int:
        return f.years_back + max((of(n) for n in f.names), default=0)

    def of(name: str) -> int:
        if name not in memo:
            memo[name] = 0  # computed items have no cycles (the loader refuses them)
            definition = scheme.formula_of(name)
            memo[name] = reach(definition) if definition is not None else 0
        return memo[name]

    return max((reach(f) for f in scheme_formulas(scheme)), default=0)
