"""Holds (two-phase spending): reserve points now, post them (in full or for less) or void them
later, exactly once.

Lock order (see `ledger/locks.py`): the accounts by primary key first, then the hold row. A hold
is closed by a conditional UPDATE on its state, so a second post or void finds nothing to close.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from core.errors import ConflictError
from core.validators import is_whole_number
from people.models import User

from ..errors import InsufficientPointsError
from ..locks import accounts_lock, hold_lock
from ..models import Account, AccountKind, Hold, HoldState, Transaction
from .postings import Leg, transaction_post


class HoldClosedError(ConflictError):
    code = "hold_closed"
    default_message = "This hold has already been posted or voided."


def _check_amount(amount: int) -> None:
    if not is_whole_number(amount, low=1):
        raise ValueError(f"a hold amount must be a positive integer, got {amount!r}")


@transaction.atomic
def hold_create(
    *,
    account: Account,
    amount: int,
    memo: str = "",
    idempotency_key: str | None = None,
    created_at: datetime | None = None,
) -> Hold:
    """Reserve `amount` of the account's available points; refuses with `insufficient_points`."""
    _check_amount(amount)
    if account.kind not in (AccountKind.WALLET, AccountKind.BUDGET):
        raise ValueError("only wallets and budgets can hold points")
    locked = accounts_lock([account.pk])[account.pk]
    # Conditional UPDATE: the database, not Python, has the last word on what is available.
    reserved = Account.objects.filter(pk=account.pk, balance__gte=F("held") + amount).update(
        held=F("held") + amount
    )
    if not reserved:
        balance = int(locked.balance or 0)
        raise InsufficientPointsError(
            extra={
                "balance": balance,
                "held": int(locked.held),
                "available": balance - int(locked.held),
                "required": amount,
            }
        )
    return Hold.objects.create(
        account=locked,
        amount=amount,
        memo=memo[:500],
        idempotency_key=idempotency_key or f"auto:{uuid.uuid4()}",
        created_at=created_at or timezone.now(),
    )


def _mark_closed(
    *, hold: Hold, state: str, posting: Transaction | None, posted: int | None
) -> Hold:
    """Close a pending hold (conditional UPDATE: exactly once); the caller holds its locks."""
    now = timezone.now()
    closed = Hold.objects.filter(pk=hold.pk, state=HoldState.PENDING).update(
        state=state, posting=posting, posted_amount=posted, closed_at=now
    )
    if not closed:  # pragma: no cover - the row lock and state check come first
        raise HoldClosedError(extra={"hold": hold.pk})
    hold.state, hold.posting, hold.posted_amount, hold.closed_at = state, posting, posted, now
    return hold


@transaction.atomic
def hold_void(*, hold: Hold) -> Hold:
    """Release the held points; refuses with `hold_closed` if it was posted or voided already."""
    accounts_lock([hold.account_id])
    locked = hold_lock(hold_id=hold.pk)
    if locked.state != HoldState.PENDING:
        raise HoldClosedError(extra={"hold": hold.pk, "state": locked.state})
    Account.objects.filter(pk=locked.account_id).update(held=F("held") - locked.amount)
    return _mark_closed(hold=locked, state=HoldState.VOIDED, posting=None, posted=None)


@transaction.atomic
def hold_post(
    *,
    hold: Hold,
    amount: int,
    credit: Account,
    kind: str,
    actor: User | None,
    memo: str = "",
    idempotency_key: str | None = None,
    created_at: datetime | None = None,
) -> Hold:
    """Spend `amount` (at most the hold) from the held account into `credit` in one transaction,
    and release the whole hold; refuses with `hold_closed` if it was closed already."""
    _check_amount(amount)
    owned = [hold.account_id]
    if credit.kind in (AccountKind.WALLET, AccountKind.BUDGET):
        owned.append(credit.pk)
    accounts_lock(owned)
    locked = hold_lock(hold_id=hold.pk)
    if locked.state != HoldState.PENDING:
        raise HoldClosedError(extra={"hold": hold.pk, "state": locked.state})
    if amount > locked.amount:
        raise ValueError(f"cannot post {amount} from a hold of {locked.amount}")
    # Release first: the posting then spends points that are available again, under the same
    # account locks, so nobody else can take them in between.
    Account.objects.filter(pk=locked.account_id).update(held=F("held") - locked.amount)
    txn = transaction_post(
        kind=kind,
        legs=[Leg(locked.account, -amount), Leg(credit, amount)],
        actor=actor,
        memo=memo or locked.memo,
        idempotency_key=idempotency_key or f"hold:{locked.pk}",
        created_at=created_at,
    )
    return _mark_closed(hold=locked, state=HoldState.POSTED, posting=txn, posted=amount)


@transaction.atomic
def holds_void(*, holds: Sequence[Hold]) -> int:
    """Void many pending holds at once (a drawing's losers): a few statements whatever their
    number; all or nothing, refusing with `hold_closed` if any was closed already."""
    if not holds:
        return 0
    accounts_lock(hold.account_id for hold in holds)
    ids = sorted({hold.pk for hold in holds})
    locked = list(
        Hold.objects.select_for_update().filter(pk__in=ids, state=HoldState.PENDING).order_by("pk")
    )
    if len(locked) != len(ids):
        raise HoldClosedError(extra={"holds": sorted(set(ids) - {h.pk for h in locked})})
    release: dict[int, int] = defaultdict(int)
    for hold in locked:
        release[hold.account_id] += hold.amount
    Hold.objects.filter(pk__in=ids).update(state=HoldState.VOIDED, closed_at=timezone.now())
    Account.objects.filter(pk__in=release).update(
        held=F("held") - Case(*(When(pk=pk, then=Value(amount)) for pk, amount in release.items()))
    )
    return len(locked)
