"""Chinese official-document style for numbers and dates.

The one rule that matters most: a figure is printed exactly as the data holds it. Changing its unit
(万元 → 亿元) is only done when the converted figure is exact with at most two decimals, so that no
printed figure is ever rounded differently from the datum it states. Only derived figures (a growth rate
computed from two data) are rounded, half up, to two decimals — the tolerance the report reader allows.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

_DIGITS = "零一二三四五六七八九"
_MONEY_SCALE = {"元": Decimal(1), "万元": Decimal(10_000), "亿元": Decimal(100_000_000)}
_TWO = Decimal("0.01")


def plain(value: Decimal) -> str:
    """The number without exponent or superfluous trailing zeros: 118.070 → 118.07, 1E+3 → 1000."""
    if value == value.to_integral_value():
        return format(value.quantize(Decimal(1)), "f")
    return format(value.normalize(), "f")


def decimals(value: Decimal) -> int:
    """How many decimals the number needs (118.070 → 2)."""
    exp = value.normalize().as_tuple().exponent
    return max(0, -exp) if isinstance(exp, int) else 0


def money(value: Decimal, unit: str = "元") -> str:
    """An amount with the unit chosen by magnitude: 亿元 from 1亿, 万元 from 1万 (元 for small sums).

    The larger unit is only used when the figure stays exact: in 亿元 with at most four decimals (a whole
    number of 万元: 1165600万元 → 116.56亿元, 3146871万元 → 314.6871亿元), in 万元 with at most two.
    Amounts below a million 元 given in 元 (生均 11444.49元, 标准 650元) stay in 元, as reports write them.
    """
    if unit not in _MONEY_SCALE:
        raise ValueError(f"不是货币单位: {unit} (not a money unit)")
    yuan = value * _MONEY_SCALE[unit]
    for name, floor, places in (("亿元", Decimal(100_000_000), 4), ("万元", Decimal(10_000), 2)):
        if unit == "元" and name == "万元" and abs(yuan) < 1_000_000:
            continue
        scaled = yuan / _MONEY_SCALE[name]
        if abs(yuan) >= floor and decimals(scaled) <= places:
            return plain(scaled) + name
    if decimals(yuan) <= 2:
        return plain(yuan) + "元"
    return plain(value) + unit


# Units that are nouns rather than measure words take one: 139个班, not 139班.
_NOUN_UNITS = {"班": "个班"}
# Counts officials write in 万 from a hundred thousand on (118.69万人, 1104.1万平方米), when exact.
_TEN_THOUSANDS = {"人", "人次", "平方米", "册", "个", "名"}
_WAN = Decimal(10_000)


def quantity_parts(value: Decimal, unit: str) -> tuple[str, str]:
    """The number and the unit as printed: money by magnitude, large counts in 万 when exact, nouns with
    their measure word (139个班)."""
    if unit in _MONEY_SCALE:
        text = money(value, unit)
        unit_text = next(u for u in ("亿元", "万元", "元") if text.endswith(u))
        return text[: -len(unit_text)], unit_text
    if unit in _TEN_THOUSANDS and abs(value) >= 10 * _WAN and decimals(value / _WAN) <= 2:
        return plain(value / _WAN), "万" + unit
    return plain(value), _NOUN_UNITS.get(unit, unit)


def quantity_pair(value: Decimal, previous: Decimal, unit: str) -> tuple[str, str]:
    """This year's and last year's figure in one unit, so that a sentence never compares 亿元 with 万元:
    the scaled unit when both scale to it exactly, else the data's own unit."""
    a, b = quantity_parts(value, unit), quantity_parts(previous, unit)
    if a[1] == b[1]:
        return a[0] + a[1], b[0] + b[1]
    noun = _NOUN_UNITS.get(unit, unit)
    return plain(value) + noun, plain(previous) + noun


def quantity(value: Decimal, unit: str, qualifier: str = "") -> str:
    """A figure with its unit, and the bound the source puts on it where it has one: `5800余万元`,
    `97%以上`, `近100%` (余 sits between number and unit, 以上/左右 after, 近/约/超 before)."""
    number, unit_text = quantity_parts(value, unit)
    if qualifier in ("余", "多"):
        return f"{number}{qualifier}{unit_text}"
    if qualifier in ("近", "接近", "约", "超", "超过", "逾"):
        return f"{qualifier}{number}{unit_text}"
    return f"{number}{unit_text}{qualifier}"


def growth_rate(current: Decimal, previous: Decimal) -> Decimal:
    """Year-on-year change in percent, rounded half up to two decimals (a derived figure)."""
    if previous == 0:
        raise ValueError("上年数为0，无法计算增长率 (previous value is zero)")
    return ((current - previous) / previous * 100).quantize(_TWO, rounding=ROUND_HALF_UP)


def change_phrase(rate: Decimal) -> str:
    """`增长0.42%`, `下降1.5%` or `与上年持平` by the sign of a stated or computed rate."""
    if rate > 0:
        return f"增长{plain(rate)}%"
    if rate < 0:
        return f"下降{plain(-rate)}%"
    return "与上年持平"


def points_phrase(current: Decimal, previous: Decimal) -> str:
    """The change of a percentage in 个百分点: `提高3.64个百分点`, `下降0.5个百分点`, `与上年持平`."""
    diff = current - previous
    if diff > 0:
        return f"提高{plain(diff)}个百分点"
    if diff < 0:
        return f"下降{plain(-diff)}个百分点"
    return "与上年持平"


def sample_phrase(n: int, low: Decimal, high: Decimal, unit: str, level: int = 95) -> str:
    """What a figure measured on a sample was measured on, as a report states it after the figure:
    `抽样调查有效样本17份，95%置信区间为78.23%—96.09%，误差±8.93个百分点` (the ± is derived: half the
    interval, rounded half up to two decimals; a ± of a percentage is in 个百分点)."""
    spread = "个百分点" if unit == "%" else unit
    margin = ((high - low) / 2).quantize(_TWO, rounding=ROUND_HALF_UP)
    return (
        f"抽样调查有效样本{n}份，{level}%置信区间为{plain(low)}{unit}—{plain(high)}{unit}，"
        f"误差±{plain(margin)}{spread}"
    )


def cn_number(n: int) -> str:
    """A count in Chinese numerals as used in section numbers: 1 → 一, 10 → 十, 12 → 十二, 20 → 二十."""
    if not 0 < n < 100:
        raise ValueError(f"章节序号超出范围: {n} (section number out of range 1-99)")
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")
    return head + (_DIGITS[ones] if ones else "")


def section_marker(level: int, n: int) -> str:
    """The numbering of a heading by level: 一、 / （一） / 1. / （1）."""
    if level == 1:
        return f"{cn_number(n)}、"
    if level == 2:
        return f"（{cn_number(n)}）"
    if level == 3:
        return f"{n}."
    return f"（{n}）"


def cn_date(d: date) -> str:
    """`2024年5月19日`: no leading zeros, Arabic numerals (GB/T 9704-2012 7.3.5.3)."""
    return f"{d.year}年{d.month}月{d.day}日"


def score(value: Decimal) -> str:
    """Points exactly as scored (98.5分, 14.625分): a score is never rounded in the text."""
    return plain(value) + "分"
