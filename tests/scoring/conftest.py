"""Helpers to build small schemes from YAML text, loaded through the real loader."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from scoring_support import FIXTURES, HEADER, values

from lvzhi.schemes import Catalogue, Scheme, load_catalogue, load_scheme
from lvzhi.scoring import ItemResult, ManualScore, RegionInput, compile_scheme


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return load_catalogue(FIXTURES / "catalogue.yaml")


@pytest.fixture
def make_scheme(tmp_path: Path, catalogue: Catalogue) -> Callable[..., Scheme]:
    def make(body: str, total: object = 100, bonus_cap: object = "null") -> Scheme:
        path = tmp_path / "scheme.yaml"
        path.write_text(
            HEADER.format(total=total, bonus_cap=bonus_cap) + textwrap.dedent(body), encoding="utf-8"
        )
        return load_scheme(path, catalogue)

    return make


@pytest.fixture
def score_leaf(make_scheme: Callable[..., Scheme]) -> Callable[..., ItemResult]:
    """Score one leaf `L` with the given points and rule for one region."""

    def score(
        rule: str,
        points: object,
        current: Mapping[str, object] | None = None,
        previous: Mapping[str, object] | None = None,
        manual: Mapping[str, ManualScore] | None = None,
    ) -> ItemResult:
        scheme = make_scheme(
            f"indicators:\n  - {{code: L, name: 测试项, points: {points}, rule: {rule}}}\n", total=points
        )
        region = RegionInput(
            "r1", "甲县", values(**(current or {})), values(**(previous or {})), manual or {}
        )
        return compile_scheme(scheme).score([region])[0].item("L")

    return score
