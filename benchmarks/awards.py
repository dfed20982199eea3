"""Award throughput and latency on PostgreSQL, alone and under contention, and ledger_verify time."""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable

from django.db import connections

from ledger.models import AwardReason, BudgetPolicy, Entry
from ledger.selectors import ledger_verify
from ledger.services import award_create, budget_period_open, period_start_for
from people.models import Role, Team, User


def _crew(
    prefix: str, supervisors: int, agents_per_team: int
) -> tuple[list[User], dict[int, list[User]]]:
    sups, led = [], {}
    for s in range(supervisors):
        team = Team.objects.create(name=f"{prefix}-team-{s}")
        sup = User.objects.create(
            username=f"{prefix}-sup-{s}", display_name=f"S{s}", role=Role.SUPERVISOR
        )
        team.leaders.add(sup)
        members = [
            User.objects.create(username=f"{prefix}-a-{s}-{i}", display_name=f"A{i}", team=team)
            for i in range(agents_per_team)
        ]
        BudgetPolicy.objects.create(supervisor=sup, amount=10_000_000)
        budget_period_open(supervisor=sup, period_start=period_start_for())
        sups.append(sup)
        led[sup.pk] = members
    return sups, led


def _timed(n: int, one: Callable[[int], object]) -> list[float]:
    latencies = []
    for i in range(n):
        started = time.perf_counter()
        one(i)
        latencies.append(time.perf_counter() - started)
    return latencies


def _report(label: str, latencies: list[float], wall: float) -> None:
    ordered = sorted(latencies)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    print(
        f"{label:<48} {len(latencies):>6} awards  {len(latencies) / wall:>8.0f}/s  "
        f"p50 {statistics.median(ordered) * 1000:6.2f} ms  p95 {p95 * 1000:6.2f} ms"
    )


def _concurrent(
    threads: int, sups: list[User], led: dict[int, list[User]], reason: AwardReason, *, shared: bool
) -> list[float]:
    """`threads` threads of 250 awards each, from their own budget or all from one."""
    latencies: list[float] = []
    lock = threading.Lock()

    def worker(t: int) -> None:
        sup = sups[0] if shared else sups[t]
        members = led[sup.pk]
        mine = _timed(
            250,
            lambda i: award_create(
                giver=sup, recipient=members[i % len(members)], reason=reason, points=1
            ),
        )
        with lock:
            latencies.extend(mine)
        connections.close_all()

    pool = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
    for th in pool:
        th.start()
    for th in pool:
        th.join()
    return latencies


def run() -> None:
    reason = AwardReason.objects.create(
        code="bench", name_fi="B", name_en="B", suggested_min=1, suggested_max=100
    )
    print("== awards (ledger.services.award_create on PostgreSQL) ==")

    sups, led = _crew("solo", 1, 20)
    started = time.perf_counter()
    lat = _timed(
        2000,
        lambda i: award_create(
            giver=sups[0], recipient=led[sups[0].pk][i % 20], reason=reason, points=1
        ),
    )
    _report("1 thread", lat, time.perf_counter() - started)

    for threads, shared in ((8, False), (8, True)):
        sups, led = _crew(f"t{threads}{shared}", 1 if shared else threads, 10)
        started = time.perf_counter()
        latencies = _concurrent(threads, sups, led, reason, shared=shared)
        label = f"{threads} threads, " + (
            "one shared budget (worst contention)" if shared else "own budgets"
        )
        _report(label, latencies, time.perf_counter() - started)

    started = time.perf_counter()
    problems = ledger_verify()
    print(
        f"ledger_verify over {Entry.objects.count()} entries: {time.perf_counter() - started:.2f} s, "
        f"{len(problems)} problems"
    )
