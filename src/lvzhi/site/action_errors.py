"""The refusals every action of every app raises, and the free-text rules they share.

Every message is Chinese and says what to do. Apps below the evaluations (accounts, regions) raise these
too, so they live here, beneath all apps; lvzhi.evaluations.errors re-exports them with its own.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass


class ActionError(Exception):
    """An action was refused; nothing was written."""


@dataclass
class Issue:
    """One validation problem: the item (or indicator) code, and the message."""

    code: str
    message: str
    blocking: bool = True

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class ValidationFailed(ActionError):
    """Values failed validation; `issues` lists every problem."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        super().__init__("；".join(str(i) for i in issues))


def clean_text(text: str) -> str:
    """Free text as stored: control characters (NUL among them, which PostgreSQL refuses) removed, trimmed."""
    return "".join(ch for ch in text if ch in "\n\t" or not (ord(ch) < 32 or ord(ch) == 127)).strip()


def visible_count(text: str) -> int:
    """How many characters of the text a reader can see: letters, digits, punctuation and symbols.

    Spaces, zero-width and other format characters (U+200B, U+FEFF, U+200D …), control characters and lone
    combining marks print nothing, so they never count towards a reason or a password.
    """
    return sum(1 for ch in text if unicodedata.category(ch)[0] in "LNPS")


def written_text(text: str) -> str:
    """Text a person must have written (a reason, a justification): cleaned, or "" when nothing in it is visible.

    The one check for every "must give a reason" field: callers treat "" as "not filled in".
    """
    cleaned = clean_text(text or "")
    return cleaned if visible_count(cleaned) else ""
