"""A verified figure beside the reported one: the deviation rate (偏差率) and whether it is beyond tolerance.

Plain functions, no Django: the finding action flags with them and the inspection report states them.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation


def relative_difference(reported: Decimal, verified: Decimal) -> Decimal | None:
    """(verified − reported) as a percent of the reported figure (偏差率); None when the reported figure is 0."""
    if reported == 0:
        return None
    return (verified - reported) * 100 / abs(reported)


def differs(reported: Decimal, verified: Decimal, tolerance: Decimal) -> bool:
    """True when the verified figure differs from the reported one by more than `tolerance` percent of it
    (any difference at all when the reported figure is 0)."""
    rate = relative_difference(reported, verified)
    return verified != reported if rate is None else abs(rate) > tolerance


def typed_number(text: str | None) -> Decimal | None:
    """A figure as a person types it (thousands separators allowed); blank is None; ValueError when it is no
    finite number (the page, the API and the CLI each say so in their own way)."""
    text = (text or "").strip().replace(",", "")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(text) from None
    if not value.is_finite():
        raise ValueError(text)
    return value
