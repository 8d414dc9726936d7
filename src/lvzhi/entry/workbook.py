"""Excel templates for a round and their validation on import — pure: plain data in, plain data out.

Two layouts:
- item rows (one region): columns 代码 | 数据项 | 单位 | 上年数值 | 本年数值 | 说明, one row per item;
- region rows (an office filling many regions): sheet 本年数值 and sheet 上年数值, row 1 the item codes,
  row 2 their names and units, then one row per region (A 区划代码, B 区划名称, C… the items).

A hidden sheet 模板信息 records the layout, round and region, so a workbook is only imported into the
round it was made for. Parsing checks the file before openpyxl touches it (size, not-a-zip, zip bombs),
then every cell, and returns either every value or every error as `sheet!cell: message` — never a part.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import PurePosixPath
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from lvzhi.scoring.numtext import NUMBER_HINT, parse_number_text
from lvzhi.writer.cells import neutralise_row, restore

TEMPLATE_FORMAT = "lvzhi-entry/1"
ITEM_LAYOUT = "item-rows"
REGION_LAYOUT = "region-rows"
ITEM_SHEET = "数据填报"
CURRENT_SHEET = "本年数值"
PREVIOUS_SHEET = "上年数值"
INFO_SHEET = "填报说明"
META_SHEET = "模板信息"
ITEM_HEADER = ("代码", "数据项", "单位", "上年数值", "本年数值", "说明")

# Limits checked on the raw bytes, before openpyxl (which would inflate everything in memory).
MAX_FILE_BYTES = 30 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 400 * 1024 * 1024
MAX_MEMBER_RATIO = 150  # real sheets compress 5–30×; a zip bomb compresses thousands of times
MAX_MEMBERS = 2000
MAX_DIGITS = 20
# Excel's data validation needs bounds; this is wider than any statistic.
UNBOUNDED = Decimal("1E15")

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
BOLD = Font(bold=True)
UNLOCKED = Protection(locked=False)


class WorkbookInvalid(ValueError):
    """The workbook cannot be imported; `errors` lists every problem as `sheet!cell: message`."""

    def __init__(self, errors: Sequence[str]) -> None:
        self.errors = list(errors)
        shown = "\n".join(self.errors[:50])
        more = f"\n……共 {len(self.errors)} 处错误" if len(self.errors) > 50 else ""
        super().__init__(f"工作簿有 {len(self.errors)} 处错误，未导入任何数据：\n{shown}{more}")


@dataclass(frozen=True)
class ItemRule:
    """What a catalogue item accepts (from the scheme catalogue)."""

    code: str
    name: str
    unit: str = ""
    min: Decimal | None = None
    max: Decimal | None = None
    integer: bool = False


@dataclass(frozen=True)
class RegionRow:
    code: str
    name: str


@dataclass(frozen=True)
class TemplateSpec:
    """Everything a template needs: the round, the items, the regions and the values known so far."""

    round_id: int
    round_name: str
    year: int
    items: Sequence[ItemRule]
    regions: Sequence[RegionRow]
    layout: str = ITEM_LAYOUT
    current: Mapping[str, Mapping[str, Decimal | None]] = field(default_factory=dict)
    previous: Mapping[str, Mapping[str, Decimal | None]] = field(default_factory=dict)
    notes: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


@dataclass
class ParsedWorkbook:
    """The values of a valid workbook: by region code, then item code (only the cells that were filled)."""

    round_id: int
    layout: str
    current: dict[str, dict[str, Decimal]]
    previous: dict[str, dict[str, Decimal]]
    notes: dict[str, dict[str, str]]


# ---------------------------------------------------------------- template


def _num(v: Decimal) -> str:
    return format(v, "f")


def _validation(rule: ItemRule) -> DataValidation:
    low = rule.min if rule.min is not None else -UNBOUNDED
    high = rule.max if rule.max is not None else UNBOUNDED
    unit = f"（{rule.unit}）" if rule.unit else ""
    kind = "整数" if rule.integer else "数字"
    dv = DataValidation(
        type="whole" if rule.integer else "decimal",
        operator="between",
        formula1=_num(low),
        formula2=_num(high),
        allow_blank=True,
        showErrorMessage=True,
        showInputMessage=True,
        errorTitle="数值不符合要求",
        error=f"“{rule.name}”应为{kind}{unit}"
        + (f"，范围 {_num(low)}–{_num(high)}" if rule.min is not None or rule.max is not None else ""),
        promptTitle=rule.code[:32],
        prompt=f"{rule.name}{unit}"[:255],
    )
    return dv


def _protect(ws: Worksheet) -> None:
    # Protection without a password: it prevents accidental edits of the header, not a determined user.
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    ws.protection.autoFilter = False


def _write_meta(wb: Workbook, spec: TemplateSpec) -> None:
    ws = wb.create_sheet(META_SHEET)
    rows = [
        ("format", TEMPLATE_FORMAT),
        ("layout", spec.layout),
        ("round_id", spec.round_id),
        ("round_name", spec.round_name),
        ("year", spec.year),
        ("regions", ",".join(r.code for r in spec.regions)),
    ]
    for r in rows:
        ws.append(neutralise_row(r))
    ws.sheet_state = "hidden"
    _protect(ws)


def _write_instructions(wb: Workbook, spec: TemplateSpec) -> None:
    ws = wb.active
    assert ws is not None
    ws.title = INFO_SHEET
    lines = [
        f"{spec.round_name}（{spec.year}年）数据填报模板",
        "",
        "填写说明：",
        "1. 只在白色单元格中填写数字；表头、代码和名称已锁定，请勿修改、插入或删除行列，也不要合并单元格。",
        "2. 数值请直接填写数字，不要带单位或文字；百分比填写百分数本身（如 95.5 表示 95.5%）。",
        "3. 单元格留空表示不修改该项；不要使用公式（如必须使用，请保存后再导入，以便保留计算结果）。",
        "4. 导入时先检查全部单元格：任何一处有误，都不会导入任何数据，并列出所有错误（工作表!单元格：原因）。",
        "5. 本模板只能导入到生成它的评价轮次；请勿修改隐藏的“模板信息”工作表。",
        "",
        "数据项：",
    ]
    for line in lines:
        ws.append(neutralise_row([line]))
    ws.append(["代码", "数据项", "单位", "要求"])
    for rule in spec.items:
        need = "整数" if rule.integer else "数字"
        if rule.min is not None:
            need += f"，不小于 {_num(rule.min)}"
        if rule.max is not None:
            need += f"，不大于 {_num(rule.max)}"
        ws.append(neutralise_row([rule.code, rule.name, rule.unit, need]))
    ws["A1"].font = Font(bold=True, size=14)
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 40
    _protect(ws)


def _cell_value(v: Decimal | None) -> int | float | None:
    # openpyxl writes numbers, not Decimals; integers stay exact, others as the shortest float.
    if v is None:
        return None
    return int(v) if v == v.to_integral_value() and abs(v) < 2**53 else float(v)


def _item_sheet(wb: Workbook, spec: TemplateSpec) -> None:
    region = spec.regions[0]
    ws = wb.create_sheet(ITEM_SHEET)
    ws.append(list(ITEM_HEADER))
    for cell in ws[1]:
        cell.font, cell.fill = BOLD, HEADER_FILL
    cur = spec.current.get(region.code, {})
    prev = spec.previous.get(region.code, {})
    notes = spec.notes.get(region.code, {})
    groups: dict[tuple[bool, Decimal | None, Decimal | None], list[str]] = {}
    for i, rule in enumerate(spec.items, start=2):
        ws.append(
            neutralise_row(
                [
                    rule.code,
                    rule.name,
                    rule.unit,
                    _cell_value(prev.get(rule.code)),
                    _cell_value(cur.get(rule.code)),
                    notes.get(rule.code, ""),
                ]
            )
        )
        for col in "DEF":
            ws[f"{col}{i}"].protection = UNLOCKED
        groups.setdefault((rule.integer, rule.min, rule.max), []).extend([f"D{i}", f"E{i}"])
    for (integer, low, high), cells in groups.items():
        dv = _validation(ItemRule("", "该数据项", "", low, high, integer))
        dv.sqref = " ".join(cells)
        ws.add_data_validation(dv)
    ws.freeze_panes = "A2"
    for col, width in zip("ABCDEF", (26, 40, 10, 14, 14, 30), strict=True):
        ws.column_dimensions[col].width = width
    ws.sheet_properties.tabColor = "5B9BD5"
    _protect(ws)


def _region_sheet(
    wb: Workbook, spec: TemplateSpec, title: str, values: Mapping[str, Mapping[str, Any]]
) -> None:
    ws = wb.create_sheet(title)
    ws.append(neutralise_row(["区划代码", "区划名称", *(r.code for r in spec.items)]))
    ws.append(neutralise_row(["", "", *(f"{r.name}（{r.unit}）" if r.unit else r.name for r in spec.items)]))
    for row in ws.iter_rows(min_row=1, max_row=2):
        for cell in row:
            cell.font, cell.fill = BOLD, HEADER_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    n = len(spec.regions)
    for region in spec.regions:
        vals = values.get(region.code, {})
        ws.append(
            neutralise_row([region.code, region.name, *(_cell_value(vals.get(r.code)) for r in spec.items)])
        )
    last = n + 2
    for j, rule in enumerate(spec.items, start=3):
        letter = get_column_letter(j)
        if n:
            dv = _validation(rule)
            dv.sqref = f"{letter}3:{letter}{last}"
            ws.add_data_validation(dv)
        ws.column_dimensions[letter].width = 14
        # Unlock the whole data column at once (column style) instead of styling 400,000 cells one by one.
        ws.column_dimensions[letter].protection = UNLOCKED
    ws.column_dimensions["A"].width = 12
    ws.column_dimensions["B"].width = 20
    ws.freeze_panes = "C3"
    _protect(ws)


def build_template(spec: TemplateSpec) -> bytes:
    """The .xlsx template for a round, as bytes."""
    if spec.layout not in (ITEM_LAYOUT, REGION_LAYOUT):
        raise ValueError(f"未知的模板样式 {spec.layout!r}")
    if spec.layout == ITEM_LAYOUT and len(spec.regions) != 1:
        raise ValueError("逐项样式的模板只对应一个地区")
    wb = Workbook()
    _write_instructions(wb, spec)
    if spec.layout == ITEM_LAYOUT:
        _item_sheet(wb, spec)
    else:
        _region_sheet(wb, spec, CURRENT_SHEET, spec.current)
        _region_sheet(wb, spec, PREVIOUS_SHEET, spec.previous)
    _write_meta(wb, spec)
    wb.active = 1
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# ---------------------------------------------------------------- import: the file before openpyxl

_SHEET_TAG = re.compile(rb'<sheet\b[^>]*?name="([^"]*)"[^>]*?r:id="([^"]*)"', re.S)
_SHEET_TAG_ALT = re.compile(rb'<sheet\b[^>]*?r:id="([^"]*)"[^>]*?name="([^"]*)"', re.S)
_REL_TAG = re.compile(rb"<Relationship\b([^>]*)/?>", re.S)
_ATTR = re.compile(rb'(\w+)="([^"]*)"')
_MERGE = re.compile(rb'<mergeCell\b[^>]*ref="([A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?)"')


def _unescape(b: bytes) -> str:
    return (
        b.decode("utf-8")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&amp;", "&")
    )


def check_container(data: bytes, name: str = "工作簿") -> zipfile.ZipFile:
    """Refuse what is not a safe xlsx before openpyxl inflates it: size, format, zip bomb."""
    if len(data) > MAX_FILE_BYTES:
        raise WorkbookInvalid(
            [f"{name}: 文件大小 {len(data) / 1048576:.1f} MB，超过上限 {MAX_FILE_BYTES // 1048576} MB"]
        )
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise WorkbookInvalid(
            [f"{name}: 这是旧版 .xls 文件或加密文件，请在 Excel/WPS 中另存为 .xlsx 后再导入"]
        )
    if data[:4] != b"PK\x03\x04":
        raise WorkbookInvalid([f"{name}: 不是 .xlsx 文件（内容不是 Office Open XML 压缩包）"])
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError) as exc:
        raise WorkbookInvalid([f"{name}: 不是有效的 .xlsx 文件（压缩包已损坏）"]) from exc
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
        raise WorkbookInvalid([f"{name}: 不是 .xlsx 工作簿（缺少 xl/workbook.xml）"])
    if len(infos) > MAX_MEMBERS:
        raise WorkbookInvalid([f"{name}: 压缩包内有 {len(infos)} 个文件，不像正常的工作簿，拒绝导入"])
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > 1024 * 1024 and ratio > MAX_MEMBER_RATIO:
            raise WorkbookInvalid(
                [f"{name}: {info.filename} 的压缩比 {ratio:.0f}:1 异常（疑似压缩炸弹），拒绝导入"]
            )
    if total > MAX_UNCOMPRESSED_BYTES:
        raise WorkbookInvalid(
            [
                f"{name}: 解压后共 {total / 1048576:.0f} MB，超过上限 {MAX_UNCOMPRESSED_BYTES // 1048576} MB，拒绝导入"
            ]
        )
    return zf


def _sheet_paths(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → its XML member, from workbook.xml and its relationships."""
    wb_xml = zf.read("xl/workbook.xml")
    ids: dict[str, str] = {}
    for m in _SHEET_TAG.finditer(wb_xml):
        ids[_unescape(m.group(1))] = m.group(2).decode()
    if not ids:
        for m in _SHEET_TAG_ALT.finditer(wb_xml):
            ids[_unescape(m.group(2))] = m.group(1).decode()
    targets: dict[str, str] = {}
    try:
        rels = zf.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        rels = b""
    for m in _REL_TAG.finditer(rels):
        attrs = {k.decode(): v.decode() for k, v in _ATTR.findall(m.group(1))}
        target = attrs.get("Target", "")
        path = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
        targets[attrs.get("Id", "")] = path
    return {name: targets.get(rid, "") for name, rid in ids.items()}


