#!/usr/bin/env bash
# Installs everything Lüzhi needs on a fresh Debian machine; safe to run again (it skips what is there).
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages: CJK fonts for PDF/DOCX rendering, chromium for browser tests, poppler (pdftoppm,
# pdftotext, pdffonts) for PDF checks, and LibreOffice Writer: the test suite opens every generated .docx in
# it (tests/writer/test_office.py) and bench/bench_writer.py compares against it.
apt_pkgs=(fonts-noto-cjk chromium poppler-utils libreoffice-writer-nogui)
missing=()
for p in "${apt_pkgs[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing ${missing[*]} (apt-get)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "setup: missing system packages ${missing[*]}; run: sudo apt-get install ${missing[*]}" >&2
  fi
fi

# Python environment (pinned versions in pyproject.toml).
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
  .venv/bin/pip install -q -U pip
fi
stamp=.venv/.lvzhi-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "setup: installing Python dependencies"
  .venv/bin/pip install -q -e ".[dev]"
  touch "$stamp"
fi

# The report reader's analysis modules compiled with mypyc (setup.py; about 1.4 times faster). pip built
# them at the install above; after the reader's sources change they are rebuilt here, and until then the
# reader runs its pure-Python modules (lvzhi/reader/compiled.py).
if [ -z "${LVZHI_PURE_PYTHON:-}" ]; then
  state=$(.venv/bin/python -W ignore -c 'from lvzhi.reader import compiled; print(compiled.status())')
  if [ "$state" != compiled ]; then
    echo "setup: compiling the report reader with mypyc (its build is $state)"
    .venv/bin/pip install -q --no-deps -e .
  fi
fi

# Front-end libraries (htmx, ECharts; axe-core for the accessibility audit of the browser tests) from npm
# with the lock file; served locally, never from a CDN.
if [ -f package.json ]; then
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
    echo "setup: installing front-end packages (npm ci)"
    npm ci --silent --no-audit --no-fund
  fi
fi
