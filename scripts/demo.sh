#!/usr/bin/env bash
# Installs what is needed, builds the demo database (SQLite) from the seed reports and serves it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
lvzhi demo "$@"
