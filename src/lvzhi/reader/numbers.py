"""Number lexer: Arabic figures with 万/亿, Chinese numerals, 百分之…, measure words and fused hedges."""

from __future__ import annotations

import operator
import re
from decimal import Decimal
from typing import Final, NamedTuple

CN_DIGITS: Final = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_SMALL: Final = {"十": 10, "百": 100, "千": 1000}
_CN_BIG: Final = {"万": 10**4, "亿": 10**8}
CN_NUMERAL_CHARS: Final = "零〇一二两三四五六七八九十百千万亿"


def chinese_to_int(s: str) -> int:
    """Value of a Chinese numeral such as 三千二百八十七, 十五, 两, 一二〇 (digit-by-digit)."""
    if not s or any(ch not in CN_DIGITS and ch not in _CN_SMALL and ch not in _CN_BIG for ch in s):
        raise ValueError(f"不是中文数字: {s!r}")
    if all(ch in CN_DIGITS for ch in s) and len(s) > 1:
        # 一二〇 style: positional digits without multipliers.
        return int("".join(str(CN_DIGITS[ch]) for ch in s))
    total = 0  # completed 亿/万 sections
    section = 0  # current section below 万
    digit: int | None = None
    for ch in s:
        if ch in CN_DIGITS:
            digit = CN_DIGITS[ch]
        elif ch in _CN_SMALL:
            section += (1 if digit is None else digit) * _CN_SMALL[ch]
            digit = None
        else:
            section += digit or 0
            big = _CN_BIG[ch]
            if section == 0 and total == 0:
                section = 1
            total = (total + section) * big if big > 10**4 else total + section * big
            section = 0
            digit = None
    return total + section + (digit or 0)


def chinese_to_decimal(s: str) -> Decimal:
    """Value of a Chinese numeral with an optional 点 fraction (十二点五 → 12.5)."""
    whole, _, frac = s.partition("点")
    value = Decimal(chinese_to_int(whole)) if whole else Decimal(0)
    if frac:
        if any(ch not in CN_DIGITS for ch in frac):
            raise ValueError(f"不是中文小数: {s!r}")
        value += Decimal("0." + "".join(str(CN_DIGITS[ch]) for ch in frac))
    return value


# Measure words and units, longest first so that 个百分点 wins over 个 and 人次 over 人.
COUNT_UNITS: Final = [
    "人次",
    "场次",
    "校次",
    "个月",
    "周岁",
    "学时",
    "课时",
    "人",
    "名",
    "所",
    "个",
    "项",
    "次",
    "场",
    "间",
    "套",
    "台",
    "亩",
    "册",
    "件",
    "门",
    "条",
    "辆",
    "座",
    "处",
    "家",
    "期",
    "节",
    "部",
    "份",
    "组",
    "位",
    "批",
    "种",
    "类",
    "起",
    "分",
    "年",
    "天",
    "篇",
    "张",
    "支",
    "吨",
]
# A measure word followed by one of these characters is the start of a word, not a unit.
_NOT_UNIT_AFTER: Final = {
    "分": "钟别类配析校层批期担管享解布散工化数值",
    "部": "门署分署长",
    "台": "账",
    "处": "室理置罚长",
    "条": "件例款",
    "起": "草步来源",
    "组": "织建成长",
    "位": "于列居置",
    "节": "约能日点",
    "场": "馆地所景",
    "座": "谈",
    "批": "准复示",
    "所": "属以在得谓",
    "天": "然",
    "支": "出付持撑部",
    "名": "校单额",
    "门": "类户",
    "家": "庭长乡",
    "年": "级度",
    "种": "植",
    "件": "事",
}
_UNITS: Final = ["个百分点", "百分点", "平方公里", "平方米", "平米", "元", "%", "‰", *COUNT_UNITS]
_UNIT_ALT: Final = "|".join(re.escape(u) for u in sorted(_UNITS, key=len, reverse=True))

