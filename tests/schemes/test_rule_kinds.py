"""Rule kinds are one table: every kind the loader reads is scored, rendered in words and documented."""

from __future__ import annotations

import re
from pathlib import Path

from lvzhi.schemes.rule_syntax import KINDS
from lvzhi.schemes.rule_text import KIND_NAMES, SENTENCES
from lvzhi.scoring.rule_scoring import CROSS_REGION, LAYER_SCORERS, SCORERS

DOC = Path(__file__).resolve().parents[2] / "docs" / "scheme-format.md"


def test_every_kind_read_by_the_loader_is_scored_and_rendered() -> None:
    assert set(KINDS) == set(SCORERS) | CROSS_REGION | set(LAYER_SCORERS)
    assert set(KINDS) == set(SENTENCES) == set(KIND_NAMES)


def test_every_kind_has_a_row_in_the_format_documentation() -> None:
    table = DOC.read_text(encoding="utf-8").split("### Rule kinds", 1)[1].split("###", 1)[0]
    documented = {
        k for cell in re.findall(r"^\| ([^|]+) \|", table, re.M) for k in re.findall(r"`(\w+)`", cell)
    }
    assert set(KINDS) <= documented


def test_each_kind_documents_the_keys_the_loader_takes() -> None:
    table = DOC.read_text(encoding="utf-8").split("### Rule kinds", 1)[1].split("###", 1)[0]
    for name, syntax in KINDS.items():
        row = next(
            line for line in table.splitlines() if line.startswith("|") and f"`{name}`" in line.split("|")[1]
        )
        for key in syntax.keys:
            assert f"`{key}`" in row, (name, key)