def _merged_ranges(zf: zipfile.ZipFile, member: str) -> list[str]:
    # mergeCells follows sheetData in the schema's element order; stream the XML so a large sheet is
    # never held whole, keeping a small overlap so a tag split across two chunks is still seen.
    found: list[str] = []
    tail = b""
    try:
        fh = zf.open(member)
    except KeyError:
        return found
    with fh:
        while chunk := fh.read(1 << 20):
            buf = tail + chunk
            found.extend(m.group(1).decode() for m in _MERGE.finditer(buf))
            cut = buf.rfind(b"<")
            tail = buf[cut:] if cut >= 0 and len(buf) - cut < 512 else b""
            if tail:
                found = found[: len(found) - len(list(_MERGE.finditer(tail)))]
    return list(dict.fromkeys(found))


# ---------------------------------------------------------------- import: cells


def _parse_number(raw: object) -> Decimal:
    if isinstance(raw, bool):
        raise ValueError("是逻辑值（TRUE/FALSE），应为数字")
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        # repr() is the shortest text that round-trips: what the person typed.
        value = Decimal(repr(raw))
    elif isinstance(raw, Decimal):
        value = raw
    elif isinstance(raw, str):
        try:
            value = parse_number_text(raw)
        except ValueError:
            raise ValueError(f"应为数字，填写的是文字“{raw.strip()[:30]}”（{NUMBER_HINT}）") from None
    else:
        raise ValueError(f"应为数字，填写的是{type(raw).__name__}（如日期）")
    if not value.is_finite():
        raise ValueError("不是有限数字")
    if len(value.as_tuple().digits) > MAX_DIGITS:
        raise ValueError(f"位数过多（最多 {MAX_DIGITS} 位）")
    return value


