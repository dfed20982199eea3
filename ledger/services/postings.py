"""Posting balanced transactions: the one place that changes a cached balance."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from core.errors import ConflictError
from core.validators import is_whole_number
from people.models import User

from ..errors import (
    AlreadyReversedError,
    BudgetExceededError,
    InsufficientPointsError,
    NotReversibleError,
)
from ..locks import accounts_lock
from ..models import Account, AccountKind, Entry, Transaction, TransactionKind


@dataclass(frozen=True)
class Leg:
    account: Account
    amount: int


class DuplicateTransactionError(ConflictError):
    code = "duplicate_transaction"


def _validate_legs(legs: Sequence[Leg]) -> dict[int, int]:
    if len(legs) < 2:
        raise ValueError("a transaction needs at least two entries")
    per_account: dict[int, int] = defaultdict(int)
    for leg in legs:
        if not is_whole_number(leg.amount) or leg.amount == 0:
            raise ValueError(f"entry amount must be a non-zero integer, got {leg.amount!r}")
        per_account[leg.account.pk] += leg.amount
    if sum(leg.amount for leg in legs) != 0:
        raise ValueError("entries of a transaction must sum to zero")
    return per_account


@transaction.atomic
def transaction_post(
    *,
    kind: str,
    legs: Sequence[Leg],
    actor: User | None,
    memo: str = "",
    idempotency_key: str | None = None,
    reverses: Transaction | None = None,
    created_at: datetime | None = None,
) -> Transaction:
    """Post a balanced transaction; refuses (and writes nothing) if an owned balance would go negative."""
    per_account = _validate_legs(legs)
    owned = {
        leg.account.pk
        for leg in legs
        if leg.account.kind in (AccountKind.WALLET, AccountKind.BUDGET)
    }
    locked = accounts_lock(owned)
    for account_id in sorted(owned):
        account = locked[account_id]
        assert account.balance is not None
        delta = per_account[account_id]
        # Held points are not spendable: a debit may take only what is available.
        if delta < 0 and account.balance - account.held + delta < 0:
            _refuse(account, delta)

    try:
        with transaction.atomic():
            txn = Transaction.objects.create(
                kind=kind,
                memo=memo[:500],
                actor=actor,
                idempotency_key=idempotency_key or f"auto:{uuid.uuid4()}",
                reverses=reverses,
                created_at=created_at or timezone.now(),
            )
    except IntegrityError as exc:
        if reverses is not None and Transaction.objects.filter(reverses=reverses).exists():
            raise AlreadyReversedError() from exc
        raise DuplicateTransactionError(
            "A transaction with this idempotency key was already posted."
        ) from exc
    Entry.objects.bulk_create(
        Entry(transaction=txn, account=leg.account, amount=leg.amount) for leg in legs
    )
    try:
        # A savepoint, so that the CHECK (balance - held >= 0), the backstop to the check above,
        # surfaces as the same refusal instead of a broken transaction.
        with transaction.atomic():
            for account_id in sorted(owned):
                Account.objects.filter(pk=account_id).update(
                    balance=F("balance") + per_account[account_id]
                )
    except IntegrityError as exc:  # pragma: no cover - unreachable under the account locks
        account_id = min(a for a in owned if per_account[a] < 0)
        _refuse(Account.objects.get(pk=account_id), per_account[account_id], cause=exc)
    return txn


def _refuse(account: Account, delta: int, cause: Exception | None = None) -> None:
    balance = int(account.balance or 0)
    error = BudgetExceededError if account.kind == AccountKind.BUDGET else InsufficientPointsError
    extra = {"balance": balance, "required": -delta}
    if account.held:  # only then does available differ from the balance
        extra |= {"held": int(account.held), "available": balance - int(account.held)}
    raise error(extra=extra) from cause


@transaction.atomic
def transaction_reverse(
    *, original: Transaction, actor: User, reason: str, created_at: datetime | None = None
) -> Transaction:
    """Undo `original` by posting its entries negated; a transaction is reversed at most once.
    `created_at` backdates it (demo history only)."""
    if original.kind == TransactionKind.REVERSAL:
        raise NotReversibleError("A reversal cannot itself be reversed; post a new transaction.")
    legs = [
        Leg(entry.account, -entry.amount) for entry in original.entries.select_related("account")
    ]
    # Lock first, then look: two HR users reversing at once queue here, and the second one
    # sees the first's reversal instead of a misleading balance refusal.
    accounts_lock(leg.account.pk for leg in legs if leg.account.balance is not None)
    if Transaction.objects.filter(reverses=original).exists():
        raise AlreadyReversedError()
    return transaction_post(
        kind=TransactionKind.REVERSAL,
        legs=legs,
        actor=actor,
        memo=reason,
        idempotency_key=f"reversal:{original.pk}",
        reverses=original,
        created_at=created_at,
    )
