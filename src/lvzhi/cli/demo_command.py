"""`lvzhi demo`: migrate a fresh database, build the demo, print the users, serve on the loopback."""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table


def run(*, serve: bool, host: str, port: int, quiet: bool, workers: int) -> None:
    """Build the demo database from scratch and, unless told not to, serve it with gunicorn."""
    from lvzhi.cli.django_env import setup_django

    # Wide enough for the users table even when the output is piped (rich would assume 80 columns).
    console = Console(quiet=quiet, width=max(120, shutil.get_terminal_size().columns))
    t0 = time.perf_counter()
    setup_django()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    var_dir = Path(settings.VAR_DIR)
    var_dir.mkdir(parents=True, exist_ok=True)
    fresh_sqlite = connection.vendor == "sqlite"
    if fresh_sqlite:
        # A fresh file each time: the demo must be reproducible, not layered on yesterday's edits.
        connection.close()
        db_file = Path(settings.DATABASES["default"]["NAME"])
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_file}{suffix}").unlink(missing_ok=True)
        shutil.rmtree(Path(settings.MEDIA_ROOT), ignore_errors=True)
    console.print("[bold]1/4[/] 建立数据库结构 (migrate)…")
    call_command("migrate", verbosity=0, interactive=False)
    if not fresh_sqlite:
        call_command("flush", verbosity=0, interactive=False)
    console.print("[bold]2/4[/] 收集静态文件 (collectstatic)…")
    call_command("collectstatic", verbosity=0, interactive=False)
    console.print("[bold]3/4[/] 生成演示数据：五个种子地区（由报告阅读器读取自评报告）+ 合成省份…")
    from lvzhi.demo.populate import build_demo

    manifest = build_demo(log=console.print)
    (var_dir / "demo-manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    console.print(f"[bold]4/4[/] 完成，用时 {time.perf_counter() - t0:.1f} 秒：{manifest['counts']}")

    table = Table(title="演示用户 (demo users)")
    for col in ("用户名", "密码", "角色", "区划", "说明"):
        table.add_column(col)
    for u in manifest["users"]:
        table.add_row(u["username"], u["password"], u["role"], u["region"], u.get("note", ""))
    console.print(table)
    for note in manifest.get("notes", []):
        console.print(f"[yellow]说明：[/]{note}")
    if not serve:
        return
    console.print(
        f"访问 http://{host}:{port}/ （公开结果无需登录：http://{host}:{port}/public/）；按 Ctrl+C 停止。"
    )
    sys.stdout.flush()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    args = [
        str(gunicorn),
        "lvzhi.site.wsgi:application",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--threads",
        "4",
        "--access-logfile",
        "-",
        "--log-level",
        "warning",
    ]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lvzhi.site.settings")
    from lvzhi.cli.jobs import start_embedded_worker

    # The background jobs (imports, bulk reports, …) need a worker: one runs beside the web server.
    start_embedded_worker()
    os.execv(args[0], args)
