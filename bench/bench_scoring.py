"""Benchmark of the scoring engine: 2,850 synthetic counties against a 60-leaf synthetic scheme.

The scheme has every formula-driven rule kind, computed items (shares), prev()/growth() and two rank rules;
it is written as YAML and read through the real loader. Prints, from one run: the time to score all
regions (end to end from loaded values to results), the time per region, the ratio to merely iterating over
the same input values, and the time to re-score one region after one value changed (incremental), separately
for a value that feeds no rank rule, one that feeds a points-by-rank rule, one that feeds a peers'-average
rule, and a rank value removed and given again (median and 95th percentile).
No timed asserts: the figures are ratios and times measured here, on this machine.

    .venv/bin/python bench/bench_scoring.py
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from lvzhi.schemes import load_catalogue, load_scheme
from lvzhi.scoring import ManualScore, RegionInput, compile_scheme

REGIONS = 2850
GROUPS = 10
ITEMS = 60


def write_files(folder: Path) -> tuple[Path, Path]:
    lines = ["items:"]
    for i in range(ITEMS):
        lines.append(f"  - {{code: x{i}, name: 统计项{i}, unit: '%', min: 0}}")
    for i in range(0, ITEMS - 1, 6):
        lines.append(f"  - {{code: s{i}, name: 占比{i}, unit: '%', formula: 'share(x{i}, x{i + 1} + x{i})'}}")
    catalogue = folder / "catalogue.yaml"
    catalogue.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rules = [
        lambda i: f'{{kind: threshold, expr: s{i - i % 6}, op: ">=", target: 50}}',
        lambda i: f"{{kind: linear, expr: x{i}, target: 80, direction: min, per_unit: 1, step: 2}}",
        lambda i: (
            f"{{kind: ladder, expr: x{i}, bands: [{{min: 90, score: 5}}, {{min: 70, score: 3}}, {{min: 50, fraction: 0.2}}]}}"
        ),
        lambda i: f'{{kind: all, conditions: ["x{i} >= prev(x{i})", "x{i} > 10 or x{i - 1} > 10"]}}',
        lambda i: f'{{kind: formula, score: "min(5, max(0, growth(x{i}) / 2 + 2.5))"}}',
        lambda i: f"{{kind: per_item_deduction, count: 'round(x{i} / 20)', per_item: 1}}",
    ]
    out = [
        "id: bench",
        "title: 基准测试方案",
        "issuer: 基准",
        "level: 县",
        "year: 2024",
        "document: null",
        f"total: {GROUPS * 6 * 5}",
        "grades: [{code: A, name: 优秀, min: 270}, {code: B, name: 良好, min: 240}, {code: C, name: 合格, min: 180}, "
        "{code: D, name: 不合格, min: 0}]",
        "bonus_cap: 5",
        "provenance: {status: official, sources: [{title: 合成数据}]}",
        "indicators:",
    ]
    for g in range(GROUPS):
        out.append(f"  - {{code: 'G{g}', name: 一级指标{g}, points: 30, children: [")
        for k in range(6):
            i = g * 6 + k
            rule = rules[k](i)
            if g == 0 and k == 0:
                rule = "{kind: rank, expr: 'growth(x0)', order: desc, points_by_rank: [5, 4, 3], rest: 1}"
            if g == 1 and k == 0:
                rule = "{kind: rank, expr: s6, mode: peer_average, below: 0.5}"
            if g == 9 and k == 5:
                rule = "{kind: manual}"
            out.append(f"      {{code: 'G{g}.{k}', name: 指标{i}, points: 5, rule: {rule}}},")
        out.append("    ]}")
    out += [
        "bonus: [{code: J1, name: 加分, points: 5, rule: {kind: formula, score: 'x1 / 20'}}]",
        "deductions: [{code: K1, name: 扣分, points: 5, rule: {kind: per_item_deduction, count: 'round(x2 / 50)', per_item: 1}}]",
        "vetoes: [{code: V1, name: 否决, when: 'x3 > 99.5'}]",
        "caps: [{code: C1, name: 限制, when: 'x4 < prev(x4) - 30', max_grade: B}]",
    ]
    scheme = folder / "bench.yaml"
    scheme.write_text("\n".join(out) + "\n", encoding="utf-8")
    return catalogue, scheme


def make_regions(rng: random.Random) -> list[RegionInput]:
    regions = []
    for r in range(REGIONS):
        values = {f"x{i}": Decimal(rng.randint(0, 10000)) / 100 for i in range(ITEMS)}
        previous = {f"x{i}": Decimal(rng.randint(1, 10000)) / 100 for i in range(ITEMS)}
        if r % 10 == 0:
            del values[f"x{rng.randrange(ITEMS)}"]  # some missing data, as in life
        manual = {"G9.5": ManualScore(level="良", justification="合成")} if r % 2 else {}
        regions.append(RegionInput(f"{r:06d}", f"县{r}", values, previous, manual))
    return regions


def best_of(n: int, fn) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Best wall-clock and best CPU time (the CPU time of this process: what one core spent on it)."""
    wall, cpu = [], []
    for _ in range(n):
        t, c = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return min(wall), min(cpu)


