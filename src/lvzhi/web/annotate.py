"""The reader's findings drawn on the report text: figures highlighted, inconsistent ones in red.

The text is escaped piece by piece between the reader's offsets, so nothing from an uploaded file can
inject markup; the spans come straight from lvzhi.reader's Analysis (offsets into the same text).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True)
class Mark:
    start: int
    end: int
    css: str
    title: str
    note: str = ""
    anchor: str = ""


def _fmt(d: Decimal) -> str:
    text = format(d.normalize(), "f") if isinstance(d, Decimal) else str(d)
    return text.rstrip("0").rstrip(".") if "." in text else text


def marks_for(analysis: Any) -> list[Mark]:
    """One mark per figure; a figure inside an inconsistent check is red and carries the recomputation."""
    bad: list[tuple[int, int, tuple[int, Any]]] = []
    good: list[tuple[int, int]] = []
    for i, chk in enumerate(analysis.checks):
        end = chk.end or chk.start + 1
        if chk.consistent:
            good.append((chk.start, end))
        elif chk.alarm:  # a check the reader cannot confirm (无法确认) is no alarm
            bad.append((chk.start, end, (i, chk)))
    marks: list[Mark] = []
    for claim in analysis.claims:
        hit = next((b for b in bad if b[0] <= claim.start < b[1] and _same_figure(claim, b[2][1])), None)
        title = f"{claim.metric or '数值'}：{_fmt(claim.value)} {claim.unit}".strip()
        if hit is not None:
            i, chk = hit[2]
            marks.append(
                Mark(
                    claim.start,
                    claim.end,
                    "fig bad",
                    f"{title}；{chk.message}",
                    f"重算 {_fmt(chk.recomputed)}，报告写 {_fmt(chk.stated)}",
                    f"check-{i}",
                )
            )
        elif any(g[0] <= claim.start < g[1] for g in good):
            marks.append(Mark(claim.start, claim.end, "fig ok", f"{title}；算术核对一致"))
        else:
            marks.append(Mark(claim.start, claim.end, "fig", title))
    # Inconsistent checks whose stated figure is not among the claims still get a red mark at their start.
    covered = {m.anchor for m in marks if m.anchor}
    for i, chk in enumerate(analysis.checks):
        if chk.alarm and f"check-{i}" not in covered:
            end = chk.end or chk.start + 1
            marks.append(
                Mark(
                    chk.start,
                    end,
                    "fig bad",
                    chk.message,
                    f"重算 {_fmt(chk.recomputed)}，报告写 {_fmt(chk.stated)}",
                    f"check-{i}",
                )
            )
    marks.sort(key=lambda m: (m.start, -m.end))
    out: list[Mark] = []
    last_end = -1
    for (
        m
    ) in marks:  # no overlapping marks: keep the first (and red ones win over plain ones at the same place)
        if m.start >= last_end:
            out.append(m)
            last_end = m.end
        elif "bad" in m.css and out and "bad" not in out[-1].css and out[-1].start == m.start:
            out[-1] = m
            last_end = m.end
    return out


def _same_figure(claim: Any, chk: Any) -> bool:
    # The stated figure of a check is the claim whose value equals it (others in the passage are inputs).
    try:
        return bool(Decimal(claim.value) == Decimal(chk.stated) or claim.start == chk.start)
    except Exception:
        return bool(claim.start == chk.start)


def annotated_html(text: str, marks: list[Mark]) -> SafeString:
    """The text with <mark> elements around the figures, everything else escaped."""
    parts: list[str] = []
    pos = 0
    for m in marks:
        if m.start < pos or m.end > len(text):
            continue
        parts.append(escape(text[pos : m.start]))
        anchor = f' id="{m.anchor}"' if m.anchor else ""
        parts.append(
            f'<mark class="{m.css}" title="{escape(m.title)}"{anchor} tabindex="0">{escape(text[m.start : m.end])}</mark>'
        )
        if m.note:
            parts.append(f'<span class="err">（{escape(m.note)}）</span>')
        pos = m.end
    parts.append(escape(text[pos:]))
    return mark_safe("".join(parts))
