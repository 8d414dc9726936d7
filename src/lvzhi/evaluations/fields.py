"""An exact decimal stored as its canonical text on every database.

SQLite keeps NUMERIC columns as floating point, so 0.1 + 0.2 style drift (and lost digits in large money
amounts) would creep in; a canonical decimal string round-trips exactly on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.expressions import Combinable

from lvzhi.scoring.numtext import parse_number_text

MAX_DIGITS = 40


def canonical(value: Decimal) -> str:
    """Plain notation without exponent or trailing zeros: Decimal('1.50E+3') → '1500', '-0' → '0'."""
    if not value.is_finite():
        raise ValueError(f"not a finite number: {value}")
    # format(…, "f") never rounds (normalize() would, to the context's 28 digits).
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def parse_decimal(value: Any) -> Decimal:
    """A Decimal from a number or text (text read by parse_number_text: digits, grouping, one point, a sign)."""
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, bool):
        raise ValueError("布尔值不是数字")
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        # repr() gives the shortest text that round-trips, i.e. what the person typed (0.1, not 0.1000000000000000055…).
        result = Decimal(repr(value))
    else:
        result = parse_number_text(str(value))
    if not result.is_finite():
        raise ValueError(f"“{value}”不是有限数字")
    if len(canonical(result).replace("-", "").replace(".", "")) > MAX_DIGITS:
        raise ValueError(f"“{value}”位数过多（最多 {MAX_DIGITS} 位）")
    return result


class DecimalStringField(models.CharField):  # type: ignore[type-arg]
    """Holds a Decimal (or None), stored as canonical text."""

    # What django-stubs' plugin reads as the attribute types of a model using this field: Decimals in and out.
    _pyi_private_set_type: Decimal | int | str | Combinable | None  # type: ignore[assignment]
    _pyi_private_get_type: Decimal  # type: ignore[assignment]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", MAX_DIGITS + 2)
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Decimal | None:
        return None if value is None or value == "" else Decimal(value)

    def to_python(self, value: Any) -> Decimal | None:
        if value is None or value == "":
            return None
        try:
            return parse_decimal(value)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc

    def get_prep_value(self, value: Any) -> str | None:
        if value is None or value == "":
            return None
        return canonical(parse_decimal(value))

    def value_to_string(self, obj: Any) -> str:
        value = self.value_from_object(obj)
        return "" if value is None else canonical(value)
