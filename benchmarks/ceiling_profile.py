"""Where a money write's time goes: the ceiling's endpoints, one process, measured three ways.

`make bench SUITES=ceiling_profile`. The same data as the ceiling suite (8 supervisors with their
own budgets, 40 agents, 40 rewards, one fresh quote per redemption), the same settings and
middleware, the requests handed straight to Django's WSGI handler (no HTTP server, no load
generator), one after another.

1. Without a profiler, in five turns round the endpoints (so a drift of the machine's speed
   weighs on all alike): the CPU per request of this process and of PostgreSQL (its processes'
   /proc figures), and each endpoint's share of the bare endpoint's rate that those predict.
2. Without a profiler: PostgreSQL's planning and execution time by statement
   (pg_stat_statements, which `scripts/bench.sh` loads for this suite), and with PROFILE_PYSPY=dir
   py-spy's samples (collapsed stacks, one file per endpoint) and the share of the requests'
   samples inside each of our functions.
3. Under cProfile with a CPU clock (which inflates call-heavy code, so read its split, not its
   totals): the CPU by where it went (Django, DRF, our code, the driver, Celery/kombu), the
   functions with the most own time, and ours by time inside them; PROFILE_DUMP=dir writes
   `.pstats` files.

On two cores four gunicorn workers are CPU bound, so the CPU milliseconds per request set the
rate: an endpoint costing twice the bare endpoint's CPU runs at about half its rate.

Environment: PROFILE_REQUESTS (default 400) per endpoint and pass, PROFILE_TOP (default 12).
"""

from __future__ import annotations

import cProfile
import io
import json
import os
import pstats
import random
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.core.handlers.wsgi import WSGIHandler
from django.db import DatabaseError, connection
from django.test.utils import override_settings
from django.utils import timezone

from rewards.models import Quote
from rewards.services import reward_create

from ._http import ROOT
from .ceiling import REWARDS, _budgets_and_wallets, _people, _session
from .ceiling_urls import bare_tables_create

REQUESTS = int(os.environ.get("PROFILE_REQUESTS", "400"))
ROUNDS = 5
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


def _postgres_cpu() -> float:
    """CPU seconds PostgreSQL has used on this machine: the postmaster's children that live
    (backends, background workers) and those it has reaped (a backend closed by CONN_MAX_AGE).
    0 if the server's /proc entries cannot be read (a server on another machine)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        postmaster = int(_stat(pid)[1])
        fields = _stat(postmaster)
    except (OSError, IndexError, ValueError):
        return 0.0
    ticks = sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                child = _stat(int(entry.name))
            except (OSError, IndexError):
                continue
            if child[1] == str(postmaster):
                ticks += int(child[11]) + int(child[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str]:
    """/proc/PID/stat's fields after the command name: [0] state, [1] ppid, [11] utime, ..."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def _statements_reset() -> bool:
    """Zero pg_stat_statements if the server has it loaded (scripts/bench.sh does)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
            cursor.execute("SELECT pg_stat_statements_reset()")
    except DatabaseError:
        return False
    return True


def _statements_top(n_requests: int) -> list[str]:
    """PostgreSQL's time per request by statement (planning + execution), dearest first."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT calls, total_plan_time, total_exec_time, query FROM pg_stat_statements "
            "WHERE query NOT LIKE '%%pg_stat_statements%%' "
            "ORDER BY total_plan_time + total_exec_time DESC LIMIT %s",
            [TOP],
        )
        rows = cursor.fetchall()
    lines = ["   PostgreSQL's time by statement per request (plan, execute; without the profiler):"]
    for calls, plan_ms, exec_ms, query in rows:
        text = " ".join(query.split())
        lines.append(
            f"     {plan_ms / n_requests:6.3f} {exec_ms / n_requests:6.3f} ms "
            f"{calls / n_requests:4.1f}x  {text[:100]}"
        )
    return lines


