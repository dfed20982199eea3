"""The demo's market history: a year of daily repricing woven into the demo's purchases, then a
clock that reprices every minute, and a sale running this week.

The demo ticks every minute so a visitor sees prices move; with spec §3's λ = 0.1 per tick every
price would be back at base within the hour, so the demo version drifts back more slowly
(λ = 0.002 per minute: half-way back in about six hours). Both versions are in the audit trail.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from ledger.demo import MONTHS_OF_HISTORY
from people.models import User
from rewards.demo import MarketSeedResult
from rewards.demo import seed_demo as seed_market_demo
from rewards.models import RewardCategory

from .engine import grid_floor
from .models import Sale, Tick
from .services import parameters_set, pricing_tick_run, sale_create
from .windows import versions_all, window_next

DEMO_TICK_SECONDS = 60
DEMO_DRIFT = 0.002


class _Clock:
    """Reprices the market as the history unfolds, asking only when a window has closed."""

    def __init__(self) -> None:
        self.due: datetime | None = None

    def __call__(self, moment: datetime) -> bool:
        if self.due is not None and moment < self.due:
            return False
        ticks = pricing_tick_run(now=moment)
        self.due = window_next(versions_all()).end
        return bool(ticks)


@transaction.atomic
def seed_demo(*, now: datetime | None = None, months: int | None = None) -> MarketSeedResult:
    """The market demo (people, catalogue, a year of awards and redemptions) with its pricing.

    Idempotent like the market's seed: on a database that already has ticks nothing is added."""
    now = now or timezone.now()
    months = months or MONTHS_OF_HISTORY
    if Tick.objects.exists():
        return seed_market_demo(now=now, months=months)
    start = grid_floor(now - timedelta(days=31 * months + 1), 86_400)
    parameters_set(actor=None, values={"tick_seconds": 86_400}, effective_from=start,
                   note="Demo history: spec §3 defaults, repricing daily.")  # fmt: skip
    result = seed_market_demo(now=now, months=months, clock=_Clock())
    if not result.created:
        return result
    pricing_tick_run(now=now)
    parameters_set(
        actor=None,
        values={"tick_seconds": DEMO_TICK_SECONDS, "lam": DEMO_DRIFT},
        effective_from=now,
        note="Demo: reprices every minute; drifts back to base more slowly per tick.",
    )
    hr = User.objects.filter(username="hr").first()
    if hr is not None and not Sale.objects.exists():
        sale_create(actor=hr, name="Hyvinvointiviikko", multiplier="0.8",
                    starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=6),
                    categories=[RewardCategory.WELLBEING])  # fmt: skip
    return result
