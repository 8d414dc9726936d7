"""Errors raised by evaluation actions; every message is Chinese and says what to do."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any


class ActionError(Exception):
    """An action was refused; nothing was written."""


class TransitionError(ActionError):
    """The requested workflow step is not allowed from the current state."""


class NotEditable(ActionError):
    """The evaluation is locked in its current state."""


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


@dataclass
class EditConflict(ActionError):
    """Someone else saved the same item since the editor loaded it; the editor's input is kept here."""

    item_code: str
    expected_version: int | None
    current_version: int
    current_value: Any
    changed_by: str
    changed_at: Any
    your_value: Any = None
    extra: dict[str, Any] = field(default_factory=dict)
    item_name: str = ""  # what people call the item or indicator; the code when empty

    def __str__(self) -> str:
        from django.utils import timezone

        current = "（空）" if self.current_value is None else str(self.current_value)
        mine = "（空）" if self.your_value is None else str(self.your_value)
        when = ""
        if isinstance(self.changed_at, datetime):
            # Stored in UTC; people read Beijing time (settings.TIME_ZONE), as the footer says.
            at = (
                timezone.localtime(self.changed_at) if timezone.is_aware(self.changed_at) else self.changed_at
            )
            when = at.strftime("%Y-%m-%d %H:%M")
        return (
            f"保存冲突：“{self.item_name or self.item_code}”已被 {self.changed_by} 于 {when} 修改为 {current}"
            f"（版本 {self.current_version}），您的输入 {mine} 未保存。请刷新后核对再保存。"
        )


class ImplausibleChange(ActionError):
    """A value far from last year's (beyond the item's tolerance): saved only once a person confirms it."""

    def __init__(self, issue: Issue) -> None:
        self.issue = issue
        super().__init__(issue.message)


def fmt(value: Decimal | None) -> str:
    return "（空）" if value is None else format(value, "f")


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
