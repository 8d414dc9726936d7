"""Plain JSON-ready documents of results (the `lvzhi score --json` format)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from lvzhi.schemes.model import Scheme
from lvzhi.scoring.model import RegionResult


def number(v: Decimal | None) -> int | float | None:
    """A Decimal as a JSON number (integers stay integers)."""
    if v is None:
        return None
    if v == v.to_integral_value():
        return int(v)
    return float(round(v, 6))


def results_to_json(scheme: Scheme, results: list[RegionResult]) -> dict[str, Any]:
    """`{"scheme", "regions": [{"region", "total", "grade", "grade_explanation", "vetoes", "bonus",
    "deductions", "items": […]}]}`.

    `vetoes` lists every veto and cap condition with `triggered` true/false/null (null: cannot be judged).
    """
    return {
        "scheme": scheme.id,
        "regions": [
            {
                "region": r.region,
                "total": number(r.total),
                "grade": r.grade,
                "grade_explanation": r.grade_explanation,
                "vetoes": [
                    {
                        "code": c.code,
                        "name": c.name,
                        "kind": c.kind,
                        "triggered": c.triggered,
                        "explanation": c.explanation,
                    }
                    for c in r.conditions
                ],
                "bonus": number(r.bonus),
                "deductions": number(r.deductions),
                "items": [
                    {
                        "code": it.code,
                        "name": it.name,
                        "points": number(it.points),
                        "score": number(it.score),
                        "status": it.status,
                        "explanation": it.explanation,
                        "inputs": [
                            {
                                "code": i.code,
                                "name": i.name,
                                "value": number(i.value),
                                "unit": i.unit,
                                "year": "previous" if i.previous else "current",
                                "years_back": i.years,
                            }
                            for i in it.inputs
                        ],
                    }
                    for it in r.items
                ],
            }
            for r in results
        ],
    }
