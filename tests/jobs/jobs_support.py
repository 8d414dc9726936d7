"""Helpers of the job tests (imported by test modules; conftest holds only fixtures)."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def filled_item_template(cast: Any, user: Any, region: str, values: dict[str, Any]) -> bytes:
    """The round's one-region template as the user downloads it, with `values` typed into this year's column."""
    from openpyxl import load_workbook

    from lvzhi.entry import workbook as wbk
    from lvzhi.entry.services import template_for

    data, _ = template_for(user, cast.round.pk, region)
    wb = load_workbook(io.BytesIO(data))
    ws = wb[wbk.ITEM_SHEET]
    for r in range(2, ws.max_row + 1):
        code = ws.cell(r, 1).value
        if code in values:
            ws.cell(r, 5).value = values[code]
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


SRC = str(Path(__file__).resolve().parents[2] / "src")


def database_url() -> str:
    """The URL of the test database this process uses, for worker processes to share it."""
    from django.db import connection

    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def worker_env(var_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a worker process on the test database (and, with extra, on another queue)."""
    env = dict(os.environ)
    env.update(
        PYTHONPATH=SRC,
        DATABASE_URL=database_url(),
        LVZHI_VAR_DIR=str(var_dir),
        DJANGO_SETTINGS_MODULE="lvzhi.site.settings",
        LVZHI_PURE_PYTHON="1",
    )
    env.update(extra)
    return env


def start_worker(env: dict[str, str], *, prelude: str = "") -> subprocess.Popen[bytes]:
    """`lvzhi worker` in a process of its own; `prelude` (Python) runs first, e.g. to slow a step down."""
    code = (
        "import django; django.setup()\n"
        + prelude
        + "\nfrom lvzhi.cli.main import app\napp(['worker', '--interval', '0.1'])"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.2)
