"""Prefill from a report: the platform's side of the one figure → statistic mapping.

The mapping itself — which figure is which catalogue item, in which unit, of which year, with what doubt —
is the reader's (lvzhi.reader.statistics_map.prefill); here the items the evaluation asks for are kept and
a value its item refuses is left out. Values are saved as unconfirmed prefills: a person checks each
against its sentence, shown beside it, and a doubtful one carries its doubt as the value's note.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from lvzhi.evaluations.fields import canonical
from lvzhi.evaluations.gateway import catalogue
from lvzhi.evaluations.validation import check_item
from lvzhi.reader.statistics_map import prefill, report_title

__all__ = ["Found", "figures", "report_title"]


@dataclass(frozen=True)
class Found:
    code: str
    value: Decimal
    sentence: str
    doubt: str = ""  # why a person should look twice (约数, another year, stated twice …); "" when sure


def figures(text: str, year: int, only: set[str] | None = None) -> list[Found]:
    """Catalogue items the reader finds in a report text (restricted to `only` codes when given)."""
    specs = catalogue()
    return [
        Found(c.code, Decimal(canonical(c.value)), c.sentence, c.doubt)
        for c in sorted(prefill(text, year=year, only=only), key=lambda c: c.code)
        if c.code in specs and not check_item(specs[c.code], c.value)[1]
    ]
