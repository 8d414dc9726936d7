"""How the report reader's cost grows with the report's size, measured in one run on this machine.

Reads (extract from a .txt file + analyse) the reader's own test reports (tests/reader/reports) repeated to
1 MB and to 5 MB, three times each, alternating, and prints the best CPU time of each (this process's time,
not the wall clock) and their ratio. Linear growth gives about 5; the target is < 10 (caches and the garbage
collector add some); a pass quadratic in the text would give about 25. Speed is measured here, never by a
timed assertion in the tests (tests/reader/test_fuzz.py reads a 5 MB report for soundness only).

    .venv/bin/python bench/bench_reader_linear.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import lvzhi.reader
from lvzhi.reader.extract import extract
from lvzhi.reader.pipeline import analyse

ROOT = Path(__file__).resolve().parents[1]
REPORTS = ROOT / "tests" / "reader" / "reports"
sys.path.insert(0, str(REPORTS))
from formats import report_text  # noqa: E402 - the reports' text as the reader tests read them


def sized(base: str, megabytes: int) -> str:
    """The base text repeated and cut to `megabytes` of UTF-8."""
    target = megabytes * 1024 * 1024
    reps = target // len(base.encode("utf-8")) + 1
    return (base * reps)[: len(base) * reps * target // len((base * reps).encode("utf-8"))]


def cpu_seconds(path: Path) -> float:
    t0 = time.process_time()
    analyse(extract(path).text)
    return time.process_time() - t0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    base = "\n".join(report_text(p.name) for p in sorted(REPORTS.glob("*.txt"))) + "\n"
    with tempfile.TemporaryDirectory() as tmp:
        one, five = Path(tmp) / "one.txt", Path(tmp) / "five.txt"
        one.write_text(sized(base, 1), encoding="utf-8")
        five.write_text(sized(base, 5), encoding="utf-8")
        runs = [(cpu_seconds(one), cpu_seconds(five)) for _ in range(args.repeat)]
    t1, t5 = min(r[0] for r in runs), min(r[1] for r in runs)
    variant = "compiled (mypyc)" if lvzhi.reader.COMPILED else "pure Python"
    print(f"reader: {variant}; best of {args.repeat} alternating passes, CPU time of this process")
    print(f"1 MB report : {t1:6.2f} s")
    print(f"5 MB report : {t5:6.2f} s")
    print(f"ratio 5 MB / 1 MB = {t5 / t1:4.1f}  (linear = 5; target < 10; quadratic ≈ 25)")


if __name__ == "__main__":
    main()
