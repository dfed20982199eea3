"""Posting many transactions at once (history loads): `transaction_post`'s invariants, in bulk.

One `transaction_post` per row of a million-entry history would take an hour. Here the
transactions, their entries and the awards they record go in with COPY (plain INSERTs on
SQLite), chunk by chunk, and the cached balances move once at the end through the same code as a
single posting (`postings.balances_check`, `postings.balances_move`). The database still checks
everything it checks for one posting: the deferred triggers (every transaction has at least two
entries summing to zero) at commit, the CHECK constraints (balance >= held >= 0) on the update.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any, NamedTuple

from django.db import IntegrityError, connection, transaction

from core.bulk import ids_reserve, rows_copy

from ..locks import accounts_lock, wallets_lock
from ..models import Account, AccountKind, Award, Entry, Transaction
from .postings import DuplicateTransactionError, balances_check, balances_move, legs_total

CHUNK = 5_000  # postings per round of COPY: bounded memory for a million-entry history


class BulkLeg(NamedTuple):
    """One entry of a bulk posting: points into (positive) or out of (negative) an account."""

    account_id: int
    amount: int


# Not frozen: a frozen dataclass's __init__ is five times slower, paid per row of a
# million-row load.
@dataclass(slots=True)
class BulkAward:
    """The award a bulk posting records: who gave how many points to whom, and why."""

    giver_id: int
    recipient_id: int
    reason_id: int
    points: int
    message: str = ""


@dataclass(slots=True)
class BulkPosting:
    """One balanced transaction of a bulk posting, at its own (historical) time."""

    kind: str
    legs: tuple[BulkLeg, ...]
    created_at: datetime
    idempotency_key: str
    actor_id: int | None = None
    memo: str = ""
    award: BulkAward | None = None


@transaction.atomic
def wallets_ensure(*, owner_ids: Iterable[int]) -> dict[int, Account]:
    """Every owner's wallet, by owner id: the existing ones locked (accounts by primary key, the
    ledger's lock order), the missing ones created in bulk (nobody else sees those yet)."""
    wanted = set(owner_ids)
    wallets = wallets_lock(owner_ids=wanted)
    missing = sorted(wanted - set(wallets))
    created = Account.objects.bulk_create(
        [Account(kind=AccountKind.WALLET, owner_id=pk, balance=0) for pk in missing],
        batch_size=CHUNK,
    )
    wallets.update({account.owner_id: account for account in created})  # type: ignore[misc]
    return wallets


def _chunks(postings: Iterable[BulkPosting]) -> Iterator[list[BulkPosting]]:
    iterator = iter(postings)
    while chunk := list(islice(iterator, CHUNK)):
        yield chunk


def _chunk_write(chunk: list[BulkPosting], deltas: dict[int, int]) -> list[int]:
    """Check one chunk's legs, then COPY its transactions, entries and awards; the new ids."""
    for posting in chunk:
        legs_total(posting.legs, deltas)
    ids = ids_reserve(Transaction, len(chunk))
    transactions: list[tuple[Any, ...]] = []
    entries: list[tuple[Any, ...]] = []
    awards: list[tuple[Any, ...]] = []
    for txn, posting in zip(ids, chunk, strict=True):
        transactions.append((txn, str(posting.kind), posting.memo[:500], posting.actor_id,
                             posting.created_at, posting.idempotency_key))  # fmt: skip
        entries.extend((txn, account_id, amount) for account_id, amount in posting.legs)
        if (award := posting.award) is not None:
            awards.append((award.giver_id, award.recipient_id, award.reason_id, award.points,
                           award.message, txn, posting.created_at))  # fmt: skip
    try:
        rows_copy(
            Transaction,
            ["id", "kind", "memo", "actor", "created_at", "idempotency_key"],
            transactions,
        )
    except IntegrityError as exc:  # the only immediate constraint there: the unique key
        raise DuplicateTransactionError(
            "A transaction with one of these idempotency keys was already posted."
        ) from exc
    rows_copy(Entry, ["transaction", "account", "amount"], entries)
    rows_copy(
        Award,
        ["giver", "recipient", "reason", "points", "message", "transaction", "created_at"],
        awards,
    )
    return ids


@transaction.atomic
def transactions_post_bulk(*, postings: Iterable[BulkPosting]) -> list[int]:
    """Post balanced transactions (and the awards they record) in bulk; their ids, in order.

    All or nothing. A posting whose legs do not balance raises ValueError (as in
    `transaction_post`), an idempotency key posted before `DuplicateTransactionError`, and an
    owned balance that would end below what it holds `InsufficientPointsError` (a budget:
    `BudgetExceededError`); in every case nothing is written. Balances are checked on the net
    result: a caller posting history at its own times checks each balance over time itself,
    holding the wallets' locks (`ledger.locks.wallets_lock`) from that check on.

    `postings` may be a generator: it is read a chunk at a time."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Ignore no trigger, explicitly, until the end of the whole database transaction (the
            # deferred triggers run at its commit). pgtrigger's triggers read this setting first
            # and, when it is unset, catch the error in an EXCEPTION block: a subtransaction per
            # row, which made the commit of 100,000 rows (a million deferred trigger calls) 8x
            # slower. Every ledger trigger still runs.
            cursor.execute("SET LOCAL pgtrigger.ignore = '{}'")
    deltas: dict[int, int] = defaultdict(int)
    ids: list[int] = []
    for chunk in _chunks(postings):
        ids.extend(_chunk_write(chunk, deltas))
    # Only owned accounts keep a cached balance; system accounts are never locked (every
    # posting's entries reference them).
    owned = Account.objects.filter(pk__in=list(deltas), balance__isnull=False).values_list(
        "pk", flat=True
    )
    locked = accounts_lock(owned)
    balances_check(locked=locked, deltas=deltas)
    balances_move(deltas={account_id: deltas[account_id] for account_id in locked})
    return ids
