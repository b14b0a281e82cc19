"""The connection-pool load run: many concurrent requests to a real ASGI server on Postgres, while
sampling how many connections that server holds. With psycopg's pool the count stays at the pool's
size; with the old CONN_MAX_AGE>0 setting (``compare=True``) it grows with the request threads."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
from django.conf import settings
from django.db import connection

from crm.core.registry import register_bench

BASE_DIR = Path(settings.BASE_DIR)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url(app_name: str) -> str:
    db = settings.DATABASES["default"]
    name = connection.settings_dict["NAME"]
    user = quote(db.get("USER") or "")
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{name}?application_name={app_name}"


def _monitor_connection() -> psycopg.Connection:
    db = settings.DATABASES["default"]
    return psycopg.connect(
        host=db.get("HOST") or "127.0.0.1",
        port=db.get("PORT") or 5432,
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        dbname="postgres",
        autocommit=True,
    )


def _count_connections(monitor: psycopg.Connection, app_name: str) -> int:
    return monitor.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [app_name]
    ).fetchone()[0]


def _wait_for(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the ASGI server did not start")


def _get(port: int) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", "/healthz/", headers={"Host": "localhost"})
        return conn.getresponse().status
    except OSError:
        return 0
    finally:
        conn.close()


def load_run(*, requests: int, concurrency: int, pool: bool) -> dict[str, Any]:
    app_name = f"kolo-bench-{uuid.uuid4().hex[:8]}"
    port = _free_port()
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": _database_url(app_name),
        "DB_POOL": "1" if pool else "0",
        "DB_CONN_MAX_AGE": "0" if pool else "60",
        "DJANGO_SETTINGS_MODULE": "crm.settings",
        "ALLOWED_HOSTS": "localhost",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "daphne",
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            "crm.asgi:application",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    peak, stop = [0], threading.Event()
    monitor = _monitor_connection()  # opened first: it must not be refused when the server leaks

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], _count_connections(monitor, app_name))
            time.sleep(0.05)

    try:
        _wait_for(port)
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=concurrency) as executor:
            statuses = list(executor.map(lambda _i: _get(port), range(requests)))
        seconds = time.perf_counter() - started
        time.sleep(0.3)
        stop.set()
        sampler.join()
        after = _count_connections(monitor, app_name)
    finally:
        stop.set()
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        monitor.close()
    return {
        "requests": requests,
        "concurrency": concurrency,
        "pool": pool,
        "ok": sum(1 for s in statuses if s == 200),
        "failed": sum(1 for s in statuses if s != 200),
        "seconds": round(seconds, 2),
        "requests_per_second": round(requests / seconds, 1),
        "peak_connections": peak[0],
        "connections_after": after,
    }


@register_bench(
    "pool",
    help="ASGI server under concurrent load: Postgres connections with psycopg's pool",
    requests={"type": int, "default": 1000, "help": "requests to send"},
    concurrency={"type": int, "default": 50, "help": "requests in flight at once"},
    compare={"action": "store_true", "help": "also run the leaky CONN_MAX_AGE=60 setup"},
)
def bench_pool(requests: int = 1000, concurrency: int = 50, compare: bool = False) -> dict:
    if not settings.DB_IS_POSTGRES:
        raise RuntimeError("the pool benchmark needs DATABASE_URL pointing at Postgres")
    result: dict[str, Any] = {
        "pool_max_size": settings.DATABASES["default"]["OPTIONS"]["pool"]["max_size"]
        if "pool" in settings.DATABASES["default"].get("OPTIONS", {})
        else None,
        "with_pool": load_run(requests=requests, concurrency=concurrency, pool=True),
    }
    if compare:
        result["without_pool_conn_max_age_60"] = load_run(
            requests=requests, concurrency=concurrency, pool=False
        )
    return result
