"""Awards through the HTTP API: gunicorn on PostgreSQL, many concurrent clients, then ledger_verify.

A real server process (gunicorn, 4 workers) serves the seeded demo contact centre from the
benchmark database; client threads post awards with their own tokens and Idempotency-Keys,
and every 10th request is sent twice (a client retry) to prove that retries move nothing.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
import uuid
from collections import Counter
from datetime import timedelta

from ledger.models import Award, AwardReason, BudgetPolicy
from ledger.selectors import ledger_verify
from ledger.services import budget_period_open, period_start_for
from people.models import Role, User
from people.selectors import team_members_of
from people.services import api_token_create

from ._http import call, gunicorn, summary

CLIENTS = 32
REQUESTS_PER_CLIENT = 40


def fund_supervisors() -> list[User]:
    """Give every supervisor a budget no benchmark can exhaust (next month's period)."""
    next_period = (period_start_for() + timedelta(days=32)).replace(day=1)
    supervisors = list(User.objects.filter(role=Role.SUPERVISOR))
    for sup in supervisors:
        BudgetPolicy.objects.filter(supervisor=sup).update(
            amount=10_000_000, mode="flat", rollover=True
        )
        budget_period_open(supervisor=sup, period_start=next_period)
    return supervisors


def run() -> None:
    supervisors = fund_supervisors()
    reason = AwardReason.objects.first()
    assert reason is not None
    plans = [
        (
            api_token_create(user=sup).key,
            [m.pk for m in team_members_of(supervisor=sup)],
        )
        for sup in supervisors
    ]
    awards_before = Award.objects.count()
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    replays_differ = 0
    lock = threading.Lock()

    def client(n: int, port: int) -> None:
        nonlocal replays_differ
        token, members = plans[n % len(plans)]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for i in range(REQUESTS_PER_CLIENT):
            body = {
                "recipient": members[(n + i) % len(members)],
                "reason": reason.code,
                "points": 1,
            }
            key = str(uuid.uuid4())
            answers = []
            for _ in range(2 if i % 10 == 0 else 1):
                status, data, took = call(conn, "POST", "/api/v1/awards/", token, body, key)
                answers.append(json.loads(data))
                with lock:
                    latencies.append(took)
                    statuses[status] += 1
            if answers[0] != answers[-1]:
                with lock:
                    replays_differ += 1
        conn.close()

    with gunicorn() as port:
        threads = [threading.Thread(target=client, args=(n, port)) for n in range(CLIENTS)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - started

    created = Award.objects.count() - awards_before
    print(
        f"== awards through the HTTP API (gunicorn x4, PostgreSQL, {CLIENTS} concurrent clients) =="
    )
    print(f"{summary(latencies, wall)}; statuses {dict(statuses)}")
    print(
        f"awards created {created} (expected {CLIENTS * REQUESTS_PER_CLIENT}: every retried key once); "
        f"retries answered differently: {replays_differ}; ledger_verify problems: {len(ledger_verify())}"
    )
