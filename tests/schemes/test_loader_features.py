"""The loader refuses a wrong rounding, quota, charge_to or score_layers with its place, all at once."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from lvzhi.schemes import SchemeError, load_catalogue, load_scheme

FIXTURES = Path(__file__).parent / "fixtures"
HEAD = """\
id: t
title: 测试
issuer: 测试
level: 县
year: 2023
document: null
total: 10
provenance: {status: official, sources: [{title: 测试}]}
"""
GOOD = """
grades: [{code: A, name: 优秀, min: 9, quota: 30}, {code: B, name: 合格, min: 0}]
rounding: {items: 2, total: 1}
deduction_cap: 3
score_layers: {layers: [{code: verified, name: 实地核查}, {code: self, name: 自评}], final: mean}
indicators:
  - {code: "1", name: 甲, points: 10, rule: {kind: threshold, expr: kg_public_share, op: ">=", target: 50}}
deductions:
  - {code: K1, name: 扣分, points: 2, charge_to: "1", rule: {kind: per_item_deduction, count: major_accidents, per_item: 1}}
"""


def load(tmp_path: Path, body: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "s.yaml"
    path.write_text(HEAD + textwrap.dedent(body), encoding="utf-8")
    return load_scheme(path, load_catalogue(FIXTURES / "catalogue.yaml"))


def problems(tmp_path: Path, body: str) -> list[str]:
    with pytest.raises(SchemeError) as exc:
        load(tmp_path, body)
    return [f"{p.line}: {p.zh}" for p in exc.value.problems]


def test_a_scheme_using_every_feature_loads(tmp_path: Path) -> None:
    scheme = load(tmp_path, GOOD)
    assert scheme.rounding.items == 2 and scheme.rounding.total == 1
    assert scheme.deduction_cap == 3 and scheme.deductions[0].charge_to == "1"
    assert scheme.grades[0].quota == 30
    assert scheme.score_layers is not None and scheme.score_layers.final == "mean"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("rounding: {items: 2, total: 1}", "rounding: {items: 7}"), "rounding 的 items 须为 0–6 位小数"),
        (("rounding: {items: 2, total: 1}", "rounding: {digits: 2}"), "未知的键 “digits”"),
        (
            ("{code: B, name: 合格, min: 0}", "{code: B, name: 合格, min: 0, quota: 50}"),
            "最低等次 B 不能有名额限制",
        ),
        (("quota: 30", "quota: 130"), "不能大于 100"),
        (('charge_to: "1"', 'charge_to: "9"'), "charge_to “9” 不是指标树中的指标代码"),
        (("final: mean", "final: median"), "final 应为 first / min / max / mean"),
        (("deduction_cap: 3", "deduction_cap: -1"), "deduction_cap 不能小于 0"),
    ],
)
def test_a_wrong_feature_is_refused_with_its_line(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    body = GOOD.replace(*change)
    found = problems(tmp_path, body)
    assert any(message in p for p in found), found
    line = next(int(p.split(":")[0]) for p in found if message in p)
    assert change[1].split(":")[0].strip("{ ") in (HEAD + textwrap.dedent(body)).splitlines()[line - 1]


def test_charge_to_belongs_to_deduction_items(tmp_path: Path) -> None:
    body = GOOD.replace(
        'rule: {kind: threshold, expr: kg_public_share, op: ">=", target: 50}}',
        'charge_to: "1", rule: {kind: threshold, expr: kg_public_share, op: ">=", target: 50}}',
    )
    assert any("只有扣分项可以写 charge_to" in p for p in problems(tmp_path, body))
