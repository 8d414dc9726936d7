"""Benchmark of the report reader on the five seed reports, beside jionlp's ``extract_money`` as baseline.

Prints, from one run on this machine: the throughput (characters per second, one core) of the whole pipeline
(extract from the .txt file + analyse: boilerplate, headings, figures, checks, findings), the throughput of
jionlp's ``ner.extract_money`` on the same texts, their ratio, and for money figures (gold claims with unit 元)
both tools' precision/recall/F1 against ``../shared/seeds/gold`` — a predicted figure matches a gold one when
the spans overlap and the value in 元 is equal. No timed asserts: figures measured in one run.

The reader runs as set-up leaves it: compiled with mypyc (lvzhi/reader/compiled.py) when that build is current.
The same run then measures the pure-Python modules too, in a child process with LVZHI_PURE_PYTHON=1, again
alternating with jionlp, so that both variants are shown beside the same baseline.

jionlp is a benchmark-only dependency (pyproject extra ``bench``): ``bash scripts/setup-bench.sh`` installs it.

    .venv/bin/python bench/bench_reader.py [SEEDS_DIR] [--repeat N]
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import lvzhi.reader
from lvzhi.reader import compiled
from lvzhi.reader.extract import extract
from lvzhi.reader.pipeline import analyse

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SEEDS = ROOT / ".." / "shared" / "seeds"


def gold_money(seeds: Path) -> dict[str, list[tuple[int, int, Decimal]]]:
    """Gold money claims per file: (start, end, value in 元)."""
    out: dict[str, list[tuple[int, int, Decimal]]] = defaultdict(list)
    for line in (seeds / "gold" / "claims.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line, parse_float=Decimal)
        if row["unit"] == "元":
            out[row["file"]].append((int(row["start"]), int(row["end"]), Decimal(row["value"])))
    return out


def f1(gold: list[tuple[int, int, Decimal]], pred: list[tuple[int, int, Decimal]]) -> tuple[int, int, int]:
    """(hits, gold count, predicted count): one-to-one matches with overlapping spans and equal values."""
    used: set[int] = set()
    hits = 0
    for gs, ge, gv in gold:
        for i, (ps, pe, pv) in enumerate(pred):
            if i not in used and ps < ge and gs < pe and pv == gv:
                used.add(i)
                hits += 1
                break
    return hits, len(gold), len(pred)


def prf(hits: int, gold: int, pred: int) -> str:
    p = hits / pred if pred else 1.0
    r = hits / gold if gold else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return f"P={p:.3f} R={r:.3f} F1={f:.3f} ({hits}/{gold}, 预测 {pred})"


def jionlp_money(extract_money: Any, text: str) -> list[tuple[int, int, Decimal]]:
    """jionlp's money figures as (start, end, value in 元); a blurred range counts as its lower bound."""
    out = []
    for m in extract_money(text, with_parsing=True):
        num = m["detail"]["num"]
        value = Decimal(num[0] if isinstance(num, list) else num)
        out.append((m["offset"][0], m["offset"][1], value.normalize()))
    return out


def best_of_interleaved(repeat: int, *fns: Any) -> list[float]:
    """Fastest run of each function, the runs taken in turn: a shared machine's speed drifts over seconds,
    and alternating makes both tools meet the same drift (the ratio is the figure to trust)."""
    best = [float("inf")] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            t0 = time.perf_counter()
            fn()
            best[i] = min(best[i], time.perf_counter() - t0)
    return best


def main(argv: list[str]) -> int:
    """Run the benchmark and print its figures."""
    timing_only = "--timing-only" in argv
    args = [a for a in argv if not a.startswith("--")]
    repeat = int(argv[argv.index("--repeat") + 1]) if "--repeat" in argv else 20
    if "--repeat" in argv:
        args.remove(str(repeat))
    seeds = Path(args[0]) if args else DEFAULT_SEEDS
    files = sorted(seeds.glob("*.txt"))
    if not files:
        print(f"找不到种子报告：{seeds}（应在仓库旁的 ../shared/seeds）")
        return 1
    try:
        # jionlp prints a banner on import; keep the benchmark output to its figures.
        with contextlib.redirect_stdout(io.StringIO()):
            from jionlp import ner
    except ImportError:
        print("未安装 jionlp（基准对照，仅用于 bench）：.venv/bin/pip install jionlp==1.5.31")
        return 1
    gold = gold_money(seeds)
    texts = {p.name: extract(p).text for p in files}
    chars = sum(len(t) for t in texts.values())

    ours_s, jio_s = best_of_interleaved(
        repeat,
        lambda: [analyse(extract(p).text) for p in files],
        lambda: [ner.extract_money(t, with_parsing=True) for t in texts.values()],
    )

    variant = "mypyc 编译" if lvzhi.reader.COMPILED else f"纯 Python（{compiled.status()}）"
    if timing_only:  # the child run of the pure-Python modules: one line, parsed by the parent
        print(json.dumps({"ours": ours_s, "jionlp": jio_s, "variant": variant}))
        return 0

    ours_hits = [0, 0, 0]
    jio_hits = [0, 0, 0]
    for name, text in texts.items():
        a = analyse(text)
        ours = [(c.start, c.end, c.value.normalize()) for c in a.claims if c.unit == "元"]
        for acc, pred in ((ours_hits, ours), (jio_hits, jionlp_money(ner.extract_money, text))):
            h, g, p = f1([(s, e, v.normalize()) for s, e, v in gold[name]], pred)
            acc[0] += h
            acc[1] += g
            acc[2] += p
    all_claims = sum(len(analyse(t).claims) for t in texts.values())

    print(f"种子报告 {len(files)} 份，共 {chars} 字符；两者交替运行 {repeat} 次，各取最快的一次（单核）")
    print(
        f"本阅读器 整条流水线 (读取+分析)  {ours_s * 1000:8.1f} ms  {chars / ours_s / 1e6:6.3f} Mchar/s"
        f"  （目标 ≥ 2 Mchar/s），{variant}，找到数字 {all_claims} 个（各类）"
    )
    print(f"jionlp extract_money (仅金额)      {jio_s * 1000:8.1f} ms  {chars / jio_s / 1e6:6.3f} Mchar/s")
    print(f"速度比 本阅读器/jionlp = {jio_s / ours_s:.2f}")
    if lvzhi.reader.COMPILED:
        pure = _pure_run(seeds, repeat)
        print(
            f"  同一流水线的纯 Python 模块 {pure['ours'] * 1000:8.1f} ms  {chars / pure['ours'] / 1e6:6.3f} Mchar/s"
            f"（子进程，LVZHI_PURE_PYTHON=1；同时 jionlp {chars / pure['jionlp'] / 1e6:.3f} Mchar/s，"
            f"速度比 {pure['jionlp'] / pure['ours']:.2f}）"
        )
    print(f"金额 F1（对照金标准，单位 元）  本阅读器 {prf(*ours_hits)}")
    print(f"                              jionlp   {prf(*jio_hits)}")
    return 0


def _pure_run(seeds: Path, repeat: int) -> dict[str, Any]:
    """The same timing with the reader's pure-Python modules, in a child process (the choice is made at import)."""
    env = {**os.environ, compiled.FORCE_PURE: "1"}
    out = subprocess.run(
        [sys.executable, __file__, str(seeds), "--repeat", str(repeat), "--timing-only"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
