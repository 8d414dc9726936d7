"""Read data files (.csv, .xlsx, .json: one row per region) into RegionInput, validated against the catalogue.

Every problem is collected and reported with its place: `file:line` for CSV and JSON, `file Sheet!B3` for
Excel. Money given in another unit (元/万元/亿元) is converted to the catalogue's unit; any other unit
mismatch is an error. Numbers never pass through float (JSON is parsed with Decimal).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from lvzhi.schemes.errors import Problem, SchemeError
from lvzhi.schemes.model import Catalogue, DataItem
from lvzhi.scoring.model import ManualScore, RegionInput
from lvzhi.scoring.numtext import parse_number_text

MONEY = {"元": Decimal(1), "万元": Decimal(10_000), "亿元": Decimal(100_000_000)}
YES = {"是", "有", "yes", "true", "y", "1"}
NO = {"否", "无", "no", "false", "n", "0"}
REGION_HEADERS = {"region", "地区代码", "代码"}
NAME_HEADERS = {"name", "地区名称", "名称", "地区"}


@dataclass(frozen=True, slots=True)
class DataSet:
    """The regions of one data file."""

    file: str
    year: int | None
    regions: list[RegionInput]


class _Collector:
    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def add(self, zh: str, en: str, line: int = 0, cell: str = "") -> None:
        self.problems.append(Problem(self.file, line, 0, zh, en, cell))


def parse_value(raw: object, item: DataItem, unit: str | None = None) -> Decimal:
    """One value for a catalogue item, converted to its unit; raises ValueError with a Chinese message."""
    if isinstance(raw, bool):
        value = Decimal(int(raw))
    elif isinstance(raw, int | Decimal):
        value = Decimal(raw)
    elif isinstance(raw, float):
        value = Decimal(str(raw))
    elif isinstance(raw, str):
        text = raw.strip()
        if item.is_boolean and text.lower() in YES:
            value = Decimal(1)
        elif item.is_boolean and text.lower() in NO:
            value = Decimal(0)
        else:
            if text.endswith("%") and item.unit == "%":
                text = text[:-1]
            value = parse_number_text(text)
    else:
        raise ValueError(f"{raw!r} 不是数字 (not a number)")
    if not value.is_finite():
        raise ValueError(f"“{raw}” 不是有限数字 (not a finite number)")
    if unit and unit != item.unit:
        if unit in MONEY and item.unit in MONEY:
            value = value * MONEY[unit] / MONEY[item.unit]
        else:
            raise ValueError(
                f"单位 {unit} 与数据项单位 {item.unit} 不符 (unit {unit} does not match {item.unit})"
            )
    if item.is_boolean and value not in (0, 1):
        raise ValueError(f"{item.name} 只能填 是/否 (yes/no only)")
    if item.min is not None and value < item.min:
        raise ValueError(f"{item.name} {value} 小于下限 {item.min} (below minimum)")
    if item.max is not None and value > item.max:
        raise ValueError(f"{item.name} {value} 大于上限 {item.max} (above maximum)")
    if item.integer and value != value.to_integral_value():
        raise ValueError(f"{item.name} 应为整数 (must be an integer)")
    return value


def read_data(path: str | Path, catalogue: Catalogue) -> DataSet:
    """Read a .csv, .xlsx or .json data file; raises SchemeError listing every problem with its place."""
    path = Path(path)
    suffix = path.suffix.lower()
    col = _Collector(str(path))
    if not path.is_file():
        col.add("文件不存在", "file not found")
        raise SchemeError(col.problems)
    if suffix == ".json":
        data = _read_json(path, catalogue, col)
    elif suffix == ".csv":
        data = _read_rows(_csv_rows(path, col), catalogue, col, None)
    elif suffix in (".xlsx", ".xlsm"):
        data = _read_xlsx(path, catalogue, col)
    else:
        col.add(f"不支持的文件类型 {suffix}（可用 .csv .xlsx .json）", f"unsupported file type {suffix!r}")
        data = None
    if col.problems or data is None:
        raise SchemeError(col.problems)
    return data


def merge_previous(current: DataSet, previous: DataSet) -> DataSet:
    """Attach last year's values (from a second file) to the regions of this year's file, by region code."""
    by_code = {r.region: r for r in previous.regions}
    regions = []
    for r in current.regions:
        before = by_code.get(r.region)
        prev = {**r.previous, **(before.values if before else {})}
        regions.append(replace(r, previous=prev))
    return DataSet(current.file, current.year, regions)


def merge_earlier(current: DataSet, earlier: Sequence[DataSet]) -> DataSet:
    """Attach the years before last (one file per year, two years ago first) by region code; a region
    missing from a year's file has no values for that year."""
    by_year = [{r.region: r.values for r in ds.regions} for ds in earlier]
    regions = [replace(r, earlier=[year.get(r.region, {}) for year in by_year]) for r in current.regions]
    return DataSet(current.file, current.year, regions)


