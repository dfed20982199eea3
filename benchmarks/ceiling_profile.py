"""Where a money write's time goes: the ceiling's endpoints, one process, under cProfile.

`make bench SUITES=ceiling_profile`. The same data as the ceiling suite (8 supervisors with their
own budgets, 40 agents, 40 rewards, one fresh quote per redemption), the same settings and
middleware, the requests handed straight to Django's WSGI handler (no HTTP server, no load
generator), one after another. For each endpoint it prints the wall time per request, how much
of it was spent waiting for PostgreSQL and Redis, and the CPU time by where it went (Django,
DRF, our code, the driver, Celery/kombu), then the functions with the most own time.

On two cores four gunicorn workers are CPU bound, so the CPU milliseconds per request set the
rate: an endpoint costing twice the bare endpoint's CPU runs at about half its rate.

Environment: PROFILE_REQUESTS (default 400) per endpoint, PROFILE_TOP (default 12).
"""

from __future__ import annotations

import cProfile
import io
import json
import os
import pstats
import random
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test.utils import override_settings
from django.utils import timezone

from rewards.models import Quote
from rewards.services import reward_create

from ._http import ROOT
from .ceiling import REWARDS, _budgets_and_wallets, _people, _session
from .ceiling_urls import bare_tables_create

REQUESTS = int(os.environ.get("PROFILE_REQUESTS", "400"))
TOP = int(os.environ.get("PROFILE_TOP", "12"))

BUCKETS = (
    ("psycopg2 (waiting for PostgreSQL)", ("psycopg2", "{method 'execute' of 'psycopg2")),
    ("redis/kombu/celery (broker)", ("redis/", "kombu/", "celery/", "amqp/", "vine/")),
    ("socket/ssl waits", ("{method 'recv", "{method 'sendall", "{method 'connect")),
    ("rest_framework", ("rest_framework/",)),
    ("django.db (ORM)", ("django/db/",)),
    ("django (other)", ("django/",)),
    ("our code", ("/ledger/", "/rewards/", "/pricing/", "/people/", "/core/", "/notifications/",
                  "/audit/", "/insights/", "/pojoporssi/", "/benchmarks/")),
)  # fmt: skip


def _bucket(filename: str, func: str) -> str:
    key = f"{filename} {func}"
    for name, needles in BUCKETS:
        if any(n in key for n in needles):
            return name
    return "python & other libraries"


def _environ(path: str, body: bytes, cookie: str, csrf: str) -> dict[str, Any]:
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "localhost",
        "HTTP_COOKIE": cookie,
        "HTTP_X_CSRFTOKEN": csrf,
        "HTTP_ORIGIN": "https://localhost",
        "HTTP_REFERER": "https://localhost/",
        "HTTP_ACCEPT": "application/json",
        "HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4()),
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "https",
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }


def _call(app: WSGIHandler, environ: dict[str, Any]) -> int:
    status: list[str] = []

    def start_response(s: str, headers: list[Any], exc_info: Any = None) -> None:
        status.append(s)

    for _ in app(environ, start_response):  # type: ignore[arg-type]
        pass
    return int(status[0].split()[0])


