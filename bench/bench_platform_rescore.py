"""Re-scoring a whole round in the platform (2,850 counties), beside its baselines, measured in one run.

Prints: the platform's rescore_round (read values → engine → store item scores and totals), beside
(a) merely reading the same values from the database and (b) the engine alone on the same inputs.
Run on SQLite (default) or PostgreSQL (DATABASE_URL=postgres://…). Target: < 3 s for 2,850 regions.

    .venv/bin/python bench/bench_platform_rescore.py [--regions 2850] [--scheme chongqing-2023-county]
"""

from __future__ import annotations

import argparse
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

    tmp = tempfile.mkdtemp(prefix="lvzhi-bench-")
    os.environ.setdefault("LVZHI_VAR_DIR", tmp)
    os.environ["DJANGO_SETTINGS_MODULE"] = "lvzhi.site.settings"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    # A throwaway database: in memory on SQLite, its own database on PostgreSQL (not the test suite's test_*).
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = "lvzhi_bench_rescore"
    old = setup_databases(verbosity=0, interactive=False)
    try:
        run(args, settings, call_command, connection)
    finally:
        teardown_databases(old, verbosity=0)


def run(args, settings, call_command, connection) -> None:
    from lvzhi.accounts.models import Role, RoleAssignment, User
    from lvzhi.evaluations import gateway, rescoring
    from lvzhi.evaluations.actions import do_create_scheme_version, do_open_round
    from lvzhi.evaluations.models import DataValue, Evaluation, ItemScore
    from lvzhi.regions.services import upsert_regions
    from lvzhi.schemes.registry import builtin_files

    rows = [{"code": "990000", "name": "合成省", "level": "省", "parent": None}]
    cities = max(1, args.regions // 30)
    for c in range(cities):
        rows.append({"code": f"99{c + 1:02d}00", "name": f"合成{c + 1}市", "level": "市", "parent": "990000"})
    for i in range(args.regions):
        c = i % cities
        rows.append(
            {
                "code": f"9{c + 1:02d}{i // cities + 1:03d}"[:6],
                "name": f"合成县{i}",
                "level": "县",
                "parent": f"99{c + 1:02d}00",
            }
        )
    # Codes must be unique 6-digit strings: 9 + city(2) + county(3) with ≤ 99 cities and ≤ 999 counties each.
    rows = rows[: 1 + cities] + [
        {**r, "code": f"9{(i % cities) + 1:02d}{i // cities + 1:03d}"}
        for i, r in enumerate(rows[1 + cities :])
    ]
    upsert_regions(rows)
    admin = User.objects.create(username="bench-admin")
    RoleAssignment.objects.create(user=admin, role=Role.ADMIN)
    text = builtin_files()[args.scheme].read_text(encoding="utf-8")
    sv = do_create_scheme_version(acting_user=admin, yaml_text=text, source_name=f"{args.scheme}.yaml")
    from lvzhi.regions.models import Region

    counties = list(Region.objects.filter(level="县"))
    province = Region.objects.get(code="990000")
    rnd = do_open_round(
        acting_user=admin, scheme_version=sv, year=2024, name="bench", owner_region=province, regions=counties
    )
    info = gateway.scheme_info(text)
    cat = gateway.catalogue()
    rng = random.Random(2024)
    values = []
    for ev in Evaluation.objects.filter(round=rnd):
        for code in info.item_codes:
            spec = cat[code]
            hi = spec.max if spec.max is not None else Decimal(100000)
            v = Decimal(rng.randint(0, int(hi) * 100)) / 100
            if spec.integer:
                v = Decimal(int(v))
            values.append(DataValue(evaluation=ev, item_code=code, value=v, prev_value=v * Decimal("0.95")))
    DataValue.objects.bulk_create(values, batch_size=2000)
    n_values = len(values)

    t0 = time.perf_counter()
    read = list(
        DataValue.objects.filter(evaluation__round=rnd).values_list(
            "evaluation_id", "item_code", "value", "prev_value"
        )
    )
    t_read = time.perf_counter() - t0

    inputs = {}
    for ev_id, code, v, p in read:
        inp = inputs.setdefault(ev_id, gateway.EvaluationInput(ev_id, str(ev_id), "", {}, {}, {}))
        inp.values[code] = v
        inp.previous[code] = p
    t0 = time.perf_counter()
    gateway.score_regions(text, list(inputs.values()))
    t_engine = time.perf_counter() - t0

    t0 = time.perf_counter()
    rescoring.rescore_round(rnd)
    t_first = time.perf_counter() - t0
    t0 = time.perf_counter()
    rescoring.rescore_round(rnd)
    t_again = time.perf_counter() - t0

    # New values everywhere (as after a national import): every automatic score and total changes.
    DataValue.objects.filter(evaluation__round=rnd).delete()
    for dv in values:
        dv.pk = None
        dv.value = dv.value + 1
    DataValue.objects.bulk_create(values, batch_size=2000)
    t0 = time.perf_counter()
    rescoring.rescore_round(rnd)
    t_changed = time.perf_counter() - t0

    db = connection.vendor
    print(
        f"database: {db}; scheme {args.scheme} ({len(info.leaves)} leaves, {len(info.item_codes)} items); "
        f"{len(counties)} regions, {n_values} values, {ItemScore.objects.count()} item scores"
    )
    print(f"read the values only           : {t_read:7.3f} s (baseline)")
    print(f"engine alone on the same inputs: {t_engine:7.3f} s")
    print(f"rescore_round, first (creates) : {t_first:7.3f} s  = {t_first / t_read:5.1f}× reading")
    print(f"rescore_round, nothing changed : {t_again:7.3f} s  = {t_again / t_read:5.1f}× reading")
    print(
        f"rescore_round, all data changed: {t_changed:7.3f} s  = {t_changed / t_read:5.1f}× reading  (target < 3 s)"
    )


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    main()
