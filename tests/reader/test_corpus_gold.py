"""The corpus gold (tests/reader/gold) points at the texts in ../shared/corpus, and the held-out split is fixed."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

HERE = Path(__file__).parent
GOLD = HERE / "gold"
CORPUS = HERE.parent.parent.parent / "shared" / "corpus"


@pytest.fixture(scope="module")
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"../shared/corpus not found beside the repository ({CORPUS})")
    return CORPUS


def _rows(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_at_least_thirty_documents_are_annotated(corpus: Path) -> None:
    names = {p.stem for p in GOLD.glob("*.jsonl")}
    assert len(names) >= 30
    assert all((corpus / f"{n}.txt").is_file() for n in names)


def test_the_annotations_point_at_their_surfaces(corpus: Path) -> None:
    for path in sorted(GOLD.glob("*.jsonl")):
        text = (corpus / f"{path.stem}.txt").read_text(encoding="utf-8")
        body = text.index("\n\n") + 2
        claims = {}
        for row in _rows(path):
            assert row["file"] == f"{path.stem}.txt"
            if "quote" in row:
                assert row["quote"] in text[body:], (path.name, row["quote"])
            elif "surface" in row:
                start, end = int(row["start"]), int(row["end"])  # type: ignore[call-overload]
                assert start >= body and text[start:end] == row["surface"], (path.name, row)
                claims[start] = row
            elif "statistic" in row:
                continue  # checked below, against the claims
            elif "marker" in row:
                assert text[int(row["start"]) :].startswith(str(row["marker"])), (path.name, row)  # type: ignore[call-overload]
            else:
                assert row["kind"] == "boilerplate" and body <= int(row["start"]) < int(row["end"])  # type: ignore[call-overload]
        for row in _rows(path):
            if "quote" in row or "statistic" in row:
                assert int(row["start"]) in claims, (path.name, row)  # type: ignore[call-overload]


def test_the_held_out_third_is_the_fixed_hash_of_the_file_names(corpus: Path) -> None:
    listed = {
        line
        for line in (GOLD / "HELDOUT").read_text(encoding="utf-8").splitlines()
        if line and line[0] != "#"
    }
    by_hash = {
        p.name
        for p in corpus.glob("*.txt")
        if int(hashlib.sha256(p.name.encode()).hexdigest()[:8], 16) % 3 == 0
    }
    assert listed == by_hash
    annotated = {f"{p.stem}.txt" for p in GOLD.glob("*.jsonl")}
    assert len(listed & annotated) >= 10


def _eval_script() -> object:
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location(
        "eval_reader", HERE.parent.parent / "scripts" / "eval_reader.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the script loads
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("split", ["train", "heldout"])
def test_the_reader_meets_the_targets_on_the_corpus(corpus: Path, split: str) -> None:
    score = _eval_script().evaluate_corpus(split)  # type: ignore[attr-defined]
    assert score.headings[2] >= 0.95
    assert score.boilerplate_found == score.boilerplate_gold
    assert score.claims[2] >= 0.95
    assert score.checks_found >= 0.85 * score.checks_gold
    assert score.inconsistent_found == score.inconsistent_gold
    assert score.false_inconsistencies == 0
    assert score.prefill_hit >= 0.98 * score.prefill_pred