# A number may carry a fused 约/近 in front. The pattern starts with one character class — the 约/近 or
# the first digit — and checks the lookbehind `(?<![A-Za-z\d.])` right after it, for the character before
# that lead: the same positions as a lookbehind in front, but the regex engine can now skip ahead to the
# next candidate character in one C loop instead of attempting a match at every character.
# Each optional part is written `(?:X|)` rather than `X?`: the same matches and groups (X first, else
# nothing), but Python's engine runs an optional group of more than one character through its general
# repeat, which allocates a context on every attempt — a third of the lexer's scanning time.
ARABIC_RE: Final = re.compile(
    r"(?P<lead>[约近\d])(?<![A-Za-z\d.][约近\d])"
    # Thousands separators (152,406.18万元): groups of exactly three digits after a first group of one
    # to three, so that a list written with ASCII commas (1000,900,800元) is not read as one number.
    r"(?P<digits>(?<=\d)(?:(?<!\d,\d)\d{0,2}(?:,\d{3})+(?![\d])|\d*)|(?<=[约近])(?:\d{1,3}(?:,\d{3})+(?![\d])|\d+))"
    r"(?:(?P<frac>\.\d+(?![.\d]))|)"
    r"(?:(?P<q0>余|多)|)"
    r"(?: ?(?P<mag>万亿|千万|百万|万|亿|千)|)"
    r"(?:(?P<q1>余|多)|)"
    r"(?: ?(?P<unit>" + _UNIT_ALT + r")|)"
    r"(?:(?P<per>(?:/(?:生·年|人·年|年|人|生|校|班|月|天|学年))+)|)"
    r"(?:(?P<bound>及以上|及以下|以上|以下|左右)|)"
)

_CN_UNITS: Final = [
    "个",
    "项",
    "所",
    "名",
    "人",
    "次",
    "批",
    "位",
    "类",
    "种",
    "条",
    "件",
    "家",
    "间",
    "场",
    "支",
    "部",
    "座",
    "处",
    "台",
    "套",
    "门",
]
# As for ARABIC_RE: the lead (约/近 or the first numeral) first, then the lookbehind for what precedes it.
_CN_CLASS: Final = "[" + CN_NUMERAL_CHARS + "]"
CHINESE_RE: Final = re.compile(
    r"(?P<lead>[约近" + CN_NUMERAL_CHARS + r"])"
    r"(?<![\d." + CN_NUMERAL_CHARS + r"第首每初高前周][约近" + CN_NUMERAL_CHARS + r"])"
    r"(?P<rest>(?<=" + _CN_CLASS + r")" + _CN_CLASS + r"*|(?<=[约近])" + _CN_CLASS + r"+)"
    r"(?:(?P<q1>余|多)|)"
    r"(?P<unit>大类|大|" + "|".join(_CN_UNITS) + r")"
)
PERCENT_WORDS_RE: Final = re.compile(
    r"百分之(?P<num>[零〇一二两三四五六七八九十百]+(?:点[零〇一二三四五六七八九]+)?)"
)

_MAG: Final = {"万": 10**4, "亿": 10**8, "万亿": 10**12, "千万": 10**7, "百万": 10**6, "千": 10**3}


class Token(NamedTuple):
    """A raw number with whatever unit and hedges are fused to it; context decides if it is a figure."""

    start: int  # first character of the surface (a fused 约/近 included)
    num_start: int  # first character of the digits
    end: int
    value: Decimal  # in the base unit when the unit is known, else number × magnitude
    unit: str | None  # base unit (元, %, 百分点, 平方米 or the measure word); None when not written
    written_unit: str | None  # the unit as written (万元 → 元 with mag, 平方公里 …)
    magnitude: str  # 万 / 亿 / "" as written
    pre: str  # fused 约 / 近
    many: bool  # fused 余 / 多
    bound: str  # 以上 / 以下 / 左右 / ""
    chinese: bool
    per: str
    num_end: int  # end of the digits (Arabic figures; num_start + 1 for Chinese numerals)


