#!/usr/bin/env bash
# Installs what is needed, then runs every check: lint, types, the test suite on SQLite and,
# when a PostgreSQL server is reachable, the database tests again on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"

echo "== ruff"; ruff check src tests bench setup.py
echo "== mypy (the whole src with django-stubs; strict on the pure engines)"; mypy
# The API fuzz (tests/security/test_api_fuzz.py, schemathesis from the OpenAPI schema, as an office user and as
# a 查看 user) runs with the suite: this many generated requests per operation, about 40 s per database.
export LVZHI_FUZZ_EXAMPLES="${LVZHI_FUZZ_EXAMPLES:-8}"
echo "== pytest on SQLite"
pytest -p no:cacheprovider -n 2 --dist loadfile "$@"

echo "== the reader's tests again on its pure-Python modules (the reference the compiled build must equal)"
LVZHI_PURE_PYTHON=1 pytest -p no:cacheprovider -n 2 --dist loadfile -q tests/reader

pg_url="${LVZHI_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/test}"
if python - "$pg_url" <<'PY'
import sys, psycopg
try:
    psycopg.connect(sys.argv[1], connect_timeout=3).close()
except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
    print(f"PostgreSQL not reachable at {sys.argv[1]} ({exc.__class__.__name__}): skipping the PostgreSQL run")
    sys.exit(1)
PY
then
  echo "== pytest on PostgreSQL ($pg_url): every test that uses the database"
  rc=0
  DATABASE_URL="$pg_url" pytest -p no:cacheprovider -n 2 --dist loadfile -m "db and not browser" "$@" || rc=$?
  # 5 = no test selected (only possible while no test uses the database); anything else is a failure.
  [ "$rc" = 0 ] || [ "$rc" = 5 ] || exit "$rc"
fi