def main() -> None:
    rng = random.Random(20241122)
    with tempfile.TemporaryDirectory() as tmp:
        catalogue_path, scheme_path = write_files(Path(tmp))
        t = time.perf_counter()
        scheme = load_scheme(scheme_path, load_catalogue(catalogue_path))
        load_time = time.perf_counter() - t
    t = time.perf_counter()
    scorer = compile_scheme(scheme)
    compile_time = time.perf_counter() - t
    regions = make_regions(rng)

    def iterate() -> None:
        # The baseline: touch every input value once (this year's and last year's), doing nothing with it.
        n = 0
        for region in regions:
            for _ in region.values.values():
                n += 1
            for _ in region.previous.values():
                n += 1

    results = scorer.score(regions)
    score_wall, score_time = best_of(3, lambda: scorer.score(regions))
    _, iterate_time = best_of(3, iterate)

    # Incremental: one value of one region changes; many different regions and items. CPU time of this
    # process (what one core spent) and wall clock, which includes waiting for a busy machine.
    def rescore_times(n: int, change) -> tuple[list[float], list[float]]:  # type: ignore[no-untyped-def]
        cpu, wall = [], []
        for k in range(n):
            region, values = change(k)
            t, c = time.perf_counter(), time.process_time()
            scorer.rescore(results, region, values=values)
            cpu.append(time.process_time() - c)
            wall.append(time.perf_counter() - t)
        return cpu, wall

    def any_value() -> Decimal:
        return Decimal(rng.randint(0, 10000)) / 100

    def pick() -> str:
        return regions[rng.randrange(REGIONS)].region

    # x8.. feed no rank rule (x0 feeds growth(x0), x6 and x7 the share s6)
    plain = rescore_times(300, lambda k: (pick(), {f"x{rng.randrange(8, ITEMS)}": any_value()}))
    by_rank = rescore_times(200, lambda k: (pick(), {"x0": any_value()}))
    by_average = rescore_times(200, lambda k: (pick(), {f"x{rng.choice((6, 7))}": any_value()}))
    gone = [pick() for _ in range(100)]  # removed, then given again: the number of ranked regions changes
    count_moves = rescore_times(200, lambda k: (gone[k // 2], {"x0": None if k % 2 == 0 else any_value()}))
    leaves = len(scheme.leaves())
    statuses = {
        s: sum(1 for r in results for it in r.items if it.status == s)
        for s in ("scored", "unscored", "manual-pending")
    }
    print(f"scheme: {leaves} leaves, {len(scorer.computed)} computed items, 2 rank rules; {REGIONS} regions")
    print(f"load + validate scheme: {load_time * 1000:.1f} ms; compile: {compile_time * 1000:.1f} ms")
    print(
        f"score all {REGIONS} regions: {score_time * 1000:.1f} ms CPU time, {score_wall * 1000:.1f} ms wall clock "
        f"(best of 3; target < 1000 ms on one core)"
    )
    print(f"time per region: {score_time / REGIONS * 1e6:.1f} µs")
    print(
        f"merely iterating over the same input values: {iterate_time * 1000:.2f} ms "
        f"→ scoring/iteration ratio {score_time / iterate_time:.1f}×"
    )

    def line(what: str, times: tuple[list[float], list[float]]) -> str:
        cpu, wall = times
        p95 = sorted(cpu)[int(len(cpu) * 0.95)]
        return (
            f"incremental re-score, {what} ({len(cpu)} changes): median {statistics.median(cpu) * 1000:.3f} ms CPU, "
            f"95th percentile {p95 * 1000:.3f} ms CPU; wall clock median {statistics.median(wall) * 1000:.3f} ms "
            "(target < 5 ms)"
        )

    print(line("one value feeding no rank rule", plain))
    print(line(f"a value feeding a points-by-rank rule among {REGIONS}", by_rank))
    print(line(f"a value feeding a peers'-average rule among {REGIONS}", by_average))
    print(line("a rank value removed or given again (every peer's count changes)", count_moves))
    print(f"item outcomes: {statuses}")
    builtin_run(rng)


def builtin_run(rng: random.Random) -> None:
    """The same measurement against the largest built-in scheme, with every catalogue figure filled in."""
    from lvzhi.schemes import builtin_catalogue, list_builtin, load_builtin

    scheme = max((load_builtin(i) for i in list_builtin()), key=lambda s: len(s.leaves()))
    catalogue = builtin_catalogue()
    plain = [c for c, item in catalogue.items.items() if item.formula is None]
    manual_leaves = [leaf for leaf in scheme.leaves() if leaf.rule is not None and leaf.rule.kind == "manual"]
    regions = []
    for r in range(REGIONS):
        values = {c: Decimal(rng.randint(0, 1 if catalogue.items[c].is_boolean else 10000)) for c in plain}
        previous = {c: Decimal(rng.randint(0, 1 if catalogue.items[c].is_boolean else 10000)) for c in plain}
        manual = {
            leaf.code: ManualScore(level=rng.choice(leaf.rule.levels)[0], justification="合成")  # type: ignore[union-attr]
            for leaf in manual_leaves
        }
        regions.append(RegionInput(f"{r:06d}", f"县{r}", values, previous, manual))
    scorer = compile_scheme(scheme)
    wall, cpu = best_of(3, lambda: scorer.score(regions))
    print(
        f"largest built-in scheme ({scheme.id}, {len(scheme.leaves())} leaves, {len(manual_leaves)} manual): "
        f"{REGIONS} regions in {cpu * 1000:.1f} ms CPU ({wall * 1000:.1f} ms wall), "
        f"{cpu / REGIONS * 1e6:.1f} µs per region"
    )


if __name__ == "__main__":
    main()
