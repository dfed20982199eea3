"""A real gunicorn serving the benchmark database, and a small timed HTTP client."""

from __future__ import annotations

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
BENCH_SECRET_KEY = "bench"  # the server's; a benchmark that signs sessions signs with it too


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


@contextmanager
def gunicorn(workers: int = 4, settings_module: str | None = None) -> Iterator[int]:
    """Serve the app from the benchmark database on a free port; yields the port."""
    connection.close()
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DEBUG": "false",
        "SECRET_KEY": BENCH_SECRET_KEY,
        "THROTTLE_USER": "1000000/min",
        "CONN_MAX_AGE": os.environ.get("CONN_MAX_AGE", "60"),
    }
    if settings_module:
        env["DJANGO_SETTINGS_MODULE"] = settings_module
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "pojoporssi.wsgi:application", f"--bind=127.0.0.1:{port}",
         f"--workers={workers}", "--log-level=warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


def call(
    conn: http.client.HTTPConnection,
    method: str,
    path: str,
    token: str,
    body: Any = None,
    key: str | None = None,
) -> tuple[int, bytes, float]:
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    if key:
        headers["Idempotency-Key"] = key
    started = time.perf_counter()
    conn.request(method, path, json.dumps(body) if body is not None else None, headers)
    response = conn.getresponse()
    data = response.read()
    return response.status, data, time.perf_counter() - started


def summary(latencies: list[float], wall: float) -> str:
    ordered = sorted(latencies)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return (
        f"{len(ordered)} requests in {wall:.1f} s: {len(ordered) / wall:.0f} req/s; "
        f"p50 {statistics.median(ordered) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, max {ordered[-1] * 1000:.1f} ms"
    )
