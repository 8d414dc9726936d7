"""The one reading of a number typed by a person: in a form, an API body, a workbook cell or a data file.

Accepted: ASCII digits and full-width digits (０-９), an optional sign (+ - ＋ －), thousands grouping with
"," or "，" in groups of three, and one decimal point ("." or "．"). Everything else is refused with a
Chinese message naming the text: Python's Decimal() alone would also take "1_000", "٣" (Arabic-Indic
three), "1e5", "NaN" and "Infinity", none of which a person means as an entry in a statistics form.
"""

from __future__ import annotations

import re
from decimal import Decimal

_FULL_WIDTH = str.maketrans("０１２３４５６７８９．，－＋", "0123456789.,-+")
NUMBER_HINT = "只能使用数字 0-9（可用全角）、一个小数点、正负号和千位分隔逗号"
# Digits written [0-9], not \d: \d matches every Unicode decimal digit (Arabic-Indic, Devanagari …).
_NUMBER = re.compile(r"[+-]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)?(?:\.[0-9]+)?")


def parse_number_text(text: str) -> Decimal:
    """The Decimal a person wrote, or ValueError saying (in Chinese) why the text is not a number."""
    raw = text.strip()
    plain = raw.translate(_FULL_WIDTH)
    if not _NUMBER.fullmatch(plain) or not any("0" <= ch <= "9" for ch in plain):
        raise ValueError(f"“{raw[:30]}”不是数字：{NUMBER_HINT}")
    return Decimal(plain.replace(",", ""))
