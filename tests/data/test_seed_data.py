"""The seed data files record what the five seed reports state, each figure traceable to its exact text."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from decimal import Decimal
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from lvzhi.cli.main import app
from lvzhi.schemes.formula import compile_formula

SEED_DATA = Path(str(files("lvzhi"))) / "data" / "seeds"
CATALOGUE = Path(str(files("lvzhi"))) / "schemes" / "builtin" / "catalogue.yaml"

EXPECTED_REGIONS = {
    "chongqing-banan-2023.json": ("500113", "000_7ae6a4e40c84f3e1.txt"),
    "qinghai-haidong-2020.json": ("630200", "001_b4c35b3c2b948586.txt"),
    "yunnan-zhaotong-2024.json": ("530600", "002_2dd9345738e7a0f6.txt"),
    "zhejiang-wuxing-2019.json": ("330502", "003_0435f6d3190c0ba4.txt"),
    "heilongjiang-county-2024.json": ("23XXXX", "004_5f29f3c7baff100d.txt"),
}
# (unit as stated in the report, catalogue unit) -> factor; anything else is a unit mistake.
TO_CATALOGUE = {
    ("亿元", "万元"): Decimal(10000),
    ("万元", "万元"): Decimal(1),
    ("万人", "人"): Decimal(10000),
    ("万", "人"): Decimal(10000),
    ("万人次", "人次"): Decimal(10000),
    ("万个", "个"): Decimal(10000),
    ("万平米", "平方米"): Decimal(10000),
    ("个", "班"): Decimal(1),
}
# The gold annotations (../shared/seeds/gold/claims.jsonl) keep values in base units: 元, 人, 平方米.
TO_GOLD_BASE = {
    "亿元": Decimal(10**8),
    "万元": Decimal(10**4),
    "万人": Decimal(10**4),
    "万": Decimal(10**4),
    "万人次": Decimal(10**4),
    "万个": Decimal(10**4),
    "万平米": Decimal(10**4),
    "平方公里": Decimal(10**6),
}


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SEED_DATA / name).read_text(encoding="utf-8"))
    return data


def catalogue() -> dict[str, dict[str, Any]]:
    items = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))["items"]
    return {item["code"]: item for item in items}


def sources() -> Iterator[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    """Every (data file, item code, source entry, region) in the seed data."""
    for name in EXPECTED_REGIONS:
        for region in load(name)["regions"]:
            for code, source in region["sources"].items():
                yield name, code, source, region


def numeric(surface: str) -> Decimal:
    match = re.search(r"\d+(?:\.\d+)?", surface)
    assert match, f"no number in {surface!r}"
    return Decimal(match.group())


def test_every_seed_report_has_a_data_file_with_its_region_code() -> None:
    assert sorted(p.name for p in SEED_DATA.glob("*.json")) == sorted(EXPECTED_REGIONS)
    for name, (code, report) in EXPECTED_REGIONS.items():
        data = load(name)
        assert isinstance(data["year"], int)
        [region] = data["regions"]
        assert region["region"] == code
        assert {s["file"] for s in region["sources"].values()} == {report}


def test_every_source_points_at_the_exact_text_of_its_report(seeds_dir: Path) -> None:
    texts: dict[str, str] = {}
    checked = 0
    for name, code, source, _ in sources():
        for entry in (source, source.get("previous")):
            if entry is None:
                continue
            text = texts.setdefault(entry["file"], (seeds_dir / entry["file"]).read_text(encoding="utf-8"))
            start, surface, sentence = entry["start"], entry["surface"], entry["sentence"]
            assert text[start:].startswith(surface), f"{name} {code}: {surface!r} is not at offset {start}"
            # The sentence is quoted verbatim and is the one holding the figure, not a later repetition.
            around = [m.start() for m in re.finditer(re.escape(sentence), text)]
            assert any(a <= start < a + len(sentence) for a in around), (
                f"{name} {code}: sentence not around {start}"
            )
            checked += 1
    assert checked >= 150


def test_values_are_the_stated_figures_converted_to_catalogue_units() -> None:
    items = catalogue()
    for name, code, source, region in sources():
        unit = items[code]["unit"]
        factor = Decimal(1) if source["unit"] == unit else TO_CATALOGUE[(source["unit"], unit)]
        assert Decimal(str(region["values"][code])) == Decimal(str(source["value"])) * factor, (
            f"{name} {code}"
        )
        if re.search(r"\d", source["surface"]):
            assert numeric(source["surface"]) == Decimal(str(source["value"])), f"{name} {code}"
    for name in EXPECTED_REGIONS:
        for region in load(name)["regions"]:
            assert set(region["values"]) == set(region["sources"]), f"{name}: a value without its source"
            assert set(region["previous"]) <= set(region["values"])
            assert {c for c, s in region["sources"].items() if "previous" in s} == set(region["previous"])


def test_stated_figures_agree_with_the_hand_made_gold_annotations(seeds_dir: Path) -> None:
    gold: dict[tuple[str, int], dict[str, Any]] = {}
    for line in (seeds_dir / "gold" / "claims.jsonl").read_text(encoding="utf-8").splitlines():
        claim = json.loads(line)
        gold[(claim["file"], claim["start"])] = claim
    matched = 0
    for name, code, source, _ in sources():
        entries = [source] + (
            [source["previous"]] if "previous" in source and "derived" not in source["previous"] else []
        )
        for entry in entries:
            if not re.search(r"\d", entry["surface"]):
                continue  # a stated yes/no (e.g. 教师工资收入高于公务员) has no numeric claim
            claim = gold.get((entry["file"], entry["start"]))
            assert claim is not None, f"{name} {code}: no gold claim at {entry['start']}"
            assert claim["surface"] == entry["surface"]
            expected = Decimal(str(entry["value"])) * TO_GOLD_BASE.get(entry["unit"], Decimal(1))
            assert Decimal(str(claim["value"])) == expected, f"{name} {code}: {claim['value']} ≠ {expected}"
            if entry.get("year") is not None and claim["year"] is not None:
                assert str(claim["year"]) == str(entry["year"]), f"{name} {code}: year"
            matched += 1
    assert matched >= 140


def test_derived_previous_values_follow_from_the_stated_growth() -> None:
    derived = 0
    for name, code, source, region in sources():
        previous = source.get("previous")
        if previous is None or "derived" not in previous:
            continue
        this_year = Decimal(str(region["values"][code]))
        step = numeric(previous["surface"])
        if previous["surface"].endswith("个百分点"):
            expected = this_year - step
        else:
            expected = this_year / (1 + step / 100)
        got = Decimal(str(region["previous"][code]))
        assert abs(got - expected) <= Decimal("0.5"), f"{name} {code}: {got} vs {expected}"
        assert previous["derived"].startswith(str(region["values"][code]))
        derived += 1
    assert derived == 6


def test_every_value_is_a_plain_catalogue_item_within_its_validation() -> None:
    items = catalogue()
    for name in EXPECTED_REGIONS:
        for region in load(name)["regions"]:
            for section in ("values", "previous"):
                for code, value in region[section].items():
                    item = items.get(code)
                    assert item is not None, f"{name}: {code} is not in the catalogue"
                    assert "formula" not in item, f"{name}: {code} is computed, it cannot be given"
                    number = Decimal(str(value))
                    if "min" in item:
                        assert number >= Decimal(str(item["min"])), f"{name} {code}"
                    if "max" in item:
                        assert number <= Decimal(str(item["max"])), f"{name} {code}"
                    if item.get("integer"):
                        assert number == number.to_integral_value(), f"{name} {code}"


@pytest.mark.parametrize(
    ("stated", "computed"),
    [("kg_public_share", "kg_public_share_calc"), ("edu_gpb_budget_share", "edu_gpb_budget_share_calc")],
)
def test_a_stated_share_agrees_with_its_parts_where_the_report_gives_both(stated: str, computed: str) -> None:
    formula = compile_formula(catalogue()[computed]["formula"])
    checked = 0
    for name in EXPECTED_REGIONS:
        for region in load(name)["regions"]:
            values = {k: Decimal(str(v)) for k, v in region["values"].items()}
            if stated not in values or not formula.names <= values.keys():
                continue
            result = formula.evaluate(values)
            assert isinstance(result, Decimal)
            # A figure stated to n decimals is within half a unit of its last decimal of the exact share.
            decimals = -values[stated].as_tuple().exponent  # type: ignore[operator]
            assert abs(result - values[stated]) <= Decimal(5).scaleb(-decimals - 1), f"{name}: {result}"
            checked += 1
    assert checked >= 1, "no seed region states both the share and its parts"


def test_zhaotong_states_a_public_kindergarten_share_below_the_national_half() -> None:
    [region] = load("yunnan-zhaotong-2024.json")["regions"]
    assert region["values"]["kg_public_share"] == 39.66
    assert "39.66%" in region["sources"]["kg_public_share"]["sentence"]


def test_lvzhi_score_statutory_reports_zhaotong_public_kindergarten_share_failing() -> None:
    data = SEED_DATA / "yunnan-zhaotong-2024.json"
    result = CliRunner().invoke(app, ["score", "--scheme", "statutory", "--data", str(data), "--json"])
    assert result.exit_code == 0, result.output
    [region] = json.loads(result.output)["regions"]
    assert region["region"] == "530600"
    items = {item["code"]: item for item in region["items"]}
    assert items["S6"]["status"] == "scored" and items["S6"]["score"] == 0
    assert items["S6"]["explanation"] == "公办园在园幼儿占比 39.66% < 50% → 0/1"
    assert items["S10"]["score"] == 1  # 高中阶段毛入学率 90.18 % ≥ 90 %
    assert items["S4"]["status"] == "unscored"  # 昭通 states no 学前三年毛入园率
