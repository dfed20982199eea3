"""Drawings on PostgreSQL: bids per second (one drawing, 8 threads, all on one drawing row) and
how long one close takes with many bids (one transaction: post or void every hold)."""

from __future__ import annotations

import statistics
import threading
import time
from datetime import timedelta

from django.db import connections
from django.utils import timezone

from ledger.models import AwardReason, BudgetPolicy
from ledger.selectors import ledger_verify
from ledger.services import award_create, budget_period_open, period_start_for
from people.models import Role, Team, User
from rewards.drawings import bid_place, drawing_close, drawing_create
from rewards.models import Drawing, Reward


def _bidders(prefix: str, count: int, points: int) -> list[User]:
    team = Team.objects.create(name=f"{prefix}-team")
    sup = User.objects.create(username=f"{prefix}-sup", display_name="S", role=Role.SUPERVISOR)
    team.leaders.add(sup)
    BudgetPolicy.objects.create(supervisor=sup, amount=count * points)
    budget_period_open(supervisor=sup, period_start=period_start_for())
    reason = AwardReason.objects.get_or_create(
        code="bench-drawing",
        defaults={"name_fi": "B", "name_en": "B", "suggested_min": 1, "suggested_max": 500},
    )[0]
    people = []
    for i in range(count):
        agent = User.objects.create(username=f"{prefix}-a{i}", display_name=f"A{i}", team=team)
        award_create(giver=sup, recipient=agent, reason=reason, points=points)
        people.append(agent)
    return people


def _drawing(prefix: str, stock: int) -> Drawing:
    hr = User.objects.filter(role=Role.HR).first() or User.objects.create(
        username=f"{prefix}-hr", display_name="HR", role=Role.HR
    )
    reward = Reward.objects.create(
        name_fi=prefix, name_en=prefix, base_price=10, current_price=10, stock=stock
    )
    now = timezone.now()
    return drawing_create(
        actor=hr,
        reward=reward,
        rule="auction",
        opens_at=now - timedelta(minutes=1),
        closes_at=now + timedelta(hours=1),
    )


def run() -> None:
    print("== drawings (rewards.drawings on PostgreSQL) ==")
    people = _bidders("bench-d", 400, 400)
    drawing = _drawing("bench-d", stock=20)
    latencies: list[float] = []
    lock = threading.Lock()

    def worker(t: int) -> None:
        mine = []
        for i, agent in enumerate(people[t::8]):
            for amount in (50 + i, 60 + i):  # a bid, then a raise (replaces the hold)
                started = time.perf_counter()
                bid_place(drawing=drawing, employee=agent, amount=amount)
                mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)
        connections.close_all()

    started = time.perf_counter()
    pool = [threading.Thread(target=worker, args=(t,)) for t in range(8)]
    for th in pool:
        th.start()
    for th in pool:
        th.join()
    wall = time.perf_counter() - started
    ordered = sorted(latencies)
    print(
        f"{'8 threads, one drawing (bid + raise each)':<48} {len(ordered):>6} bids    "
        f"{len(ordered) / wall:>8.0f}/s  p50 {statistics.median(ordered) * 1000:6.2f} ms  "
        f"p95 {ordered[int(len(ordered) * 0.95) - 1] * 1000:6.2f} ms"
    )

    Drawing.objects.filter(pk=drawing.pk).update(closes_at=timezone.now())
    started = time.perf_counter()
    closed = drawing_close(drawing=drawing)
    took = time.perf_counter() - started
    print(
        f"close with {closed.bidders} bids, {closed.winners} winners: {took:.2f} s "
        f"(clearing price {closed.clearing_price})"
    )
    problems = ledger_verify()
    print(f"ledger_verify after the drawing: {len(problems)} problems")
