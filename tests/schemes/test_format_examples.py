"""Every worked example of docs/scheme-format.md is loaded, scored and gives the outcome the text states."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from lvzhi.schemes import load_scheme
from lvzhi.scoring import RegionInput, compile_scheme

DOC = Path(__file__).resolve().parents[2] / "docs" / "scheme-format.md"
EXAMPLE = re.compile(
    r"<!-- example: (?P<name>[\w-]+) -->\s*```yaml\n(?P<yaml>.*?)```\s*```json data\n(?P<data>.*?)```\s*"
    r"```json expect\n(?P<expect>.*?)```",
    re.S,
)
EXAMPLES = {m["name"]: m for m in EXAMPLE.finditer(DOC.read_text(encoding="utf-8"))}


def decimals(values: dict[str, Any]) -> dict[str, Decimal]:
    return {k: Decimal(str(v)) for k, v in values.items()}


def region(data: dict[str, Any]) -> RegionInput:
    return RegionInput(
        data["region"],
        values=decimals(data.get("values", {})),
        previous=decimals(data.get("previous", {})),
        earlier=[decimals(year) for year in data.get("earlier", [])],
        layers={layer: decimals(scores) for layer, scores in data.get("layers", {}).items()},
    )


def test_the_format_documents_an_example_of_every_scheme_feature() -> None:
    assert set(EXAMPLES) >= {
        "rounding-items",
        "rounding-total",
        "caps-and-demotions",
        "history",
        "deductions",
        "quotas",
        "rank-bands",
        "score-layers",
        "credibility",
    }


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_a_worked_example_scores_as_the_format_says(name: str, tmp_path: Path) -> None:
    example = EXAMPLES[name]
    path = tmp_path / f"{name}.yaml"
    path.write_text(example["yaml"], encoding="utf-8")
    scheme = load_scheme(path)
    results = {
        r.region: r for r in compile_scheme(scheme).score([region(d) for d in json.loads(example["data"])])
    }
    for code, expected in json.loads(example["expect"]).items():
        result = results[code]
        if "total" in expected:
            assert result.total == Decimal(expected["total"]), (code, result.total)
        if "grade" in expected:
            assert result.grade == expected["grade"], (code, result.grade, result.grade_explanation)
        if "deductions" in expected:
            assert result.deductions == Decimal(expected["deductions"])
        for item, score in expected.get("items", {}).items():
            assert result.item(item).score == Decimal(score), (code, item, result.item(item).explanation)
        for item, words in expected.get("explains", {}).items():
            assert words in result.item(item).explanation, (code, item, result.item(item).explanation)
        if "grade_explains" in expected:
            assert expected["grade_explains"] in result.grade_explanation, result.grade_explanation
