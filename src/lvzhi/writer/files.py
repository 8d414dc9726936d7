"""Report contexts from files: a scheme (built-in id or YAML), a data file and an optional texts file.

The texts file (JSON) holds what staff write, per region code::

    {"500113": {"narratives": {"1": "……", "2": "……"}, "plans": ["……"],
                "problems": [{"indicator": "3 统筹推进协调发展", "text": "……", "evidence": "……",
                              "measure": "……", "deadline": "2025-06-30"}],
                "addressee": "……", "signer": "……"}}
"""

from __future__ import annotations

import functools
import json
from datetime import date
from pathlib import Path
from typing import Any

from lvzhi.schemes import SchemeError, builtin_catalogue, list_builtin, load_builtin, load_scheme
from lvzhi.schemes.errors import Problem
from lvzhi.schemes.model import Scheme
from lvzhi.scoring import Scorer, compile_scheme, merge_previous, read_data
from lvzhi.writer.model import FigureNote, ProblemItem, ReportContext, context_from

STATUTORY = "statutory"


@functools.cache
def _statutory() -> Scorer:
    """The statutory rules, compiled once: every report is checked against them."""
    return compile_scheme(load_builtin(STATUTORY))


def scheme_from(ref: str) -> Scheme:
    """A built-in scheme by id, or a scheme YAML file by path."""
    if ref in list_builtin():
        return load_builtin(ref)
    if Path(ref).is_file():
        return load_scheme(ref, builtin_catalogue())
    raise SchemeError(
        [
            Problem(
                ref,
                0,
                0,
                f"既不是内置方案 id 也不是文件: {ref}",
                f"neither a built-in scheme id nor a file: {ref}",
            )
        ]
    )


def _fail(file: Path, where: str, zh: str, en: str) -> SchemeError:
    return SchemeError([Problem(str(file), 0, 0, f"{where}: {zh}", f"{where}: {en}")])


def read_texts(path: Path) -> dict[str, dict[str, Any]]:
    """The staff texts file, checked: every region entry an object with the known keys of the right type."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise _fail(path, "文件", f"无法读取 JSON：{exc}", f"cannot read JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise _fail(
            path, "顶层", "须为对象 {地区代码: {...}}", "top level must be an object keyed by region code"
        )
    known = {"narratives": dict, "plans": list, "problems": list, "addressee": str, "signer": str}
    for region, entry in raw.items():
        if not isinstance(entry, dict):
            raise _fail(path, region, "须为对象", "must be an object")
        for key, value in entry.items():
            if key not in known:
                raise _fail(path, f"{region}.{key}", f"未知字段（可用: {', '.join(known)}）", "unknown key")
            if not isinstance(value, known[key]):
                raise _fail(path, f"{region}.{key}", f"类型应为 {known[key].__name__}", "wrong type")
    return raw


def _problems(path: Path, region: str, items: list[Any]) -> list[ProblemItem]:
    out = []
    for i, p in enumerate(items):
        where = f"{region}.problems[{i}]"
        if not isinstance(p, dict) or not isinstance(p.get("text"), str):
            raise _fail(path, where, "须为含 text 的对象", "must be an object with a text")
        deadline = None
        if p.get("deadline"):
            try:
                deadline = date.fromisoformat(str(p["deadline"]))
            except ValueError:
                raise _fail(
                    path,
                    f"{where}.deadline",
                    f"日期格式应为 YYYY-MM-DD：{p['deadline']}",
                    "date must be YYYY-MM-DD",
                ) from None
        out.append(
            ProblemItem(
                str(p.get("indicator", "")),
                p["text"],
                str(p.get("evidence", "")),
                str(p.get("measure", "")),
                deadline,
            )
        )
    return out


def _period(year: object, report_year: int | None) -> str:
    """A source's year as a period to print, when it is not the report's: 2022 → 2022年, "2022-2023" →
    2022—2023学年."""
    if year is None or str(year) == str(report_year):
        return ""
    text = str(year)
    if "-" in text:
        return text.replace("-", "—") + "学年"
    return f"{text}年"


def figure_notes(data: Path) -> dict[str, dict[str, FigureNote]]:
    """Per region and code, what a JSON data file's `sources` say beyond the value: the figure's own
    period (`period`, or a `year` other than the file's), its `qualifier`, a last-year figure marked
    `derived`, and `implied` figures (read from the report's logic, not stated: scored, never printed)."""
    if data.suffix.lower() != ".json":
        return {}
    try:
        raw = json.loads(data.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}  # read_data has already reported what is wrong with the file
    if not isinstance(raw, dict):
        return {}
    out: dict[str, dict[str, FigureNote]] = {}
    for entry in raw.get("regions", []):
        sources = entry.get("sources") if isinstance(entry, dict) else None
        if not isinstance(sources, dict):
            continue
        notes = out.setdefault(str(entry.get("region")), {})
        for code, src in sources.items():
            if not isinstance(src, dict):
                continue
            previous = src.get("previous")
            notes[code] = FigureNote(
                period=str(src.get("period") or _period(src.get("year"), raw.get("year"))),
                qualifier=str(src.get("qualifier") or ""),
                derived_previous=isinstance(previous, dict) and "derived" in previous,
                printed="implied" not in src,
            )
    return out


def contexts_from_files(
    scheme_ref: str,
    data: Path,
    region: str | None = None,
    previous: Path | None = None,
    texts: Path | None = None,
    when: date | None = None,
) -> list[ReportContext]:
    """One ReportContext per region of the data file (or just `region`), scored and checked against the law."""
    scheme = scheme_from(scheme_ref)
    dataset = read_data(data, scheme.catalogue)
    if previous is not None:
        dataset = merge_previous(dataset, read_data(previous, scheme.catalogue))
    regions = dataset.regions
    if region is not None:
        regions = [r for r in regions if r.region == region]
        if not regions:
            known = ", ".join(r.region for r in dataset.regions)
            raise _fail(
                data, "region", f"数据文件中没有地区 {region}（已有: {known}）", f"no region {region}"
            )
    results = compile_scheme(scheme).score(regions)
    statutory = None
    if scheme.id != STATUTORY:
        statutory = _statutory().score(regions)
    staff = read_texts(texts) if texts is not None else {}
    notes = figure_notes(data)
    year = dataset.year or scheme.year
    out = []
    for i, (reg, res) in enumerate(zip(regions, results, strict=True)):
        entry = staff.get(reg.region, {})
        out.append(
            context_from(
                scheme,
                res,
                reg,
                year,
                narratives=entry.get("narratives", {}),
                problems=_problems(texts, reg.region, entry.get("problems", [])) if texts else (),
                plans=entry.get("plans", ()),
                statutory=statutory[i] if statutory is not None else None,
                addressee=entry.get("addressee", ""),
                signer=entry.get("signer", ""),
                when=when,
                notes=notes.get(reg.region, {}),
            )
        )
    return out
