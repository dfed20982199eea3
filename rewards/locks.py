"""Locks of the market, in the project's one order: the market clock, then the reward row, then
the redemption row or the drawing row and its bids, then ledger accounts by primary key
(`transaction_post` and the hold services take those last), then hold rows."""

from __future__ import annotations

from datetime import datetime

from django.db import connection

from core import sql
from ledger.models import Account, AccountKind
from people.models import User

from .models import LIVE_DRAWING_STATES, Drawing, Quote, Redemption, Reward

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
    # Hand-written (`core.sql`): a purchase's hot path. SQLite has no row locks (nor FOR UPDATE).
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    query = f"SELECT {sql.columns(Reward)} FROM {sql.table(Reward)} WHERE id = %s{lock}"  # noqa: S608
    reward = sql.first(Reward, query, [reward_id])
    if reward is None:
        raise Reward.DoesNotExist(f"no reward {reward_id}")
    return reward


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


def quote_for_purchase(*, quote_id: int, employee: User) -> Quote | None:
    """The employee's quote, read in one statement with what buying with it needs: the buyer's
    wallet id and the redemptions sink's (`wallet_account_id`, `sink_account_id`), and, on
    PostgreSQL, the market clock held shared from this statement on (`market_clock_held`), the
    first lock of the purchase. Call it inside the purchase's transaction."""
    # Hand-written (`core.sql`): built by the ORM, this read cost more CPU than the purchase's
    # writes. The clock is taken by the statement itself (a function in its select list).
    clock, params = "", []
    if connection.vendor == "postgresql":
        assert connection.in_atomic_block, "the market clock is held for a transaction"
        clock, params = (
            ", pg_advisory_xact_lock_shared(%s) IS NULL AS market_clock_held",
            [MARKET_CLOCK_KEY],
        )
    accounts = sql.table(Account)
    return sql.first(
        Quote,
        f"SELECT {sql.columns(Quote, 'q')}, "  # noqa: S608
        f"(SELECT a.id FROM {accounts} a WHERE a.kind = %s AND a.owner_id = %s) "
        "AS wallet_account_id, "
        f"(SELECT a.id FROM {accounts} a WHERE a.kind = %s AND a.owner_id IS NULL) "
        f"AS sink_account_id{clock} "
        f"FROM {sql.table(Quote)} q WHERE q.id = %s AND q.employee_id = %s",
        [AccountKind.WALLET, employee.pk, AccountKind.REDEMPTIONS, *params, quote_id, employee.pk],
    )


def quote_use(*, quote_id: int, reward_id: int, at: datetime) -> tuple[bool, bool]:
    """Mark the quote used if it is still unused, and say whether the reward is in a live
    drawing, in one statement: (used now, in a drawing). Take it after the reward's lock: the
    statement then sees every drawing committed before the lock was granted."""
    quote_table = connection.ops.quote_name(Quote._meta.db_table)
    drawing_table = connection.ops.quote_name(Drawing._meta.db_table)
    with connection.cursor() as cursor:
        sql.execute(
            cursor,
            f"UPDATE {quote_table} SET used_at = %s "  # noqa: S608
            "WHERE id = %s AND used_at IS NULL "
            f"RETURNING EXISTS (SELECT 1 FROM {drawing_table} "
            "  WHERE reward_id = %s AND state IN (%s, %s))",
            [at, quote_id, reward_id, *LIVE_DRAWING_STATES],
        )
        row = cursor.fetchone()
    if row is None:
        return False, False
    return True, bool(row[0])


WISH_ALERTS_KEY = 0x77697368  # "wish": the advisory lock of the wish alert pass


def wish_alerts_lock() -> None:
    """One wish alert pass at a time, until this transaction ends: a second pass (a redelivered
    job, the beat's safety run) then reads what the first wrote and finds nothing new to say."""
    if connection.vendor == "postgresql":
        assert connection.in_atomic_block, "the wish alert lock is held for a transaction"
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [WISH_ALERTS_KEY])
