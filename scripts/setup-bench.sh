#!/usr/bin/env bash
# Opt-in set-up for the benchmarks' baselines (never run by the test command or CI):
# LibreOffice (docx → pdf baseline of bench/bench_writer.py), jionlp (baseline of bench/bench_reader.py) and
# valgrind (bench/reader_instructions.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if ! command -v soffice >/dev/null 2>&1 && ! command -v libreoffice >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup-bench: installing LibreOffice Writer (apt-get)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libreoffice-writer-nogui >/dev/null \
      || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libreoffice-writer >/dev/null
  else
    echo "setup-bench: LibreOffice missing; run: sudo apt-get install libreoffice-writer-nogui" >&2
  fi
fi
if ! command -v valgrind >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "setup-bench: installing valgrind (apt-get; bench/reader_instructions.sh counts instructions with it)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends valgrind >/dev/null
fi
.venv/bin/pip install -q -e ".[dev,bench]"
