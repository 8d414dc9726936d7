"""Cells of every workbook and CSV file we write: user text can never become a live formula.

OWASP's CSV-injection rule: a cell whose text starts with = + - @ TAB or CR is read by Excel, LibreOffice
and WPS as a formula (`=cmd|' /C calc'!A0` runs a program through DDE). Such text is written with a leading
apostrophe, which spreadsheet programs show as text; numbers, dates and other text pass unchanged. Every
xlsx/csv writer calls `neutralise_row` (or `neutralise`) on what it writes; importers call `restore` so a
note that went out and came back is stored exactly as it was typed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """The value to write into a cell: text that would start a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def neutralise_row(values: Iterable[Any]) -> list[Any]:
    """Every value of one row through `neutralise`."""
    return [neutralise(v) for v in values]


def restore(text: str) -> str:
    """The text as typed, from a cell written by `neutralise` (its apostrophe removed, nothing else)."""
    if text.startswith("'") and text[1:].startswith(FORMULA_TRIGGERS):
        return text[1:]
    return text
