"""Region services: the registry upsert used by the registry loader, non-standard units, lookups."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from lvzhi.audit.services import record
from lvzhi.regions.models import TOP_LEVELS, Kind, Level, Region

STANDARD_CODE = re.compile(r"^\d{6}$")
# Non-standard units have no GB/T 2260 code: we give them the parent's code plus a letter-led suffix.
UNIT_CODE = re.compile(r"^\d{6}[A-Z][0-9A-Z]{1,8}$")


class RegionError(ValueError):
    """Bad region input; the message says which row/code and what is wrong."""


@dataclass(frozen=True)
class UpsertResult:
    created: int
    updated: int
    unchanged: int


def _path(parent_path: str | None, code: str, level: str = "") -> str:
    # The country's path is the root every other path starts with (see Level.NATION).
    if level == Level.NATION:
        return "/"
    return f"{parent_path or '/'}{code}/"


def upsert_regions(
    rows: Iterable[Mapping[str, Any]], *, acting_user: Any = None, source: str = ""
) -> UpsertResult:
    """Create or update regions from rows {code, name, level, parent (code or None), kind?, active?}."""
    items: dict[str, dict[str, Any]] = {}
    for i, row in enumerate(rows, start=1):
        code = str(row.get("code", "")).strip()
        where = f"第 {i} 行 (row {i}), 代码 {code or '（空）'}"
        kind = row.get("kind") or Kind.STANDARD
        if kind not in Kind.values:
            raise RegionError(f"{where}: 类型 {kind!r} 无效，应为 {'/'.join(Kind.values)}")
        pattern = STANDARD_CODE if kind == Kind.STANDARD else UNIT_CODE
        if not pattern.match(code):
            raise RegionError(f"{where}: 区划代码格式错误 (bad code)")
        name = str(row.get("name", "")).strip()
        if not name:
            raise RegionError(f"{where}: 缺少名称 (missing name)")
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
            raise RegionError(f"{where}: 名称含有控制字符 (control character in name)")
        level = row.get("level")
        if level not in Level.values:
            raise RegionError(f"{where}: 层级 {level!r} 无效，应为 国/省/市/县")
        parent = row.get("parent") or None
        if level in TOP_LEVELS and parent:
            raise RegionError(f"{where}: {'全国' if level == Level.NATION else '省级区划'}不应有上级")
        if level not in TOP_LEVELS and not parent:
            raise RegionError(f"{where}: 市级/县级区划必须有上级 (parent required)")
        if code in items:
            raise RegionError(f"{where}: 代码重复 (duplicate code)")
        items[code] = {
            "code": code,
            "name": name,
            "level": level,
            "kind": kind,
            "parent": str(parent) if parent else None,
            "active": bool(row.get("active", True)),
        }

    with transaction.atomic():
        existing = {r.code: r for r in Region.objects.all()}
        _check_nation(items, existing)
        # Parents first: order rows by depth through the parent links (parents may be in the DB already).
        resolved: dict[str, str] = {code: r.path for code, r in existing.items()}
        pending = dict(items)
        ordered: list[dict[str, Any]] = []
        while pending:
            progressed = False
            for code in list(pending):
                row = pending[code]
                parent = row["parent"]
                if parent is None or (parent in resolved and parent not in pending):
                    row["path"] = _path(resolved.get(parent) if parent else None, code, row["level"])
                    resolved[code] = row["path"]
                    ordered.append(row)
                    del pending[code]
                    progressed = True
            if not progressed:
                code = next(iter(pending))
                raise RegionError(
                    f"代码 {code}: 上级 {pending[code]['parent']} 不存在或形成环 (unknown parent or cycle)"
                )

        created = updated = unchanged = 0
        by_code = dict(existing)
        changes: list[dict[str, Any]] = []
        to_update: list[Region] = []
        moved: list[Region] = []
        # Depth by depth, so each level's new regions are inserted in one batch after their parents.
        by_depth: dict[int, list[dict[str, Any]]] = {}
        for row in ordered:
            by_depth.setdefault(row["path"].count("/"), []).append(row)
        for depth in sorted(by_depth):
            new: list[Region] = []
            for row in by_depth[depth]:
                parent_obj = by_code[row["parent"]] if row["parent"] else None
                reg = by_code.get(row["code"])
                if reg is None:
                    new.append(
                        Region(
                            code=row["code"],
                            name=row["name"],
                            level=row["level"],
                            kind=row["kind"],
                            parent=parent_obj,
                            path=row["path"],
                            active=row["active"],
                        )
                    )
                    changes.append({"code": row["code"], "name": row["name"], "change": "新增"})
                    continue
                before = (reg.name, reg.level, reg.kind, reg.parent_id, reg.path, reg.active)
                reg.name, reg.level, reg.kind = row["name"], row["level"], row["kind"]
                reg.parent, reg.path, reg.active = parent_obj, row["path"], row["active"]
                if before == (reg.name, reg.level, reg.kind, reg.parent_id, reg.path, reg.active):
                    unchanged += 1
                    continue
                updated += 1
                to_update.append(reg)
                if before[4] != reg.path:
                    moved.append(reg)
                changes.append({"code": reg.code, "name": reg.name, "before": before[0], "change": "修改"})
            for reg in Region.objects.bulk_create(new, batch_size=500):
                by_code[reg.code] = reg
            created += len(new)
        Region.objects.bulk_update(
            to_update, ["name", "level", "kind", "parent", "path", "active"], batch_size=100
        )
        _repath_descendants(moved, by_code)
        result = UpsertResult(created, updated, unchanged)
        if created or updated:
            record(
                actor=acting_user,
                action="regions.upsert",
                object_type="regions.region",
                object_repr=f"行政区划更新 {source}".strip(),
                after={
                    "created": created,
                    "updated": updated,
                    "unchanged": unchanged,
                    "source": source,
                    "changes": changes[:200],
                },
            )
        return result


def _check_nation(items: Mapping[str, Mapping[str, Any]], existing: Mapping[str, Region]) -> None:
    # One country, and nothing filed under it by parent: the provinces are its subtree through their paths.
    nations = {c for c, r in existing.items() if r.level == Level.NATION and c not in items}
    nations |= {c for c, row in items.items() if row["level"] == Level.NATION}
    if len(nations) > 1:
        raise RegionError(f"只能有一个全国区划，现有 {'、'.join(sorted(nations))}")
    for code, row in items.items():
        if row["parent"] in nations:
            raise RegionError(f"代码 {code}: 上级不能是全国区划（省级区划不填上级，自然属于全国）")


def _repath_descendants(moved: list[Region], by_code: dict[str, Region]) -> None:
    # A region moved under a new parent drags its whole subtree's paths along.
    for reg in moved:
        stale = Region.objects.filter(parent=reg).exclude(path__startswith=reg.path)
        for child in stale:
            child.path = _path(reg.path, child.code)
            child.save(update_fields=["path"])
            _repath_descendants([child], by_code)


def do_add_unit(
    *, acting_user: Any, parent: Region, code: str, name: str, kind: str, level: str = Level.COUNTY
) -> Region:
    """Add a non-standard unit (开发区/管理区) under a parent region."""
    if kind not in (Kind.DEV_ZONE, Kind.MGMT_ZONE):
        raise RegionError(f"非标准单位类型应为 开发区 或 管理区，而不是 {kind!r}")
    if not UNIT_CODE.match(code):
        raise RegionError(
            f"单位代码 {code!r} 格式错误：应为上级6位代码加字母开头的后缀，如 {parent.code[:6]}K01"
        )
    with transaction.atomic():
        if Region.objects.filter(code=code).exists():
            raise RegionError(f"代码 {code} 已存在")
        unit = Region.objects.create(
            code=code, name=name, level=level, kind=kind, parent=parent, path=_path(parent.path, code)
        )
        record(
            actor=acting_user,
            action="regions.add_unit",
            obj=unit,
            region_code=unit.code,
            after={"code": code, "name": name, "kind": kind, "level": level, "parent": parent.code},
        )
        return unit


def subtree(region: Region) -> Any:
    """The region and everything below it."""
    return Region.objects.filter(path__startswith=region.path)


def path_for(region: Region) -> str:
    """The subtree path a region should have, from its parent's."""
    return _path(region.parent.path if region.parent_id and region.parent else None, region.code)


