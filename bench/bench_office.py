"""The office's pages at national scale: the progress drill-down and the export of a round of 2,850 counties,
p95 beside the static stylesheet served by the same gunicorn in the same run (the ratio column).

Builds a throwaway installation (SQLite file in a temporary LVZHI_VAR_DIR, or DATABASE_URL): a synthetic
province of 2,850 counties in 95 cities of 30, the built-in statutory scheme, a round over every county with
states, totals and every leaf's final score spread as in a real year; a 督导办 of the province logs in.
Then concurrent clients request the drill-down (province → city, the clickable list behind a count), and
fewer clients the .xlsx and .csv export of the whole round.

    .venv/bin/python bench/bench_office.py [--regions 2850] [--clients 8] [--requests 5] [--exports 3]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
PASSWORD = "Bench-Office-2026!x"


def _regions(n: int) -> list[dict[str, object]]:
    """A synthetic province of n counties in cities of 30 (codes 99CC00 for cities, 9CCNNN for counties)."""
    cities = -(-n // 30)
    rows: list[dict[str, object]] = [{"code": "990000", "name": "合成省", "level": "省", "parent": None}]
    rows += [
        {"code": f"99{c:02d}00", "name": f"合成{c}市", "level": "市", "parent": "990000"}
        for c in range(1, cities + 1)
    ]
    rows += [
        {"code": f"9{i // 30 + 1:02d}{i % 30 + 1:03d}", "name": f"合成县{i + 1}", "level": "县"}
        | {"parent": f"99{i // 30 + 1:02d}00"}
        for i in range(n)
    ]
    return rows


def populate(n: int) -> tuple[int, str]:
    """The round and the code of one city; returns (round id, city code)."""
    from lvzhi.accounts.models import Role, RoleAssignment, User
    from lvzhi.evaluations import gateway
    from lvzhi.evaluations.actions import do_create_scheme_version, do_open_round
    from lvzhi.evaluations.models import Evaluation, ItemScore, State
    from lvzhi.regions.models import Region
    from lvzhi.regions.services import upsert_regions
    from lvzhi.schemes.registry import builtin_files

    upsert_regions(_regions(n))  # cities of 30 counties, as real ones are at most
    office = User.objects.create(username="bench-office")
    office.set_password(PASSWORD)
    office.save()
    RoleAssignment.objects.create(user=office, role=Role.OFFICE, region=Region.objects.get(code="990000"))
    text = builtin_files()["statutory"].read_text(encoding="utf-8")
    sv = do_create_scheme_version(acting_user=office, yaml_text=text, source_name="statutory.yaml")
    counties = list(Region.objects.filter(level="县").order_by("code"))
    rnd = do_open_round(
        acting_user=office,
        scheme_version=sv,
        year=2025,
        name="全国规模评价",
        owner_region=Region.objects.get(code="990000"),
        regions=counties,
    )
    rng = random.Random(2025)
    states = [s.value for s in State]
    leaves = gateway.scheme_info(text).leaves
    evs = list(Evaluation.objects.filter(round=rnd))
    for e in evs:
        e.state = rng.choice(states)
        e.total = Decimal(rng.randint(600, 1000)) / 10
        e.grade = "合格" if e.total >= 60 else "不合格"
    Evaluation.objects.bulk_update(evs, ["state", "total", "grade"], batch_size=500)
    ItemScore.objects.bulk_create(
        [
            ItemScore(
                evaluation=e,
                indicator_code=leaf.code,
                points=leaf.points,
                rule_kind=leaf.kind,
                final_score=(leaf.points or Decimal(0)) * Decimal(rng.randint(0, 10)) / 10,
            )
            for e in evs
            for leaf in leaves
        ],
        batch_size=2000,
    )
    return rnd.pk, "990100"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--regions", type=int, default=2850)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=5)
    parser.add_argument("--exports", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="lvzhi-bench-office-"))
    os.environ["LVZHI_VAR_DIR"] = str(work)
    os.environ["DJANGO_SETTINGS_MODULE"] = "lvzhi.site.settings"
    sys.path.insert(0, str(ROOT / "src"))
    try:
        import django

        django.setup()
        from bench_web import free_port, p95, run_load, wait_for
        from django.core.management import call_command

        t0 = time.perf_counter()
        call_command("migrate", verbosity=0, interactive=False)
        call_command("collectstatic", verbosity=0, interactive=False)
        round_id, city = populate(args.regions)
        print(f"{args.regions} counties, statutory scheme; set-up {time.perf_counter() - t0:.0f} s")
        port = free_port()
        venv = Path(sys.executable).parent
        server = subprocess.Popen(
            [
                str(venv / "gunicorn"),
                "lvzhi.site.wsgi:application",
                *("--bind", f"127.0.0.1:{port}", "--workers", str(args.workers), "--threads", "2"),
                *("--timeout", "120", "--log-level", "warning"),
            ],
            env={**os.environ, "LVZHI_DEBUG": "0"},
            cwd=work,
        )
        try:
            wait_for(port, server)
            users = [("bench-office", PASSWORD)]
            pages = {
                "进度：省": f"/rounds/{round_id}/",
                "进度：市": f"/rounds/{round_id}/?region={city}",
                "列表：已发布": f"/rounds/{round_id}/?region=990000&state={quote('已发布')}",
            }
            exports = {
                "导出 xlsx": f"/rounds/{round_id}/export.xlsx",
                "导出 csv": f"/rounds/{round_id}/export.csv",
            }
            run_load(port, users, pages, clients=2, rounds=1)  # warm the workers
            timings = run_load(port, users, pages, clients=args.clients, rounds=args.requests)
            export_timings = run_load(port, users, exports, clients=2, rounds=args.exports)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        print(f"{'page':<14}{'requests':>9}{'median ms':>11}{'p95 ms':>10}{'x static p95':>14}")
        for label, table in (("drill-down", timings), ("export", export_timings)):
            base = p95(table["静态文件 (基线)"])
            print(f"-- {label} (static p95 {base:.1f} ms)")
            for name, values in table.items():
                print(
                    f"{name:<14}{len(values):>9}{statistics.median(values):>11.1f}"
                    f"{p95(values):>10.1f}{p95(values) / base:>14.1f}"
                )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
