"""Shared helpers of the scoring tests (a module of its own: conftest modules are not importable)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "schemes" / "fixtures"


HEADER = """\
id: test
title: 测试方案
issuer: 测试
level: 县
year: 2023
document: null
total: {total}
grades:
  - {{code: A, name: 优秀, min: 90}}
  - {{code: B, name: 良好, min: 75}}
  - {{code: C, name: 合格, min: 60}}
  - {{code: D, name: 不合格, min: 0}}
bonus_cap: {bonus_cap}
provenance:
  status: official
  sources: [{{title: 测试}}]
"""


def D(x: object) -> Decimal:
    return Decimal(str(x))


def values(**kw: object) -> dict[str, Decimal]:
    return {k: D(v) for k, v in kw.items()}
