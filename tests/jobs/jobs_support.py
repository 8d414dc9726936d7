"""Helpers of the job tests (imported by test modules; conftest holds only fixtures)."""

from __future__ import annotations

import io
from typing import Any


def filled_item_template(cast: Any, user: Any, region: str, values: dict[str, Any]) -> bytes:
    """The round's one-region template as the user downloads it, with `values` typed into this year's column."""
    from openpyxl import load_workbook

    from lvzhi.entry import workbook as wbk
    from lvzhi.entry.services import template_for

    data, _ = template_for(user, cast.round.pk, region)
    wb = load_workbook(io.BytesIO(data))
    ws = wb[wbk.ITEM_SHEET]
    for r in range(2, ws.max_row + 1):
        code = ws.cell(r, 1).value
        if code in values:
            ws.cell(r, 5).value = values[code]
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
