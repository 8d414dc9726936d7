"""Web latency bench: p95 of 工作台, 数据填报 and 对比分析 under 20 concurrent clients, beside a static file.

For each database (SQLite, then PostgreSQL when reachable) it builds the demo (`lvzhi demo --no-serve`:
the five seed regions plus the synthetic province) into a temporary directory, starts gunicorn on the
loopback, logs 20 clients in, and has them request every page a bounded number of times, interleaved with
the static stylesheet served by the same server — the baseline measured in the same run under the same
load. Prints one table per database; the ratio column is page p95 / static p95.

    .venv/bin/python bench/bench_web.py [--requests 15] [--clients 20] [--pg postgres://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
STATIC_PATH = "/static/web/app.css"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Client:
    """One logged-in browser-like client: keeps its session cookie and one keep-alive connection."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, bytes]:
        headers = {
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            "Host": f"127.0.0.1:{self.port}",
        }
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://127.0.0.1:{self.port}{path}"
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                resp = self.conn.getresponse()
                data = resp.read()
                break
            except (http.client.HTTPException, ConnectionError):
                # The server closed the keep-alive connection: reconnect once.
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                if attempt:
                    raise
        for header, value in resp.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        return resp.status, data

    def login(self, username: str, password: str) -> None:
        status, page = self.request("GET", "/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or token is None:
            raise RuntimeError(f"登录页无法打开 (login page: HTTP {status})")
        body = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token.group(1).decode(), "username": username, "password": password}
        )
        status, _ = self.request("POST", "/login/", body)
        if status != 302:
            raise RuntimeError(f"用户 {username} 登录失败 (HTTP {status})")


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18] if len(values) > 1 else values[0]


def run_load(
    port: int, users: list[tuple[str, str]], pages: dict[str, str], clients: int, rounds: int
) -> dict[str, list[float]]:
    """`clients` threads, each logged in as one of `users`; each does `rounds` passes over pages + static."""
    targets = {**pages, "静态文件 (基线)": STATIC_PATH}
    timings: dict[str, list[float]] = {name: [] for name in targets}
    errors: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(clients)

    def worker(i: int) -> None:
        try:
            client = Client(port)
            client.login(*users[i % len(users)])
            order = list(targets.items())
            start.wait()
            for r in range(rounds):
                # Rotate the order so that every page meets every other under load.
                for name, path in order[r % len(order) :] + order[: r % len(order)]:
                    t0 = time.perf_counter()
                    status, _ = client.request("GET", path)
                    dt = (time.perf_counter() - t0) * 1000
                    if status != 200:
                        raise RuntimeError(f"{name} {path}: HTTP {status}")
                    with lock:
                        timings[name].append(dt)
        except Exception as exc:  # report every failing client, not only the first
            with lock:
                errors.append(f"client {i}: {exc}")
            start.abort()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError("; ".join(sorted(set(errors))[:5]))
    return timings


def wait_for(port: int, proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("gunicorn exited while starting")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start listening")


def bench_database(label: str, database_url: str, args: argparse.Namespace) -> None:
    work = Path(tempfile.mkdtemp(prefix="lvzhi-bench-web-"))
    env = {**os.environ, "LVZHI_VAR_DIR": str(work), "LVZHI_DEBUG": "0"}
    env.pop("DATABASE_URL", None)
    if database_url:  # empty: the default SQLite file in LVZHI_VAR_DIR
        env["DATABASE_URL"] = database_url
    try:
        t0 = time.perf_counter()
        subprocess.run(
            [str(VENV_BIN / "lvzhi"), "demo", "--no-serve", "--quiet"], env=env, check=True, cwd=work
        )
        build_s = time.perf_counter() - t0
        manifest = json.loads((work / "demo-manifest.json").read_text(encoding="utf-8"))
        port = free_port()
        server = subprocess.Popen(
            [
                str(VENV_BIN / "gunicorn"),
                "lvzhi.site.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(args.workers),
                "--threads",
                str(args.threads),
                "--log-level",
                "warning",
            ],
            env=env,
            cwd=work,
        )
        try:
            wait_for(port, server)
            bench = manifest["bench"]
            users = [(u["username"], u["password"]) for u in bench["users"]]
            pages = {"工作台": bench["workbench"], "数据填报": bench["entry"], "对比分析": bench["analysis"]}
            run_load(port, users, pages, clients=4, rounds=2)  # warm every worker's caches and connections
            timings = run_load(port, users, pages, clients=args.clients, rounds=args.requests)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=20)
        base = p95(timings["静态文件 (基线)"])
        print(f"\n== {label}: demo built in {build_s:.1f} s; {manifest['counts']}")
        print(
            f"   {args.clients} concurrent clients x {args.requests} passes, gunicorn {args.workers} workers x {args.threads} threads"
        )
        print(f"   {'page':<14}{'requests':>9}{'median ms':>11}{'p95 ms':>9}{'x static p95':>14}")
        for name, values in timings.items():
            print(
                f"   {name:<14}{len(values):>9}{statistics.median(values):>11.1f}{p95(values):>9.1f}{p95(values) / base:>14.1f}"
            )
        slow = [n for n, v in timings.items() if p95(v) >= 150]
        print(
            "   target p95 < 150 ms: "
            + ("met by every page" if not slow else "NOT met by " + ", ".join(slow))
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


def pg_database(admin_url: str) -> str | None:
    """Create a fresh `lvzhi_bench_web` database on the server; None when the server is not reachable."""
    import psycopg

    try:
        with psycopg.connect(admin_url, connect_timeout=3, autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS lvzhi_bench_web WITH (FORCE)")
            conn.execute("CREATE DATABASE lvzhi_bench_web")
    except psycopg.OperationalError as exc:
        print(f"PostgreSQL not reachable at {admin_url} ({exc.__class__.__name__}): PostgreSQL run skipped")
        return None
    parts = urllib.parse.urlsplit(admin_url)
    return urllib.parse.urlunsplit(parts._replace(path="/lvzhi_bench_web"))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=15, help="passes over the pages per client (bounded)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument(
        "--pg", default=os.environ.get("LVZHI_BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    )
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    if args.only != "postgresql":
        bench_database("SQLite", "", args)
    if args.only != "sqlite":
        url = pg_database(args.pg)
        if url:
            bench_database("PostgreSQL", url, args)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
