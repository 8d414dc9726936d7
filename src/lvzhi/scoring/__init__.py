"""Scoring engine (pure): scheme + statistics → per-indicator scores, explanations, totals and grades.

Public API (what the platform and the report writer call)::

    scorer = compile_scheme(scheme)                 # once per scheme
    results = scorer.score([RegionInput(...), ...]) # list[RegionResult], in input order
    scorer.rescore(results, "530600", values={"kg_public_share": Decimal("51")})   # incremental

    RegionInput(region, name, values, previous, manual: {leaf code: ManualScore},
                earlier: [values two years ago, three years ago, …], layers: {layer: {leaf code: points}},
                samples: {code: Sample(n, low, high, level=95, method="wilson")})  # a value measured on a
                # sample: every explanation of a rule reading it states n, the interval and the ±
    RegionInput.by_year(region, year, {year: values, …}, name, manual, layers)   # statistics keyed by year
    RegionResult(region, name, total, grade, grade_name, complete, bonus, deductions, items, conditions,
                 grade_explanation)   # how rounding, deduction cap, caps, demotions, veto, quota led there
    over_scoring(layers, "self", ("verified", "expert"), tolerance) -> OverScoring   # 自评可信度 as data
    scorer.rescore(results, region, values=…, previous=…, manual=…, layers=…, samples=…)
    ItemResult(code, name, points, score, status, explanation, inputs, kind, depth)
        status: "scored" | "unscored" (explanation says why) | "manual-pending"
    read_data(path, catalogue) -> DataSet            # .csv / .xlsx / .json data files (datafile.py)
    results_to_json(scheme, results) -> dict         # the `lvzhi score --json` document

Missing data never scores 0 silently: the item is `unscored` with the reason, its subtotal says how many
items are open, and the region's `grade` stays None (`complete` False) until everything is judged — except
that a triggered veto fixes the lowest grade whatever else is open.
"""

from lvzhi.scoring.datafile import DataSet, merge_earlier, merge_previous, read_data
from lvzhi.scoring.engine import Scorer, compile_scheme
from lvzhi.scoring.explain import fmt
from lvzhi.scoring.model import (
    MANUAL_PENDING,
    SCORED,
    UNSCORED,
    ConditionResult,
    InputValue,
    ItemResult,
    ManualScore,
    RegionInput,
    RegionResult,
    Sample,
)
from lvzhi.scoring.output import results_to_json
from lvzhi.scoring.rule_scoring import OverScoring, over_scoring

__all__ = [
    "MANUAL_PENDING",
    "SCORED",
    "UNSCORED",
    "ConditionResult",
    "DataSet",
    "InputValue",
    "ItemResult",
    "ManualScore",
    "OverScoring",
    "RegionInput",
    "RegionResult",
    "Sample",
    "Scorer",
    "compile_scheme",
    "fmt",
    "merge_earlier",
    "merge_previous",
    "over_scoring",
    "read_data",
    "results_to_json",
]
