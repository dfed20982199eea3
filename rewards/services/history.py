"""Redemptions from another system's history, recorded in bulk (COPY on PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any

from django.db import transaction

from core.bulk import rows_copy

from ..models import Redemption, RedemptionState

CHUNK = 5_000  # redemptions per COPY: bounded memory for a long history


@dataclass(slots=True)  # not frozen: a frozen __init__ is five times slower, paid per row
class ImportedRedemption:
    """A fulfilled redemption of the past; its debit is already posted to the ledger."""

    employee_id: int
    reward_id: int
    price_paid: int
    debit_id: int  # the ledger transaction that took the points from the employee's wallet
    created_at: datetime


_FIELDS = ["employee", "reward", "price_paid", "state", "debit", "reason", "created_at",
           "updated_at"]  # fmt: skip


@transaction.atomic
def redemptions_import(*, redemptions: Iterable[ImportedRedemption]) -> int:
    """Record past redemptions as fulfilled, in the order given; returns how many.

    Their debits are posted first (`ledger.services.transactions_post_bulk`): this moves no
    points and takes no stock. `redemptions` may be a generator: it is read a chunk at a time."""
    iterator = iter(redemptions)
    count = 0
    while chunk := list(islice(iterator, CHUNK)):
        fulfilled = str(RedemptionState.FULFILLED)
        # settled_at stays NULL on purpose: pricing counts demand by settled_at only, and an old
        # system's history must not move today's market prices.
        values: list[tuple[Any, ...]] = [
            (r.employee_id, r.reward_id, r.price_paid, fulfilled, r.debit_id, "", r.created_at, r.created_at)
            for r in chunk
        ]  # fmt: skip
        rows_copy(Redemption, _FIELDS, values)
        count += len(chunk)
    return count