# ------------------------------------------------------------------------------------------- tables
def _csv_rows(path: Path, col: _Collector) -> list[tuple[int, list[str]]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = path.read_text(encoding="gb18030")  # Excel in China saves CSV as GBK by default
        except UnicodeDecodeError:
            col.add("无法识别文件编码（请用 UTF-8）", "cannot decode the file (use UTF-8)")
            return []
    reader = csv.reader(text.splitlines())
    return [(reader.line_num, row) for row in reader]


def _read_xlsx(path: Path, catalogue: Catalogue, col: _Collector) -> DataSet | None:
    import openpyxl
    from openpyxl.utils import get_column_letter

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        col.add(f"无法打开 Excel 文件: {exc}", f"cannot open the workbook: {exc}")
        return None
    ws = wb.worksheets[0]
    rows: list[tuple[int, list[object]]] = []
    for r, row in enumerate(ws.iter_rows(values_only=True), start=1):
        rows.append((r, list(row)))
    wb.close()
    sheet = ws.title

    def cell(r: int, c: int) -> str:
        return f"{sheet}!{get_column_letter(c + 1)}{r}"

    return _read_rows(rows, catalogue, col, cell)


def _read_rows(
    rows: list[tuple[int, list[Any]]], catalogue: Catalogue, col: _Collector, cell: Any
) -> DataSet | None:
    def where(r: int, c: int) -> dict[str, Any]:
        return {"cell": cell(r, c)} if cell else {"line": r}

    rows = [(n, row) for n, row in rows if any(v not in (None, "") for v in row)]
    if not rows:
        col.add("文件中没有数据", "no data in the file")
        return None
    header_line, header = rows[0]
    names = {item.name: code for code, item in catalogue.items.items()}
    region_col = name_col = -1
    columns: dict[int, DataItem] = {}
    for c, h in enumerate(header):
        h = str(h).strip() if h is not None else ""
        if not h:
            continue
        if h.lower() in REGION_HEADERS and region_col < 0:
            region_col = c
        elif h.lower() in NAME_HEADERS and name_col < 0:
            name_col = c
        elif h in catalogue.items or h in names:
            item = catalogue.items[h if h in catalogue.items else names[h]]
            if item in columns.values():
                col.add(
                    f"数据项 {item.code} 出现两次", f"item {item.code} appears twice", **where(header_line, c)
                )
            columns[c] = item
        else:
            col.add(
                f"表头 “{h}” 不是数据项代码或名称",
                f"header {h!r} is not a catalogue item",
                **where(header_line, c),
            )
    if region_col < 0:
        col.add("缺少 region（地区代码）列", "missing the 'region' column", **where(header_line, 0))
        return None
    regions: list[RegionInput] = []
    seen: dict[str, int] = {}
    for r, row in rows[1:]:
        code = str(row[region_col]).strip() if region_col < len(row) and row[region_col] is not None else ""
        if not code:
            col.add("地区代码为空", "empty region code", **where(r, region_col))
            continue
        if code.endswith(".0"):
            code = code[:-2]  # Excel stores 500113 as a number
        if code in seen:
            col.add(
                f"地区 {code} 重复（第 {seen[code]} 行已有）",
                f"region {code} repeated",
                **where(r, region_col),
            )
        seen[code] = r
        values: dict[str, Decimal] = {}
        for c, item in columns.items():
            raw = row[c] if c < len(row) else None
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                continue
            try:
                values[item.code] = parse_value(raw, item)
            except ValueError as exc:
                zh, _, en = str(exc).partition(" (")
                col.add(f"{item.code}: {zh}", f"{item.code}: {en.rstrip(')') or zh}", **where(r, c))
        name = str(row[name_col]).strip() if 0 <= name_col < len(row) and row[name_col] is not None else ""
        regions.append(RegionInput(code, name, values))
    return DataSet(col.file, None, regions)


# ------------------------------------------------------------------------------------------- json
class _LineFinder:
    """Approximate line numbers in JSON: the first line at or after a hint that mentions the key."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()

    def find(self, needle: str, after: int = 0) -> int:
        quoted = json.dumps(needle, ensure_ascii=False)
        for i in range(max(after - 1, 0), len(self.lines)):
            if quoted in self.lines[i]:
                return i + 1
        return after


def _read_json(path: Path, catalogue: Catalogue, col: _Collector) -> DataSet | None:
    text = path.read_text(encoding="utf-8-sig")
    try:
        doc = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        col.add(f"JSON 语法错误: {exc.msg}", f"JSON syntax error: {exc.msg}", exc.lineno)
        return None
    lines = _LineFinder(text)
    if not isinstance(doc, dict) or not isinstance(doc.get("regions"), list):
        col.add('JSON 顶层应为 {"regions": [...]}', "top level must be an object with a 'regions' list", 1)
        return None
    for key in doc:
        if key not in ("year", "note", "description", "regions", "scheme"):
            col.add(f"未知的键 “{key}”", f"unknown key {key!r}", lines.find(key))
    year = doc.get("year")
    if year is not None and not isinstance(year, int):
        col.add("year 应为整数", "year must be an integer", lines.find("year"))
        year = None
    regions: list[RegionInput] = []
    line = 1
    for i, entry in enumerate(doc["regions"]):
        if not isinstance(entry, dict) or not isinstance(entry.get("region"), str | int):
            col.add(f"第 {i + 1} 个地区缺少 region", f"region #{i + 1} has no 'region' code", line)
            continue
        code = str(entry["region"])
        line = lines.find(code, line)
        for key in entry:
            if key not in ("region", "name", "values", "previous", "manual", "sources", "note"):
                col.add(
                    f"地区 {code}: 未知的键 “{key}”",
                    f"region {code}: unknown key {key!r}",
                    lines.find(key, line),
                )
        values = _json_values(entry.get("values", {}), catalogue, col, lines, line, code, "values")
        previous = _json_values(entry.get("previous", {}), catalogue, col, lines, line, code, "previous")
        manual = _json_manual(entry.get("manual", {}), col, lines, line, code)
        regions.append(RegionInput(code, str(entry.get("name", "")), values, previous, manual))
    return DataSet(col.file, year, regions)


def _json_values(
    raw: object,
    catalogue: Catalogue,
    col: _Collector,
    lines: _LineFinder,
    line: int,
    region: str,
    section: str,
) -> dict[str, Decimal]:
    if not isinstance(raw, Mapping):
        col.add(f"地区 {region}: {section} 应为对象", f"region {region}: {section} must be an object", line)
        return {}
    out: dict[str, Decimal] = {}
    start = lines.find(section, line)
    for code, value in raw.items():
        item = catalogue.get(code)
        where = lines.find(code, start)
        if item is None:
            col.add(
                f"地区 {region}: 未知数据项 “{code}”", f"region {region}: unknown data item {code!r}", where
            )
            continue
        unit = None
        if isinstance(value, Mapping):
            unit = value.get("unit")
            value = value.get("value")
        if value is None:
            continue  # stated as unknown
        try:
            out[code] = parse_value(value, item, unit if isinstance(unit, str) else None)
        except ValueError as exc:
            zh, _, en = str(exc).partition(" (")
            col.add(
                f"地区 {region} {section}.{code}: {zh}",
                f"region {region} {section}.{code}: {en.rstrip(')') or zh}",
                where,
            )
    return out


def _json_manual(
    raw: object, col: _Collector, lines: _LineFinder, line: int, region: str
) -> dict[str, ManualScore]:
    if not isinstance(raw, Mapping):
        col.add(f"地区 {region}: manual 应为对象", f"region {region}: manual must be an object", line)
        return {}
    out: dict[str, ManualScore] = {}
    for code, m in raw.items():
        where = lines.find(code, line)
        if not isinstance(m, Mapping) or ("level" in m) == ("score" in m):
            col.add(
                f"地区 {region} 人工评分 {code}: 须有 level 或 score（二选一）",
                f"region {region} manual {code}: give either level or score",
                where,
            )
            continue
        score = m.get("score")
        if score is not None and not isinstance(score, int | Decimal):
            col.add(
                f"地区 {region} 人工评分 {code}: score 应为数字",
                f"manual {code}: score must be a number",
                where,
            )
            continue
        evidence = m.get("evidence", [])
        if isinstance(evidence, str):
            evidence = [evidence]
        out[code] = ManualScore(
            level=str(m["level"]) if "level" in m else None,
            score=Decimal(score) if score is not None else None,
            justification=str(m.get("justification", "")),
            evidence=tuple(str(e) for e in evidence),
        )
    return out
