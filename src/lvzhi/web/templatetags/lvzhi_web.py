"""Template filters of the web interface: exact numbers as people write them."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django import template

from lvzhi.audit.codes import action_label, describe_record
from lvzhi.schemes.rule_text import kind_name

register = template.Library()


@register.filter
def num(value: Any, places: int | None = None) -> str:
    """A number without float noise or trailing zeros ('1500', '20.68'); empty for None."""
    if value is None or value == "":
        return ""
    try:
        d = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if places is not None:
        d = d.quantize(Decimal(1).scaleb(-int(places)))
        return format(d, "f")
    text = format(d.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


@register.filter
def yes_no(value: Any) -> str:
    """A 是否 item's stored 1/0 as 是/否; empty for None."""
    if value is None or value == "":
        return ""
    try:
        return "是" if Decimal(str(value)) != 0 else "否"
    except InvalidOperation:
        return str(value)


@register.filter
def get(mapping: Any, key: Any) -> Any:
    """mapping[key] in a template, None when absent."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def domid(code: Any) -> str:
    """An indicator or item code made safe for an element id and a CSS selector ('1.1' → '1_1')."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", str(code))


@register.filter
def rule_kind(kind: Any) -> str:
    """The Chinese name of a scoring rule kind."""
    return kind_name(str(kind))


register.filter("action_label", action_label)
register.filter("audit_sentence", describe_record)


@register.filter
def deadline_note(evaluation: Any) -> str:
    """填报截止 of one evaluation as a list shows it: the date (an extension's if granted), and 逾期 or the
    days left while the region still owes its submission."""
    from django.utils import timezone

    from lvzhi.evaluations.actions.office import OWING_STATES, fill_deadline_of, is_overdue

    deadline = fill_deadline_of(evaluation)
    if deadline is None:
        return "—"
    when = timezone.localtime(deadline).strftime("%Y-%m-%d %H:%M")
    if is_overdue(evaluation.state, deadline):
        return f"{when}（逾期）"
    if evaluation.state in OWING_STATES:
        return f"{when}（还剩 {(deadline - timezone.now()).days} 天）"
    return when