def _profile(name: str, app: WSGIHandler, requests: list[dict[str, Any]]) -> float:
    for environ in requests[:20]:  # warm: imports, caches, the connection
        _call(app, environ)
    timed = requests[20:]
    profiler = cProfile.Profile(time.process_time)  # CPU: waits on a busy machine do not count
    cpu0, wall0 = time.process_time(), time.perf_counter()
    profiler.enable()
    codes = [_call(app, environ) for environ in timed]
    profiler.disable()
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    bad = sum(1 for c in codes if not 200 <= c < 300)
    stats = pstats.Stats(profiler)
    if os.environ.get("PROFILE_DUMP"):  # for pstats / snakeviz: one file per endpoint
        slug = "".join(c if c.isalnum() else "_" for c in name).strip("_")
        stats.dump_stats(f"{os.environ['PROFILE_DUMP']}/{slug}.pstats")
    by_bucket: dict[str, float] = defaultdict(float)
    rows = []
    ours = []
    for (filename, _line, func), (_cc, _nc, tottime, cumtime, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        by_bucket[_bucket(filename, func)] += tottime
        where = f"{filename.rsplit('site-packages/', 1)[-1]}:{_line} {func}"
        rows.append((tottime, where))
        if _bucket(filename, func) == "our code":
            ours.append((cumtime, where.replace(str(ROOT) + "/", "")))
    n = len(timed)
    total = sum(by_bucket.values()) or 1.0
    print(
        f"\n-- {name}: {n} requests, {wall / n * 1000:.2f} ms wall, {cpu / n * 1000:.2f} ms CPU "
        f"per request (profiled){f', {bad} not 2xx' if bad else ''}"
    )
    for bucket, seconds in sorted(by_bucket.items(), key=lambda kv: -kv[1]):
        print(f"   {bucket:<36} {seconds / n * 1000:7.2f} ms  {seconds / total:5.0%}")
    print("   top own time:")
    for tottime, where in sorted(rows, reverse=True)[:TOP]:
        print(f"     {tottime / n * 1000:7.3f} ms  {where}")
    print("   our functions by time inside them (cumulative):")
    for cumtime, where in sorted(ours, reverse=True)[:TOP]:
        print(f"     {cumtime / n * 1000:7.3f} ms  {where}")
    return cpu / n


def run() -> None:
    rng = random.Random(11)
    supervisors, agents, members = _people()
    _budgets_and_wallets(supervisors, members)
    rewards = [
        reward_create(name_fi=f"Palkinto {i}", name_en=f"Reward {i}", base_price=1)
        for i in range(REWARDS)
    ]
    bare_tables_create()
    sessions = {u.pk: _session(u) for u in supervisors + agents}
    now = timezone.now()
    quotes = Quote.objects.bulk_create(
        Quote(
            employee=agents[i % len(agents)],
            reward=rewards[rng.randrange(REWARDS)],
            price=1,
            created_at=now,
            expires_at=now + timedelta(hours=2),
        )
        for i in range(REQUESTS + 20)
    )

    def env(user_id: int, path: str, body: dict[str, Any]) -> dict[str, Any]:
        cookie, csrf = sessions[user_id]
        return _environ(path, json.dumps(body).encode(), cookie, csrf)

    def many(make: Callable[[int], dict[str, Any]]) -> list[dict[str, Any]]:
        return [make(i) for i in range(REQUESTS + 20)]

    pairs = [(s, m) for s in supervisors for m in members[s.pk]]
    suites = {
        "bare DRF locked write": many(lambda i: env(agents[i % 40].pk, "/bench/bare/", {})),
        "POST /api/v1/rewards/{id}/quote/": many(
            lambda i: env(
                agents[i % 40].pk,
                f"/api/v1/rewards/{rewards[rng.randrange(REWARDS)].pk}/quote/",
                {},
            )
        ),
        "POST /api/v1/redemptions/": many(
            lambda i: env(quotes[i].employee_id, "/api/v1/redemptions/", {"quote": quotes[i].pk})
        ),
        "POST /api/v1/awards/": many(
            lambda i: env(
                pairs[i % len(pairs)][0].pk,
                "/api/v1/awards/",
                {"recipient": pairs[i % len(pairs)][1].pk, "reason": "ceiling", "points": 1},
            )
        ),
    }
    print(
        f"== ceiling profile: in-process WSGI, DEBUG off, {REQUESTS} requests each, "
        f"PostgreSQL and Redis as configured =="
    )
    with override_settings(ROOT_URLCONF="benchmarks.ceiling_urls", DEBUG=False):
        app = WSGIHandler()
        cpu = {name: _profile(name, app, requests) for name, requests in suites.items()}
    connection.close()
    base = cpu["bare DRF locked write"]
    print("\n   CPU per request vs the bare endpoint (what bounds the rate on 2 cores):")
    for name, seconds in cpu.items():
        print(f"     {name:<36} {seconds * 1000:6.2f} ms  {base / seconds:5.0%} of bare's rate")
