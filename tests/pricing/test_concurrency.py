"""Ticks under real concurrency on PostgreSQL: two workers, a purchase racing the close of its
window, and the database's own refusal to price a window twice."""

from __future__ import annotations

import itertools
import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connections, transaction
from django.utils import timezone

from pricing import services
from pricing.models import Tick
from pricing.replay import pricing_replay
from pricing.tasks import pricing_tick
from rewards.locks import market_clock_shared
from rewards.models import Redemption
from tests.threads import run_in_threads

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_two_tick_tasks_at_once_apply_each_window_once(postgres, world):
    # given: a week of windows due, with some demand
    a, b = world.reward(100), world.reward(150)
    for day in range(7):
        world.buy(world.agents[day % 6], a if day % 2 else b, day=day)
    due = 7

    # when: two workers run the task at the same moment (a redelivery, or two beats)
    counts = run_in_threads(
        2, lambda i: len(services.pricing_tick_run(now=world.start + due * world_day()))
    )

    # then: every window priced exactly once between them, the chain unbroken
    assert sum(counts) == due
    ticks = list(Tick.objects.order_by("window_start"))
    assert len(ticks) == due
    assert all(t.window_end == n.window_start for t, n in itertools.pairwise(ticks))
    assert pricing_replay().ok


def world_day() -> timedelta:
    return timedelta(days=1)


def test_the_celery_task_run_twice_at_once_applies_one_tick(postgres, world):
    # given: the clock started two days ago with daily windows: windows up to today are due
    world.reward(100)
    expected = (timezone.now() - world.start).days

    # when: the task body runs twice at once, as two workers would run it
    counts = run_in_threads(2, lambda i: pricing_tick.run())

    # then
    assert sum(counts) == expected == Tick.objects.count()
    assert Counter(Tick.objects.values_list("window_start", flat=True)).most_common(1)[0][1] == 1


def test_the_database_refuses_a_window_twice_even_without_the_lock(postgres, world, monkeypatch):
    """The advisory lock is the fast path; unique windows are the guarantee."""
    world.reward(100)
    monkeypatch.setattr(services, "market_clock_exclusive", lambda: None)
    barrier = threading.Barrier(2)
    original = services._window_apply

    def apply_together(**kwargs):
        barrier.wait(timeout=10)  # both workers have read the same "next window"
        return original(**kwargs)

    monkeypatch.setattr(services, "_window_apply", apply_together)

    counts = run_in_threads(
        2, lambda i: len(services.pricing_tick_run(now=world.start + world_day(), limit=1))
    )

    assert sorted(counts) == [0, 1]
    assert Tick.objects.count() == 1


def test_a_purchase_stamped_before_the_close_is_counted_even_if_it_commits_after(postgres, world):
    """A redemption holds the market clock from its timestamp to its commit; the tick waits."""
    a, _b = world.reward(100), world.reward(100)
    end = world.start + world_day()
    inside = threading.Event()

    def slow_purchase() -> None:
        try:
            with transaction.atomic():
                market_clock_shared()
                world.buy(world.agents[0], a, day=0, hours=23.9)  # 23:54, just before the close
                inside.set()
                threading.Event().wait(1.0)  # still uncommitted while the tick starts
        finally:
            connections.close_all()

    buyer = threading.Thread(target=slow_purchase)
    buyer.start()
    assert inside.wait(10)
    ticks = services.pricing_tick_run(now=end)  # blocks on the clock until the purchase commits
    buyer.join()

    assert Redemption.objects.count() == 1
    assert ticks[0].lines.get(reward=a).demand == 1
    assert pricing_replay().ok
