#!/usr/bin/env bash
# Deterministic companion of bench_reader.py: machine instructions executed per pass of the reader
# (extract + analyse) over the five seed reports, counted by callgrind, for this checkout and — when a
# git revision is given — for that revision too, with their ratio. Wall-clock figures on a shared
# 2-core VM drift by ±30 % within minutes; instruction counts repeat within 0.1 %.
#
#   bash bench/reader_instructions.sh [REV]     (valgrind: bash scripts/setup-bench.sh installs it)
#
# Each tree runs as it is: this checkout with its mypyc build when that is current, a revision's worktree
# without one (pure Python). LVZHI_PURE_PYTHON=1 counts this checkout's pure-Python modules instead.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
command -v valgrind >/dev/null || { echo "需要 valgrind（bash scripts/setup-bench.sh 会安装）"; exit 1; }

PASSES='
import sys
from pathlib import Path
from lvzhi.reader.extract import extract
from lvzhi.reader.pipeline import analyse
files = sorted(Path(sys.argv[1]).glob("*.txt"))
for _ in range(int(sys.argv[2])):
    for p in files:
        analyse(extract(p).text)
'

collected() {  # SRC PASSES → instructions of the whole process
  PYTHONPATH="$1" valgrind --tool=callgrind --callgrind-out-file=/dev/null \
    "$ROOT/.venv/bin/python" -c "$PASSES" "$ROOT/../shared/seeds" "$2" 2>&1 |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}

per_pass() {  # SRC → instructions per pass (start-up and imports cancel out: 3 passes minus 1 pass)
  local one three
  one=$(collected "$1" 1)
  three=$(collected "$1" 3)
  echo $(((three - one) / 2))
}

variant() {  # SRC → compiled / absent / stale …: which reader modules that tree runs (lvzhi/reader/compiled.py)
  PYTHONPATH="$1" "$ROOT/.venv/bin/python" -W ignore -c 'from lvzhi.reader import compiled; print(compiled.status())' 2>/dev/null ||
    echo "纯 Python"  # a revision from before the compiled build
}

here=$(per_pass "$ROOT/src")
show() { "$ROOT/.venv/bin/python" -c 'import sys; print(sys.argv[1].ljust(16), f"每遍（五份种子报告）{int(sys.argv[2]) / 1e6:6.1f} M 条指令" + (f"；比值 {int(sys.argv[2]) / int(sys.argv[3]):.2f}" if len(sys.argv) > 3 else ""))' "$@"; }
show "本检出（$(variant "$ROOT/src")）" "$here"
if [ $# -ge 1 ]; then
  tmp=$(mktemp -d)
  trap 'git -C "$ROOT" worktree remove --force "$tmp" >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
  git -C "$ROOT" worktree add --detach "$tmp" "$1" >/dev/null 2>&1
  show "$1（$(variant "$tmp/src")）" "$(per_pass "$tmp/src")" "$here"
fi
