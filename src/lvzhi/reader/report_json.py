"""The reader's result as JSON-ready data, with the field names of issue 3 §8 and the gold conventions.

Values are JSON numbers (integers where exact), units and kinds as in ``../shared/seeds/gold/README.md``;
``direction`` appears on growth claims only. ``coverage`` is null unless a scheme was given.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from lvzhi.reader.model import Analysis


def number(value: Decimal) -> int | float:
    """A Decimal as a JSON number: an int when integral, else the float nearest to its decimal text."""
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def analysis_json(
    file: str, analysis: Analysis, encoding: str, coverage: dict[str, Any] | None = None
) -> dict[str, Any]:
    """One report's JSON object: file, chars, encoding, boilerplate, sections, claims, checks, findings, coverage."""
    claims = []
    for c in analysis.claims:
        row: dict[str, Any] = {
            "start": c.start,
            "end": c.end,
            "surface": c.surface,
            "value": number(c.value),
            "unit": c.unit,
            "qualifier": c.qualifier,
            "metric": c.metric,
            "year": c.year,
            "kind": c.kind,
        }
        if c.kind == "growth":
            row["direction"] = c.direction
        claims.append(row)
    return {
        "file": file,
        "chars": len(analysis.text),
        "encoding": encoding,
        "boilerplate": [{"start": b.start, "end": b.end} for b in analysis.boilerplate],
        "sections": [
            {"start": s.start, "level": s.level, "marker": s.marker, "title": s.title}
            for s in analysis.sections
        ],
        "claims": claims,
        "checks": [
            {
                "start": k.start,
                "kind": k.kind,
                "quote": k.quote,
                "inputs": {name: number(v) for name, v in k.inputs.items()},
                "stated": number(k.stated),
                "recomputed": number(k.recomputed),
                "consistent": k.consistent,
                "verdict": k.verdict,
                "doubt": k.doubt,
                "message": k.message,
            }
            for k in analysis.checks
        ],
        "findings": [
            {"kind": f.kind, "start": f.start, "severity": f.severity, "message": f.message}
            for f in analysis.findings
        ],
        "coverage": coverage,
    }
