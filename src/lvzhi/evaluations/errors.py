"""Errors raised by evaluation actions (with the refusals every app shares, from lvzhi.site.action_errors)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from lvzhi.site.action_errors import (
    ActionError,
    Issue,
    ValidationFailed,
    clean_text,
    visible_count,
    written_text,
)

__all__ = [
    "ActionError",
    "EditConflict",
    "ImplausibleChange",
    "Issue",
    "NotEditable",
    "TransitionError",
    "ValidationFailed",
    "clean_text",
    "fmt",
    "visible_count",
    "written_text",
]


class TransitionError(ActionError):
    """The requested workflow step is not allowed from the current state."""


class NotEditable(ActionError):
    """The evaluation is locked in its current state."""


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
