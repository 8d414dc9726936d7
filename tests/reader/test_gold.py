"""The reader against the hand-made gold of the five seed reports (read from ../shared/seeds)."""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path
from types import ModuleType

import pytest

from lvzhi.reader.pipeline import analyse

ROOT = Path(__file__).resolve().parents[2]


def _eval_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("eval_reader", ROOT / "scripts" / "eval_reader.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the script loads
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def score(seeds_dir: Path) -> object:
    return _eval_script().evaluate(seeds_dir)


def test_headings_f1_reaches_098(score: object) -> None:
    assert score.headings[2] >= 0.98  # type: ignore[attr-defined]


def test_every_boilerplate_span_is_found(score: object) -> None:
    assert score.boilerplate_found == score.boilerplate_gold == 10  # type: ignore[attr-defined]


def test_claims_f1_reaches_095(score: object) -> None:
    assert score.claims[2] >= 0.95  # type: ignore[attr-defined]


def test_every_gold_check_is_found_with_its_verdict(score: object) -> None:
    assert score.checks_right_verdict == score.checks_gold == 31  # type: ignore[attr-defined]


def test_no_inconsistency_is_flagged_that_gold_does_not_have(score: object) -> None:
    assert score.false_inconsistencies == 0  # type: ignore[attr-defined]


def test_the_script_prints_every_figure(score: object) -> None:
    printed = _eval_script().report(score)
    for label in ("F1=", "样板", "claims", "qualifier=", "metric=", "误报不一致"):
        assert label in printed


def test_seed_003_population_contradiction_is_a_finding(seeds_dir: Path) -> None:
    text = (seeds_dir / "003_0435f6d3190c0ba4.txt").read_text(encoding="utf-8")
    findings = analyse(text).findings
    assert any(f.kind == "duplicate_metric" and "62.99万" in f.message for f in findings)


def test_seed_001_numbering_gap_is_a_finding(seeds_dir: Path) -> None:
    text = (seeds_dir / "001_b4c35b3c2b948586.txt").read_text(encoding="utf-8")
    gaps = [f for f in analyse(text).findings if f.kind == "numbering_gap"]
    assert any("四、" in f.message for f in gaps)


def _cpu_seconds(text: str) -> float:
    t0 = time.process_time()  # CPU time: other jobs on the machine do not count
    analyse(text)
    return time.process_time() - t0


def test_time_grows_linearly_up_to_a_5mb_input(seeds_dir: Path) -> None:
    text = "".join(p.read_text(encoding="utf-8") for p in sorted(seeds_dir.glob("*.txt")))
    t_small = _cpu_seconds((text * 10)[:250_000])
    t_big = _cpu_seconds((text * 180)[:5_000_000])
    # 20x the input may cost at most 20x the time plus noise; quadratic code would be 400x.
    assert t_big < 40 * max(t_small, 0.05), (t_small, t_big)


def test_text_without_any_punctuation_or_line_break_stays_linear() -> None:
    unit = "全县共有学校35所其中小学20所"  # one endless "sentence" and "paragraph"
    t_small = _cpu_seconds(unit * 2_000)
    t_big = _cpu_seconds(unit * 20_000)
    assert t_big < 25 * max(t_small, 0.05), (t_small, t_big)
