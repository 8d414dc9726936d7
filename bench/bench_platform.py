"""National-scale Excel import and re-scoring in the platform, beside a baseline, measured in one run.

Builds a throwaway database (in memory on SQLite; its own database on PostgreSQL when DATABASE_URL points
there) with 2,850 counties in one round, writes the round's region-row workbook filled with values for every
enterable catalogue item (this year and last year), then measures:

- baseline: openpyxl merely reading every cell of that workbook (read-only mode);
- import: validate every cell (lvzhi.entry.workbook.parse_workbook) and store everything in one transaction
  (lvzhi.evaluations.actions.do_import_values: values, audit records, re-scoring) — target < 20 s;
- re-score: rescoring.rescore_round over all regions after the import — target < 3 s.

    .venv/bin/python bench/bench_platform.py [--regions 2850] [--scheme chongqing-2023-county]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/bench_platform.py
"""

from __future__ import annotations

import argparse
import io
import os
import random
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--regions", type=int, default=2850)
    parser.add_argument("--scheme", default="chongqing-2023-county")
    args = parser.parse_args()

    os.environ.setdefault("LVZHI_VAR_DIR", tempfile.mkdtemp(prefix="lvzhi-bench-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "lvzhi.site.settings"
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = "lvzhi_bench_platform"
    old = setup_databases(verbosity=0, interactive=False)
    try:
        run(args, connection)
    finally:
        teardown_databases(old, verbosity=0)


def _regions(n: int) -> list[dict[str, object]]:
    """A synthetic province: ≤ 99 cities, each with ≤ 999 counties (unique six-digit codes)."""
    cities = max(1, min(99, -(-n // 999), n // 30 or 1))
    rows: list[dict[str, object]] = [{"code": "990000", "name": "合成省", "level": "省", "parent": None}]
    rows += [
        {"code": f"99{c + 1:02d}00", "name": f"合成{c + 1}市", "level": "市", "parent": "990000"}
        for c in range(cities)
    ]
    rows += [
        {
            "code": f"9{i % cities + 1:02d}{i // cities + 1:03d}",
            "name": f"合成县{i + 1}",
            "level": "县",
            "parent": f"99{i % cities + 1:02d}00",
        }
        for i in range(n)
    ]
    return rows


def run(args: argparse.Namespace, connection: object) -> None:
    from openpyxl import load_workbook

    from lvzhi.accounts.models import Role, RoleAssignment, User
    from lvzhi.entry import workbook as wbk
    from lvzhi.evaluations import gateway, rescoring
    from lvzhi.evaluations.actions import do_create_scheme_version, do_import_values, do_start_filling
    from lvzhi.evaluations.bulk import gc_paused
    from lvzhi.evaluations.models import DataValue, Evaluation, ItemScore
    from lvzhi.regions.models import Region
    from lvzhi.regions.services import upsert_regions
    from lvzhi.schemes.registry import builtin_files

    upsert_regions(_regions(args.regions))
    admin = User.objects.create(username="bench-admin")
    RoleAssignment.objects.create(user=admin, role=Role.ADMIN)
    text = builtin_files()[args.scheme].read_text(encoding="utf-8")
    sv = do_create_scheme_version(acting_user=admin, yaml_text=text, source_name=f"{args.scheme}.yaml")
    from lvzhi.evaluations.actions import do_open_round

    counties = list(Region.objects.filter(level="县").order_by("code"))
    rnd = do_open_round(
        acting_user=admin,
        scheme_version=sv,
        year=2024,
        name="全国规模基准",
        owner_region=Region.objects.get(code="990000"),
        regions=counties,
    )
    for ev in Evaluation.objects.filter(round=rnd):
        do_start_filling(acting_user=admin, evaluation=ev)

    # Every enterable catalogue item: the workbook a national office would exchange.
    rules = [
        wbk.ItemRule(s.code, s.name, s.unit, s.min, s.max, s.integer)
        for s in gateway.catalogue().values()
        if not s.formula
    ]
    rng = random.Random(2024)

    def value(rule: wbk.ItemRule) -> Decimal:
        high = rule.max if rule.max is not None else (Decimal(100) if rule.unit == "%" else Decimal(100000))
        low = rule.min if rule.min is not None else Decimal(0)
        v = low + (high - low) * Decimal(rng.randint(0, 10000)) / 10000
        return Decimal(int(v)) if rule.integer else v.quantize(Decimal("0.01"))

    current = {r.code: {rule.code: value(rule) for rule in rules} for r in counties}
    previous = {r.code: {rule.code: value(rule) for rule in rules} for r in counties}
    spec = wbk.TemplateSpec(
        rnd.pk,
        rnd.name,
        rnd.year,
        rules,
        [wbk.RegionRow(r.code, r.name) for r in counties],
        layout=wbk.REGION_LAYOUT,
        current=current,
        previous=previous,
    )
    t0 = time.perf_counter()
    data = wbk.build_template(spec)
    t_build = time.perf_counter() - t0
    cells = len(counties) * len(rules) * 2

    # Baseline: openpyxl only reading every cell of the same workbook (collector paused, as for ours).
    @gc_paused
    def read_every_cell() -> int:
        wb = load_workbook(io.BytesIO(data), read_only=True)
        n = sum(
            1
            for name in (wbk.CURRENT_SHEET, wbk.PREVIOUS_SHEET)
            for row in wb[name].iter_rows(values_only=True)
            for _ in row
        )
        wb.close()
        return n

    t0 = time.perf_counter()
    n = read_every_cell()
    t_read = time.perf_counter() - t0

    regions = {r.code: r.name for r in counties}
    t0 = time.perf_counter()
    # As lvzhi.entry.services.parse_for_round runs it: with the cyclic garbage collector paused.
    parse = gc_paused(wbk.parse_workbook)
    parsed = parse(data, round_id=rnd.pk, items=rules, regions=regions, name="bench.xlsx")
    t_validate = time.perf_counter() - t0
    assert parsed.current == current, "the workbook must give back exactly the values written"
    t0 = time.perf_counter()
    imported = do_import_values(
        acting_user=admin,
        round=rnd,
        rows=parsed.current,
        previous=parsed.previous,
        source_document="bench.xlsx",
    )
    written = imported.written
    t_store = time.perf_counter() - t0
    assert DataValue.objects.filter(evaluation__round=rnd).count() == len(counties) * len(rules)

    t0 = time.perf_counter()
    rescoring.rescore_round(rnd)
    t_rescore = time.perf_counter() - t0
    t_import = t_validate + t_store

    vendor = getattr(connection, "vendor", "?")
    print(
        f"database: {vendor}; {len(counties)} regions × {len(rules)} items × 2 years = {cells:,} cells "
        f"({len(data) / 1048576:.1f} MB workbook, built in {t_build:.1f} s); {written:,} values stored ({len(imported.doubtful):,} far from last year's); "
        f"{ItemScore.objects.filter(evaluation__round=rnd).count():,} item scores"
    )
    print(f"openpyxl merely reading the workbook : {t_read:7.2f} s  ({n:,} cells; baseline)")
    print(
        f"validate every cell (parse_workbook) : {t_validate:7.2f} s  = {t_validate / t_read:4.1f}× reading"
    )
    print(f"store in one transaction (+ rescore) : {t_store:7.2f} s")
    print(
        f"import = validate + store            : {t_import:7.2f} s  = {t_import / t_read:4.1f}× reading  (target < 20 s)"
    )
    print(f"re-score all regions after it        : {t_rescore:7.2f} s  (target < 3 s)")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    main()