def check_value(rule: ItemRule, raw: object) -> tuple[Decimal | None, str | None]:
    """(value, None) when the cell is fine (None for an empty cell), else (None, the message)."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, None
    try:
        value = _parse_number(raw)
    except ValueError as exc:
        return None, f"“{rule.name}”{exc}"
    unit = f" {rule.unit}" if rule.unit else ""
    if rule.integer and value != value.to_integral_value():
        return None, f"“{rule.name}”应为整数，填写的是 {_num(value)}"
    if rule.min is not None and value < rule.min:
        return None, f"“{rule.name}”不能小于 {_num(rule.min)}{unit}，填写的是 {_num(value)}"
    if rule.max is not None and value > rule.max:
        return None, f"“{rule.name}”不能大于 {_num(rule.max)}{unit}，填写的是 {_num(value)}"
    return value, None


def cell_ref(sheet: str, row: int, col: int) -> str:
    return f"{sheet}!{get_column_letter(col)}{row}"


def read_sheets(data: bytes, names: Iterable[str]) -> tuple[dict[str, list[tuple[Any, ...]]], list[str]]:
    """Rows of the named sheets (values as typed), with formula cells replaced by their cached values."""
    wanted = list(names)
    errors: list[str] = []
    wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    sheets: dict[str, list[tuple[Any, ...]]] = {}
    formula_cells: dict[str, list[tuple[int, int]]] = {}
    try:
        for name in wanted:
            if name not in wb.sheetnames:
                continue
            rows = [tuple(r) for r in wb[name].iter_rows(values_only=True)]
            sheets[name] = rows
            for i, row in enumerate(rows):
                for j, v in enumerate(row):
                    if isinstance(v, str) and v.startswith("="):
                        formula_cells.setdefault(name, []).append((i, j))
    finally:
        wb.close()
    if formula_cells:
        # Only when a formula is present do we pay for a second pass to read Excel's cached results.
        cached = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            for name, cells in formula_cells.items():
                rows_cached = [tuple(r) for r in cached[name].iter_rows(values_only=True)]
                fixed = [list(r) for r in sheets[name]]
                for i, j in cells:
                    value = rows_cached[i][j] if i < len(rows_cached) and j < len(rows_cached[i]) else None
                    if value is None:
                        errors.append(
                            f"{cell_ref(name, i + 1, j + 1)}: 公式 {str(sheets[name][i][j])[:40]} 没有计算结果"
                            "（请在 Excel/WPS 中打开、保存后再导入，或直接填写数值）"
                        )
                    fixed[i][j] = value
                sheets[name] = [tuple(r) for r in fixed]
        finally:
            cached.close()
    return sheets, errors


def _meta(rows: list[tuple[Any, ...]]) -> dict[str, str]:
    return {
        str(r[0]): "" if len(r) < 2 or r[1] is None else str(r[1]) for r in rows if r and r[0] is not None
    }


def _strip(v: object) -> str:
    return "" if v is None else str(v).strip()


def parse_workbook(
    data: bytes,
    *,
    round_id: int,
    items: Sequence[ItemRule],
    regions: Mapping[str, str],
    name: str = "工作簿",
    single_region_items: Sequence[ItemRule] | None = None,
) -> ParsedWorkbook:
    """Validate a filled template for this round against the items and the round's regions (code → name).

    A one-region template may list more items than the round's columns (what that region's page shows);
    `single_region_items` are the items it may hold (default: `items`).

    Raises WorkbookInvalid listing every error; returns only the filled cells otherwise.
    """
    zf = check_container(data, name)
    with zf:
        paths = _sheet_paths(zf)
        errors: list[str] = []
        for sheet, member in paths.items():
            for rng in _merged_ranges(zf, member):
                errors.append(f"{sheet}!{rng}: 有合并单元格，请取消合并后再导入")
    if META_SHEET not in paths:
        raise WorkbookInvalid(
            [*errors, f"{name}: 缺少“{META_SHEET}”工作表：不是本系统生成的模板，请先下载本轮次的模板"]
        )
    try:
        sheets, formula_errors = read_sheets(data, [META_SHEET, ITEM_SHEET, CURRENT_SHEET, PREVIOUS_SHEET])
    except Exception as exc:  # openpyxl raises many kinds on malformed parts
        raise WorkbookInvalid(
            [*errors, f"{name}: 无法读取工作簿内容（{type(exc).__name__}: {exc}）"]
        ) from exc
    errors += formula_errors
    meta = _meta(sheets.get(META_SHEET, []))
    if meta.get("format") != TEMPLATE_FORMAT:
        raise WorkbookInvalid(
            [*errors, f"{META_SHEET}!B1: 模板格式 {meta.get('format')!r} 不是 {TEMPLATE_FORMAT}"]
        )
    if meta.get("round_id") != str(round_id):
        raise WorkbookInvalid(
            [
                *errors,
                f"{META_SHEET}!B3: 此模板属于评价轮次“{meta.get('round_name', '')}”（编号 {meta.get('round_id')}），"
                f"不是当前轮次（编号 {round_id}），请下载本轮次的模板",
            ]
        )
    layout = meta.get("layout", "")
    out = ParsedWorkbook(round_id, layout, {}, {}, {})
    rules = {r.code: r for r in items}
    if layout == ITEM_LAYOUT:
        rules = {r.code: r for r in (single_region_items or items)}
        codes = [c for c in meta.get("regions", "").split(",") if c]
        if len(codes) != 1 or codes[0] not in regions:
            errors.append(f"{META_SHEET}!B6: 模板中的地区 {meta.get('regions')!r} 不在本轮次中")
            raise WorkbookInvalid(errors)
        _parse_item_sheet(sheets, rules, codes[0], out, errors)
    elif layout == REGION_LAYOUT:
        _parse_region_sheet(sheets, CURRENT_SHEET, rules, regions, out.current, errors, required=True)
        _parse_region_sheet(sheets, PREVIOUS_SHEET, rules, regions, out.previous, errors, required=False)
    else:
        errors.append(f"{META_SHEET}!B2: 未知的模板样式 {layout!r}")
    if errors:
        raise WorkbookInvalid(errors)
    return out


def _parse_item_sheet(
    sheets: Mapping[str, list[tuple[Any, ...]]],
    rules: Mapping[str, ItemRule],
    region: str,
    out: ParsedWorkbook,
    errors: list[str],
) -> None:
    rows = sheets.get(ITEM_SHEET)
    if rows is None:
        errors.append(f"{ITEM_SHEET}: 缺少工作表“{ITEM_SHEET}”")
        return
    header = [_strip(v) for v in (rows[0] if rows else ())]
    while header and not header[-1]:
        header.pop()
    for j, expected in enumerate(ITEM_HEADER, start=1):
        got = header[j - 1] if j <= len(header) else ""
        if got != expected:
            errors.append(
                f"{cell_ref(ITEM_SHEET, 1, j)}: 表头应为“{expected}”，实际为“{got or '（空）'}”（缺少或错位的列）"
            )
    for j in range(len(ITEM_HEADER) + 1, len(header) + 1):
        errors.append(f"{cell_ref(ITEM_SHEET, 1, j)}: 多出的列“{header[j - 1]}”，请删除")
    cur: dict[str, Decimal] = {}
    prev: dict[str, Decimal] = {}
    notes: dict[str, str] = {}
    seen: dict[str, int] = {}
    for i, row in enumerate(rows[1:], start=2):
        cells = list(row) + [None] * (len(ITEM_HEADER) - len(row))
        if all(v is None or _strip(v) == "" for v in cells):
            continue
        for j in range(len(ITEM_HEADER), len(cells)):
            if cells[j] is not None and _strip(cells[j]):
                errors.append(
                    f"{cell_ref(ITEM_SHEET, i, j + 1)}: 表格范围以外有内容“{_strip(cells[j])[:20]}”"
                )
        code = _strip(cells[0])
        rule = rules.get(code)
        if rule is None:
            errors.append(f"{cell_ref(ITEM_SHEET, i, 1)}: 数据项代码“{code or '（空）'}”不在本轮次的数据项中")
            continue
        if code in seen:
            errors.append(f"{cell_ref(ITEM_SHEET, i, 1)}: 数据项 {code} 重复（第 {seen[code]} 行已有）")
            continue
        seen[code] = i
        for col, target in ((4, prev), (5, cur)):
            value, problem = check_value(rule, cells[col - 1])
            if problem:
                errors.append(f"{cell_ref(ITEM_SHEET, i, col)}: {problem}")
            elif value is not None:
                target[code] = value
        if _strip(cells[5]):
            notes[code] = restore(_strip(cells[5]))
    out.current[region], out.previous[region], out.notes[region] = cur, prev, notes


def _parse_region_sheet(
    sheets: Mapping[str, list[tuple[Any, ...]]],
    sheet: str,
    rules: Mapping[str, ItemRule],
    regions: Mapping[str, str],
    target: dict[str, dict[str, Decimal]],
    errors: list[str],
    *,
    required: bool,
) -> None:
    rows = sheets.get(sheet)
    if rows is None:
        if required:
            errors.append(f"{sheet}: 缺少工作表“{sheet}”")
        return
    header = [_strip(v) for v in (rows[0] if rows else ())]
    while header and not header[-1]:
        header.pop()
    for j, expected in ((1, "区划代码"), (2, "区划名称")):
        if (header[j - 1] if j <= len(header) else "") != expected:
            errors.append(f"{cell_ref(sheet, 1, j)}: 表头应为“{expected}”")
    columns: list[tuple[int, ItemRule]] = []
    seen: set[str] = set()
    for j, code in enumerate(header[2:], start=3):
        rule = rules.get(code)
        if rule is None:
            errors.append(f"{cell_ref(sheet, 1, j)}: 多出的列“{code or '（空）'}”：不是本轮次的数据项代码")
        elif code in seen:
            errors.append(f"{cell_ref(sheet, 1, j)}: 数据项 {code} 的列重复")
        else:
            seen.add(code)
            columns.append((j, rule))
    for code in rules:
        if code not in seen:
            errors.append(f"{sheet}!1: 缺少数据项“{rules[code].name}”（{code}）的列")
    width = len(header)
    row_of: dict[str, int] = {}
    for i, row in enumerate(rows[2:], start=3):
        if all(v is None or _strip(v) == "" for v in row):
            continue
        for j in range(width, len(row)):
            if row[j] is not None and _strip(row[j]):
                errors.append(f"{cell_ref(sheet, i, j + 1)}: 表格范围以外有内容“{_strip(row[j])[:20]}”")
        code = _strip(row[0]) if row else ""
        if code.endswith(".0") and code[:-2].isdigit():
            code = code[:-2]  # a code typed as a number comes back as a float
        if code not in regions:
            errors.append(
                f"{cell_ref(sheet, i, 1)}: 区划代码“{code or '（空）'}”不在本轮次中，或您无权填报该地区"
            )
            continue
        if code in row_of:
            errors.append(f"{cell_ref(sheet, i, 1)}: 区划 {code} 重复（第 {row_of[code]} 行已有）")
            continue
        row_of[code] = i
        values: dict[str, Decimal] = {}
        for j, rule in columns:
            raw = row[j - 1] if j - 1 < len(row) else None
            if raw is None:
                continue
            value, problem = check_value(rule, raw)
            if problem:
                errors.append(f"{cell_ref(sheet, i, j)}: {regions[code]}：{problem}")
            elif value is not None:
                values[rule.code] = value
        if values:
            target[code] = values