def _starts_word(norm: str, end: int, unit: str) -> bool:
    """Whether the measure word ending at ``end`` is the first character of a word (分钟, 部门 …)."""
    if unit not in _NOT_UNIT_AFTER:
        return False
    nxt = norm[end : end + 1]
    return bool(nxt) and nxt in _NOT_UNIT_AFTER[unit]


# tuple.__new__ builds a Token without the named tuple's Python-level __new__ (a third of the cost).
_new = tuple.__new__


def lex(norm: str) -> list[Token]:
    """All number tokens of a normalised text, in order; one linear regex scan per numeral system."""
    tokens: list[Token] = []
    append = tokens.append
    for m in ARABIC_RE.finditer(norm):
        lead, digits, frac, q0, mag, q1, unit, per, bound = m.groups()
        start = m.start()
        if lead in "约近":
            pre, num, num_start = lead, digits + frac if frac else digits, start + 1
        else:
            pre, num, num_start = "", lead + digits + frac if frac else lead + digits, start
        mag = mag or ""
        value = Decimal(num.replace(",", "") if "," in num else num)
        if mag or len(num) > 28:  # × 1 too beyond 28 digits, where the context rounds (exact below)
            value = value * _MAG.get(mag, 1)
        end, written = m.end(), unit
        if unit is not None:
            if _starts_word(norm, m.end(7), unit):
                # The "unit" is the first character of a word (分钟, 部门 …): keep the bare number.
                end = max(m.end(3) if frac else m.end(2), m.end(4), m.end(5), m.end(6))
                unit = written = bound = per = None
            elif unit in _UNIT_BASE:
                unit = _UNIT_BASE[unit]
                if written == "平方公里":
                    value *= 10**6
        if frac or mag or len(num) > 28 or written == "平方公里":
            value = _integral(value)
        append(
            _new(
                Token,
                (
                    start,
                    num_start,
                    end,
                    value,
                    unit,
                    written,
                    mag,
                    pre,
                    bool(q0 or q1),
                    bound or "",
                    False,
                    per or "",
                    num_start + len(num),
                ),
            )
        )
    arabic = len(tokens)
    for m in CHINESE_RE.finditer(norm):
        lead, rest, q1, unit = m.groups()
        if _starts_word(norm, m.end(), unit):
            continue
        if lead in "约近":
            pre, num, num_start = lead, rest, m.start() + 1
        else:
            pre, num, num_start = "", lead + rest, m.start()
        try:
            value = Decimal(chinese_to_int(num))
        except ValueError:
            continue
        written, unit, many = unit, _UNIT_BASE.get(unit, unit), bool(q1)
        append(
            _new(
                Token,
                (
                    m.start(),
                    num_start,
                    m.end(),
                    value,
                    unit,
                    written,
                    "",
                    pre,
                    many,
                    "",
                    True,
                    "",
                    num_start + 1,
                ),
            )
        )
    for m in PERCENT_WORDS_RE.finditer(norm):
        try:
            value = _integral(chinese_to_decimal(m.group("num")))
        except ValueError:
            continue
        append(
            _new(
                Token,
                (m.start(), m.start(), m.end(), value, "%", "%", "", "", False, "", True, "", m.start() + 1),
            )
        )
    if len(tokens) > arabic:  # Chinese numerals come after the Arabic figures: merge them in
        tokens.sort(key=_START)
    return tokens


_START: Final = operator.itemgetter(0)  # Token.start


def _integral(value: Decimal) -> Decimal:
    """12.0 → 12, 3.5万 → 35000: a whole number is written without exponent (exact at any size, where
    quantize fails beyond 28 digits). Values made from digits alone, or Chinese integers, already are."""
    return Decimal(int(value)) if value == value.to_integral_value() else value


# Units written otherwise than their base unit (平方公里 also scales the value, see lex).
_UNIT_BASE: Final = {"个百分点": "百分点", "平米": "平方米", "平方公里": "平方米", "大": "个", "大类": "类"}


def decimals(stated: str) -> int:
    """Number of decimals written in a figure such as ``83`` (0) or ``10.21`` (2)."""
    _, _, frac = stated.partition(".")
    return len(frac)
