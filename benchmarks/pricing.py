"""One pricing tick and a 30-tick catch-up over 10,000 rewards and 1,000,000 redemptions.

The history is loaded with set-based SQL (the services would take hours for a million purchases);
ledger triggers are off while loading, because only the redemption rows matter to a tick: the
redemptions' debit transactions exist (the foreign key is real) but carry no entries. The tick
itself runs through the production code path, `pricing_tick_run`.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pricing.engine import grid_floor
from pricing.models import Tick
from pricing.replay import pricing_replay
from pricing.services import parameters_set, pricing_tick_run

REWARDS = 10_000
PEOPLE = 5_000
REDEMPTIONS = 1_000_000
HISTORY_DAYS = 60
DAY = 86_400


def _load(start: datetime) -> float:
    """Rewards, people and a million settled redemptions spread over HISTORY_DAYS; seconds taken."""
    began = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")  # no triggers while loading
        cursor.execute(
            "INSERT INTO rewards_reward (name_fi, name_en, description_fi, description_en, "
            "category, icon, base_price, current_price, log_price, stock, needs_approval, active, "
            "created_at) SELECT 'Palkinto ' || g, 'Reward ' || g, '', '', 'other', '', "
            "p, p, 0.0, NULL, false, true, %s "
            "FROM (SELECT g, 20 + (g * 7919) %% 2000 AS p FROM generate_series(1, %s) g) s",
            [start, REWARDS],
        )
        cursor.execute(
            "INSERT INTO rewards_rewardactivation (reward_id, active, at) "
            "SELECT id, true, created_at FROM rewards_reward"
        )
        cursor.execute(
            "INSERT INTO people_user (password, is_superuser, username, first_name, last_name, "
            "email, is_staff, is_active, date_joined, display_name, role, employment_type, "
            "preferred_language) SELECT '!', false, 'bench-' || g, '', '', '', false, true, "
            "now(), 'Bench ' || g, 'agent', 'permanent', 'fi' FROM generate_series(1, %s) g",
            [PEOPLE],
        )
        cursor.execute(
            "INSERT INTO ledger_transaction (kind, memo, created_at, idempotency_key) "
            "SELECT 'redemption', '', %s, 'bench-redemption-' || g "
            "FROM generate_series(1, %s) g",
            [start, REDEMPTIONS],
        )
        # Popularity is skewed (a few rewards are wanted by many, most by few): reward = u³.
        cursor.execute(
            "WITH r AS (SELECT array_agg(id ORDER BY id) AS ids FROM rewards_reward), "
            "u AS (SELECT array_agg(id ORDER BY id) AS ids FROM people_user "
            "WHERE username LIKE 'bench-%%'), "
            "t AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM ledger_transaction "
            "WHERE idempotency_key LIKE 'bench-redemption-%%') "
            "INSERT INTO rewards_redemption (price_paid, state, reason, created_at, updated_at, "
            "settled_at, debit_id, employee_id, reward_id) "
            "SELECT 100, 'approved', '', at, at, at, id, "
            "u.ids[1 + (random() * (%s - 1))::int], r.ids[1 + floor(power(random(), 3) * %s)::int] "
            "FROM (SELECT t.id, %s::timestamptz + random() * %s * interval '1 day' AS at "
            "FROM t) m, r, u",
            [PEOPLE, REWARDS, start, HISTORY_DAYS],
        )
        cursor.execute("SET session_replication_role = origin")
        cursor.execute("ANALYZE")
    return time.perf_counter() - began


def _timed_ticks(count: int, now: datetime) -> tuple[float, int, list[int]]:
    """Run `count` ticks; (seconds, queries, ticks' rewards counts)."""
    with CaptureQueriesContext(connection) as queries:
        began = time.perf_counter()
        ticks = pricing_tick_run(now=now, limit=count)
        took = time.perf_counter() - began
    assert len(ticks) == count, f"expected {count} ticks, got {len(ticks)}"
    return took, len(queries), [t.rewards_count for t in ticks]


def run() -> None:
    print(f"\nPricing: {REWARDS:,} rewards, {REDEMPTIONS:,} redemptions over {HISTORY_DAYS} days")
    today = grid_floor(timezone.now(), DAY)
    start = today - timedelta(days=HISTORY_DAYS)
    loaded = _load(start)
    print(f"  load (set-based SQL)                       {loaded:8.1f} s")
    # The clock starts 31 days ago: one tick, then a catch-up of the 30 windows after it.
    parameters_set(actor=None, values={}, effective_from=today - timedelta(days=31))
    reset_queries()
    took, queries, counts = _timed_ticks(1, today)
    print(f"  one tick (10,000 rewards, ~16,700 redemptions in the window)"
          f"  {took:6.2f} s   {queries} queries + 1 COPY")  # fmt: skip
    took, queries, counts = _timed_ticks(30, today)
    print(f"  30-tick catch-up                           {took:8.2f} s   "
          f"{took / 30:.2f} s/tick   {queries} queries ({queries / 30:.0f} + 1 COPY per tick)")  # fmt: skip
    assert set(counts) == {REWARDS}
    began = time.perf_counter()
    report = pricing_replay()
    print(f"  pricing_replay of {report.ticks} ticks × {REWARDS:,} rewards      "
          f"{time.perf_counter() - began:8.2f} s   {'agrees' if report.ok else 'DIFFERS'}")  # fmt: skip
    moved = Tick.objects.order_by("-window_start").first()
    assert moved is not None
    print(f"  last window: total demand {moved.demand_total:,}, x̄ = {moved.demand_mean:.2f}")
