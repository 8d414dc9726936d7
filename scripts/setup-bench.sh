#!/usr/bin/env bash
# Opt-in set-up for the benchmarks' baselines (never run by the test command or CI): jionlp (baseline of
# bench/bench_reader.py) and valgrind (bench/reader_instructions.sh). LibreOffice, the baseline of
# bench/bench_writer.py, is installed by scripts/setup.sh (the tests use it too).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if ! command -v valgrind >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "setup-bench: installing valgrind (apt-get; bench/reader_instructions.sh counts instructions with it)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends valgrind >/dev/null
fi
.venv/bin/pip install -q -e ".[dev,bench]"