def repath(region: Region) -> None:
    """After a region was moved or re-coded, bring its own and its descendants' paths up to date."""
    expected = path_for(region)
    if region.path != expected:
        region.path = expected
        Region.objects.filter(pk=region.pk).update(path=expected)
    _repath_descendants([region], {})


def do_record_changes(
    *, acting_user: Any, registry_codes: set[str], mappings: Iterable[tuple[str, str, str]]
) -> tuple[int, int]:
    """After a registry update: deactivate the standard codes that left the registry, and record each
    old → new mapping (撤县设区, a merger, a new code) so history follows the region. One transaction,
    audited; returns (deactivated, mapped). Raises RegionError naming a bad mapping; nothing is written then.
    """
    from lvzhi.regions.models import RegionChange

    pairs = [(str(o).strip(), str(n).strip(), note) for o, n, note in mappings]
    codes = {c for o, n, _ in pairs for c in (o, n)}
    found = {r.code: r for r in Region.objects.filter(code__in=codes)}
    errors = [f"区划代码 {c} 不存在" for c in sorted(codes - set(found))]
    errors += [
        f"{o} → {n}：新代码必须在现行区划中" for o, n, _ in pairs if n in found and n not in registry_codes
    ]
    errors += [f"{o} → {n}：新旧代码相同" for o, n, _ in pairs if o == n]
    if errors:
        raise RegionError("；".join(errors))
    with transaction.atomic():
        gone = list(Region.objects.filter(kind=Kind.STANDARD, active=True).exclude(code__in=registry_codes))
        Region.objects.filter(pk__in=[r.pk for r in gone]).update(active=False)
        mapped = 0
        for o, n, note in pairs:
            _, created = RegionChange.objects.get_or_create(
                old=found[o], new=found[n], defaults={"note": note[:200]}
            )
            mapped += created
        if gone or mapped:
            record(
                actor=acting_user,
                action="regions.change",
                object_type="regions.region",
                region_code="",
                before={"codes": sorted(r.code for r in gone)},
                after={"changes": [f"{found[o].name}（{o}）→ {found[n].name}（{n}）" for o, n, _ in pairs]},
            )
        return len(gone), mapped
