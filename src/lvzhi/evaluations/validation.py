"""Validation of data values from the catalogue, and cross-field rules derived from it.

Per item: required, min/max, integer. Across items (derived from the catalogue so every scheme gets them):
- part ≤ whole: a computed item `share(a, b)` says a is a part of b;
- shares within 0–100: items whose name says 占比/比例 in %, and parts of a share;
- stated growth consistent with the two years: item `X_growth` (in %) against X and last year's X.
Against last year: a value outside last year's ×/÷ (1 + tolerance) is implausible until a person confirms it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal

from lvzhi.evaluations.errors import Issue
from lvzhi.evaluations.fields import parse_decimal
from lvzhi.evaluations.gateway import DataItem, catalogue

SHARE_CALL = re.compile(r"^\s*share\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*,\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)\s*$")
# Stated growth rates are usually rounded to one or two decimals in reports.
GROWTH_TOLERANCE = Decimal("0.1")
HUNDRED = Decimal(100)
# Default year-on-year tolerance (percent) for totals of money and counts of things, whose size a county
# does not double or halve in a year without a reason worth a word; rates, shares, growth figures and yes/no
# items change on other scales and are checked only where the catalogue gives them their own tolerance.
AMOUNT_UNITS = frozenset({"元", "万元", "亿元", "人", "名", "所", "个", "平方米", "台", "册", "间", "班"})
DEFAULT_CHANGE_TOLERANCE = Decimal(100)


def _num(v: Decimal) -> str:
    return format(v, "f")


def check_item(spec: DataItem, raw: object) -> tuple[Decimal | None, list[Issue]]:
    """Parse one raw value and check it against its catalogue entry."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, []
    if spec.formula:
        return None, [Issue(spec.code, f"“{spec.name}”由公式计算，不能直接填报")]
    try:
        value = parse_decimal(raw)
    except ValueError as exc:
        return None, [Issue(spec.code, f"“{spec.name}”：{exc}")]
    issues: list[Issue] = []
    unit = f" {spec.unit}" if spec.unit else ""
    if spec.integer and value != value.to_integral_value():
        issues.append(Issue(spec.code, f"“{spec.name}”应为整数，填写的是 {_num(value)}"))
    if spec.min is not None and value < spec.min:
        issues.append(
            Issue(spec.code, f"“{spec.name}”不能小于 {_num(spec.min)}{unit}，填写的是 {_num(value)}")
        )
    if spec.max is not None and value > spec.max:
        issues.append(
            Issue(spec.code, f"“{spec.name}”不能大于 {_num(spec.max)}{unit}，填写的是 {_num(value)}")
        )
    if spec.max is None and spec.unit == "%" and is_share(spec) and not Decimal(0) <= value <= HUNDRED:
        issues.append(Issue(spec.code, f"“{spec.name}”是占比，应在 0–100 之间，填写的是 {_num(value)}"))
    return value, issues


def change_tolerance(spec: DataItem) -> Decimal | None:
    """The item's own year-on-year tolerance in percent, else the default for amounts; None: not checked."""
    if spec.change_tolerance is not None:
        return spec.change_tolerance
    if spec.unit in AMOUNT_UNITS and not spec.code.endswith("_growth"):
        return DEFAULT_CHANGE_TOLERANCE
    return None


def implausible_change(spec: DataItem, value: Decimal | None, previous: Decimal | None) -> Issue | None:
    """A non-blocking issue when `value` is outside last year's ×/÷ (1 + tolerance/100), else None."""
    tolerance = change_tolerance(spec)
    if tolerance is None or value is None or previous is None or previous <= 0 or value < 0:
        return None
    factor = 1 + tolerance / HUNDRED
    if previous / factor <= value <= previous * factor:
        return None
    change = ((value - previous) / previous * HUNDRED).quantize(Decimal("0.1"))
    sign = "+" if change > 0 else ""
    unit = f" {spec.unit}" if spec.unit else ""
    return Issue(
        spec.code,
        f"“{spec.name}” {_num(value)}{unit} 与上年 {_num(previous)}{unit} 相比变化 {sign}{_num(change)}%，"
        f"超出该项合理变动范围（上年数值的 ±{_num(tolerance)}%）。请核对单位和位数；确属实请确认后保存",
        blocking=False,
    )


def is_share(spec: DataItem) -> bool:
    return "占比" in spec.name or "比例" in spec.name


def share_pairs(cat: Mapping[str, DataItem]) -> list[tuple[str, str]]:
    """(part, whole) pairs implied by the catalogue's share() formulas."""
    pairs = []
    for spec in cat.values():
        m = SHARE_CALL.match(spec.formula.text if spec.formula is not None else "")
        # "A与B之比" compares two separate quantities (pay vs pay); only 占…比例-style shares are parts of a whole.
        if m and m.group(1) in cat and m.group(2) in cat and "之比" not in spec.name:
            pairs.append((m.group(1), m.group(2)))
    return pairs


def cross_field_issues(
    values: Mapping[str, Decimal | None], previous: Mapping[str, Decimal | None]
) -> list[Issue]:
    """Cross-field problems among one evaluation's values (with last year's values for growth)."""
    cat = catalogue()
    issues: list[Issue] = []
    for part, whole in share_pairs(cat):
        a, b = values.get(part), values.get(whole)
        if a is not None and b is not None and a > b:
            issues.append(
                Issue(
                    part,
                    f"“{cat[part].name}” {_num(a)} 大于其总量“{cat[whole].name}” {_num(b)}（部分不能大于整体）",
                )
            )
    for code, spec in cat.items():
        if not code.endswith("_growth") or spec.formula:
            continue
        base = code[: -len("_growth")]
        stated, now, before = values.get(code), values.get(base), previous.get(base)
        if base not in cat or stated is None or now is None or before is None or before == 0:
            continue
        actual = (now - before) / before * HUNDRED
        if abs(actual - stated) > GROWTH_TOLERANCE:
            issues.append(
                Issue(
                    code,
                    f"填报的“{spec.name}” {_num(stated)}% 与两年数值不一致：({_num(now)} − {_num(before)}) ÷ "
                    f"{_num(before)} × 100 = {_num(actual.quantize(Decimal('0.01')))}%",
                )
            )
    return issues


def check_values(raw: Mapping[str, object]) -> tuple[dict[str, Decimal | None], list[Issue]]:
    """Parse and check many raw values against the catalogue; unknown codes are errors too."""
    cat = catalogue()
    parsed: dict[str, Decimal | None] = {}
    issues: list[Issue] = []
    for code, value in raw.items():
        spec = cat.get(code)
        if spec is None:
            issues.append(Issue(code, f"数据项目录中没有代码为 {code} 的数据项"))
            continue
        parsed[code], found = check_item(spec, value)
        issues.extend(found)
    return parsed, issues
