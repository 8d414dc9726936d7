"""Responses exported from a survey platform (.xlsx, one row per response) read against a questionnaire.

The first sheet's first row is the header. `columns` maps each field — "region", "group" and every question
code — to a header; unmapped columns (submission time, IP address, …) are ignored, so nothing beyond the
questionnaire's answers is kept. Every row is checked before anything is written; each problem is reported
as sheet!cell in Chinese (WorkbookInvalid).
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from openpyxl import load_workbook

from lvzhi.entry.workbook import WorkbookInvalid, cell_ref, check_container, read_sheets
from lvzhi.regions.models import Region
from lvzhi.surveys.questionnaire import Questionnaire, check_answers
from lvzhi.writer.cells import restore

MAX_ROWS = 20_000
# Platforms number their headers ("1、…", "Q1. …", "第1题 …"); the question's own text follows.
_NUMBERING = re.compile(r"^\s*(?:第?\s*\d+\s*题?|Q\d+)\s*[、.．:：)）]?\s*")
REGION_HEADERS = ("区划代码", "区划", "地区", "县区")
GROUP_HEADERS = ("调查对象", "身份", "您的身份")


@dataclass(frozen=True)
class ImportedResponse:
    row: int
    region_code: str
    group: str
    answers: dict[str, str]


def header_key(text: str) -> str:
    return _NUMBERING.sub("", text).strip()


def default_columns(q: Questionnaire) -> dict[str, str]:
    """The header each field is looked for under unless the office maps it otherwise."""
    return {"region": REGION_HEADERS[0], "group": GROUP_HEADERS[0], **{x.code: x.text for x in q.questions}}


def _text(v: object) -> str:
    return "" if v is None else restore(str(v).strip())


def parse_responses(
    data: bytes, file_name: str, q: Questionnaire, regions: Sequence[Region], columns: Mapping[str, str]
) -> list[ImportedResponse]:
    check_container(data, file_name).close()
    wb = load_workbook(io.BytesIO(data), read_only=True)
    try:
        sheet = wb.sheetnames[0]
    finally:
        wb.close()
    sheets, errors = read_sheets(data, [sheet])
    rows = sheets.get(sheet, [])
    if not rows:
        raise WorkbookInvalid([f"{sheet}!A1: 工作表是空的，第一行应为表头"])
    if len(rows) > MAX_ROWS + 1:
        raise WorkbookInvalid([f"{sheet}: 共 {len(rows) - 1} 行答卷，超过单次导入上限 {MAX_ROWS} 行"])
    headers = [header_key(_text(h)) for h in rows[0]]
    where: dict[str, int] = {}
    for field, header in {**default_columns(q), **columns}.items():
        wanted = header_key(header)
        found = [j for j, h in enumerate(headers) if h == wanted]
        label = {"region": "区划", "group": "调查对象"}.get(field, f"题目 {field}")
        if not found:
            last = cell_ref(sheet, 1, len(headers) + 1) if headers else f"{sheet}!A1"
            errors.append(f"{last}: 表头中没有“{header}”列（{label}），请检查列名或列对应关系")
        elif len(found) > 1:
            errors.append(f"{cell_ref(sheet, 1, found[1] + 1)}: 表头“{header}”出现了不止一次（{label}）")
        else:
            where[field] = found[0]
    if errors:
        raise WorkbookInvalid(errors)
    by_region = {**{r.name: r.code for r in regions}, **{r.code: r.code for r in regions}}
    by_group = {**{g.name: g.code for g in q.groups}, **{g.code: g.code for g in q.groups}}
    out: list[ImportedResponse] = []
    for i, row in enumerate(rows[1:], start=2):
        cells = {f: _text(row[j]) if j < len(row) else "" for f, j in where.items()}
        if not any(cells.values()):
            continue  # a blank line between blocks of responses
        region = by_region.get(cells["region"])
        if region is None:
            errors.append(
                f"{cell_ref(sheet, i, where['region'] + 1)}: “{cells['region']}”不是本次调查的区划"
                f"（可填：{'、'.join(r.name for r in regions)}）"
            )
        group = by_group.get(cells["group"])
        if group is None:
            errors.append(
                f"{cell_ref(sheet, i, where['group'] + 1)}: “{cells['group']}”不是问卷的调查对象"
                f"（可填：{'、'.join(g.name for g in q.groups)}）"
            )
            continue
        asked = {x.code for x in q.questions_for(group)}
        answers = {f: v for f, v in cells.items() if f in asked and v}
        for code, message in check_answers(q, group, answers).items():
            errors.append(f"{cell_ref(sheet, i, where[code] + 1) if code in where else sheet}: {message}")
        if region is not None:
            out.append(ImportedResponse(i, region, group, answers))
    if errors:
        raise WorkbookInvalid(errors)
    if not out:
        raise WorkbookInvalid([f"{sheet}!A2: 没有答卷行"])
    return out
