"""Locks of the market, in the project's one order: the market clock, then the reward row, then
the redemption row or the drawing row and its bids, then ledger accounts by primary key
(`transaction_post` and the hold services take those last), then hold rows."""

from __future__ import annotations

from django.db import connection

from .models import Drawing, Redemption, Reward

MARKET_CLOCK_KEY = 0x706F6A6F  # "pojo": one PostgreSQL advisory lock key for the whole market


def market_clock_shared() -> None:
    """Hold the market clock shared until this transaction ends.

    Everything that stamps a time pricing reads (a redemption settling or being rejected, a reward
    going on or off the market, a base price changing) takes it *before* reading the clock. A
    pricing tick takes it exclusively, so when the tick reads "now" every such write stamped
    earlier has committed and none stamped later can land in a window already priced."""
    if connection.vendor == "postgresql":
        assert connection.in_atomic_block, "the market clock is held for a transaction"
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", [MARKET_CLOCK_KEY])


def market_clock_exclusive() -> None:
    """Hold the market clock exclusively until this transaction ends (pricing ticks only)."""
    if connection.vendor == "postgresql":
        assert connection.in_atomic_block, "the market clock is held for a transaction"
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [MARKET_CLOCK_KEY])


def reward_lock(*, reward_id: int) -> Reward:
    """Lock one reward row (FOR UPDATE): every purchase and restock of it queues here."""
    return Reward.objects.select_for_update().get(pk=reward_id)


def redemption_lock(*, redemption_id: int) -> Redemption:
    """Lock one redemption row, so its state is read and changed by one transaction at a time."""
    # `of=("self",)`: lock only the redemption, not the joined reward and people.
    return (
        Redemption.objects.select_for_update(of=("self",))
        .select_related("reward", "employee", "debit")
        .get(pk=redemption_id)
    )


def drawing_lock(*, drawing_id: int) -> Drawing:
    """Lock one drawing row (after its reward): every bid and the close queue here, and each reads
    the clock only once it holds the lock."""
    return (
        Drawing.objects.select_for_update(of=("self",)).select_related("reward").get(pk=drawing_id)
    )