def _sampler_start() -> tuple[subprocess.Popen[bytes], Path] | None:
    """py-spy sampling this process (PROFILE_PYSPY=dir: one collapsed-stack file per endpoint,
    for speedscope or flamegraph.pl), a picture that cProfile's per-call cost does not bend."""
    directory = os.environ.get("PROFILE_PYSPY")
    if not directory:
        return None
    tool = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(tool).exists():
        raise SystemExit("PROFILE_PYSPY needs py-spy: scripts/ensure-venv.sh dev installs it")
    out = Path(directory) / f"{len(list(Path(directory).glob('*.txt')))}.txt"
    proc = subprocess.Popen(
        [tool, "record", "-p", str(os.getpid()), "-r", "400", "-f", "raw", "-o", str(out)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    time.sleep(1.5)  # attached before the first request
    return proc, out


def _sampler_stop(sampler: tuple[subprocess.Popen[bytes], Path] | None) -> list[str]:
    """Stop py-spy; the functions in most of the requests' samples (inclusive), ours and the
    libraries' entry points."""
    if sampler is None:
        return []
    proc, out = sampler
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=60)
    inside: dict[str, int] = defaultdict(int)
    total = 0
    for line in out.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if "get_response" not in stack:
            continue  # not inside a request
        total += int(count)
        frames = {re.sub(r":\d+\)$", ")", f.replace(str(ROOT) + "/", "")) for f in stack.split(";")}
        for frame in frames:
            inside[frame] += int(count)
    lines = [f"   py-spy, share of the request's samples inside each of our functions ({out}):"]
    ours = [(n, f) for f, n in inside.items() if "site-packages" not in f and "(<" not in f]
    for n, frame in sorted(ours, reverse=True)[:TOP]:
        lines.append(f"     {n / max(total, 1):6.1%}  {frame}")
    return lines


def _plain_cpu(app: WSGIHandler, requests: list[dict[str, Any]]) -> list[str]:
    """The requests without the profiler: PostgreSQL's time by statement (pg_stat_statements),
    and py-spy's samples if asked."""
    tracked = _statements_reset()
    sampler = _sampler_start()
    for environ in requests:
        _call(app, environ)
    sampled = _sampler_stop(sampler)
    return (_statements_top(len(requests)) if tracked else []) + sampled


def _interleaved_cpu(
    app: WSGIHandler, suites: dict[str, list[dict[str, Any]]]
) -> dict[str, tuple[float, float]]:
    """{suite: (Python, PostgreSQL) CPU seconds per request}, without the profiler, measured in
    ROUNDS turns that go round the suites, so that a machine whose speed drifts (this one's
    swings by 2x) weighs on every suite alike."""
    spent = {name: [0.0, 0.0] for name in suites}
    chunk = REQUESTS // ROUNDS
    for turn in range(ROUNDS):
        for name, requests in suites.items():
            pg0, cpu0 = _postgres_cpu(), time.process_time()
            for environ in requests[turn * chunk : (turn + 1) * chunk]:
                _call(app, environ)
            spent[name][0] += time.process_time() - cpu0
            spent[name][1] += _postgres_cpu() - pg0
    return {
        name: (py / (chunk * ROUNDS), pg / (chunk * ROUNDS)) for name, (py, pg) in spent.items()
    }


def _profile(name: str, app: WSGIHandler, requests: list[dict[str, Any]]) -> float:
    statements_top = _plain_cpu(app, requests[:REQUESTS])  # and py-spy's samples if asked
    timed = requests[REQUESTS:]
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
    print("\n".join(statements_top))
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
        for i in range(3 * REQUESTS + 20)
    )

    def env(user_id: int, path: str, body: dict[str, Any]) -> dict[str, Any]:
        cookie, csrf = sessions[user_id]
        return _environ(path, json.dumps(body).encode(), cookie, csrf)

    def many(make: Callable[[int], dict[str, Any]]) -> list[dict[str, Any]]:
        return [make(i) for i in range(3 * REQUESTS + 20)]

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
        for requests in suites.values():  # warm: imports, caches, the connection
            for environ in requests[:20]:
                _call(app, environ)
        plain = _interleaved_cpu(app, {n: r[20 : 20 + REQUESTS] for n, r in suites.items()})
        profiled = {n: _profile(n, app, r[20 + REQUESTS :]) for n, r in suites.items()}
    connection.close()
    base_py, base_pg = plain["bare DRF locked write"]
    print(
        "\n   CPU per request vs the bare endpoint (what bounds the rate on 2 cores): Python "
        "without the profiler, its PostgreSQL backend, both, and Python under the profiler"
    )
    print(f"     {'':<36} {'Python':>8} {'Postgres':>9} {'both':>8} {'share':>6} {'profiled':>9}")
    for name, (py, pg) in plain.items():
        print(
            f"     {name:<36} {py * 1000:5.2f} ms {pg * 1000:6.2f} ms {(py + pg) * 1000:5.2f} ms "
            f"{(base_py + base_pg) / (py + pg):6.0%} {profiled[name] * 1000:6.2f} ms"
        )
