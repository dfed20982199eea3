"""Awards through the HTTP API: gunicorn on PostgreSQL, many concurrent clients, then ledger_verify.

A real server process (gunicorn, 4 workers) serves the seeded demo contact centre from the
benchmark database; client threads post awards with their own tokens and Idempotency-Keys,
and every 10th request is sent twice (a client retry) to prove that retries move nothing.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

from django.db import connection
from rest_framework.authtoken.models import Token

from ledger.demo import seed_demo
from ledger.models import Award, AwardReason, BudgetPolicy
from ledger.selectors import ledger_verify
from ledger.services import budget_period_open, period_start_for
from people.models import Role, User
from people.selectors import team_members_of

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = 32
REQUESTS_PER_CLIENT = 40


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


def run() -> None:
    seed_demo()
    next_period = (period_start_for() + timedelta(days=32)).replace(day=1)
    supervisors = list(User.objects.filter(role=Role.SUPERVISOR))
    for sup in supervisors:
        BudgetPolicy.objects.filter(supervisor=sup).update(
            amount=10_000_000, mode="flat", rollover=True
        )
        budget_period_open(supervisor=sup, period_start=next_period)
    reason = AwardReason.objects.first()
    assert reason is not None
    plans = [
        (
            Token.objects.get_or_create(user=sup)[0].key,
            [m.pk for m in team_members_of(supervisor=sup)],
        )
        for sup in supervisors
    ]
    connection.close()

    port = _free_port()
    env = {**os.environ, "DATABASE_URL": _database_url(), "DEBUG": "false", "SECRET_KEY": "bench"}
    env["THROTTLE_USER"] = "1000000/min"
    env["CONN_MAX_AGE"] = os.environ.get("CONN_MAX_AGE", "0")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "pojoporssi.wsgi:application", f"--bind=127.0.0.1:{port}",
         "--workers=4", "--log-level=warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        latencies: list[float] = []
        statuses: Counter[int] = Counter()
        replays_differ = 0
        lock = threading.Lock()

        def client(n: int) -> None:
            nonlocal replays_differ
            token, members = plans[n % len(plans)]
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
            for i in range(REQUESTS_PER_CLIENT):
                body = json.dumps(
                    {
                        "recipient": members[(n + i) % len(members)],
                        "reason": reason.code,
                        "points": 1,
                    }
                )
                key = str(uuid.uuid4())
                sends = 2 if i % 10 == 0 else 1
                answers = []
                for _ in range(sends):
                    started = time.perf_counter()
                    conn.request(
                        "POST", "/api/v1/awards/", body, {**headers, "Idempotency-Key": key}
                    )
                    response = conn.getresponse()
                    answers.append(response.read())
                    with lock:
                        latencies.append(time.perf_counter() - started)
                        statuses[response.status] += 1
                if (
                    sends == 2
                    and answers[0] != answers[1]
                    and json.loads(answers[0]) != json.loads(answers[1])
                ):
                    with lock:
                        replays_differ += 1
            conn.close()

        awards_before = Award.objects.count()
        threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)

    ordered = sorted(latencies)
    created = Award.objects.count() - awards_before
    print(
        f"== awards through the HTTP API (gunicorn x4, PostgreSQL, {CLIENTS} concurrent clients) =="
    )
    print(
        f"{len(latencies)} requests in {wall:.1f} s: {len(latencies) / wall:.0f} req/s; "
        f"p50 {statistics.median(ordered) * 1000:.1f} ms, p95 {ordered[int(len(ordered) * 0.95) - 1] * 1000:.1f} ms, "
        f"max {ordered[-1] * 1000:.1f} ms; statuses {dict(statuses)}"
    )
    print(
        f"awards created {created} (expected {CLIENTS * REQUESTS_PER_CLIENT}: every retried key once); "
        f"retries answered differently: {replays_differ}; ledger_verify problems: {len(ledger_verify())}"
    )
