"""Row locks, always taken in one order so that no two transactions can deadlock.

The order for the whole project: domain rows first (e.g. a reward), then ledger accounts in
ascending primary key, then hold rows. Every function that changes a cached balance or `held`
locks through here. A hold's account is known without locking the hold (it never changes), so
posting or voiding a hold locks its account first and the hold row after it.
"""

from __future__ import annotations

from collections.abc import Iterable

from .models import Account, AccountKind, Hold


def accounts_lock(account_ids: Iterable[int]) -> dict[int, Account]:
    """Lock the given accounts (FOR UPDATE) in ascending primary key and return them by id."""
    ids = sorted(set(account_ids))
    if not ids:
        return {}
    # ORDER BY before FOR UPDATE: PostgreSQL locks rows as the sorted scan returns them.
    locked = Account.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    return {account.pk: account for account in locked}


def wallets_lock(*, owner_ids: Iterable[int]) -> dict[int, Account]:
    """Lock the existing wallets of these people (accounts by primary key); by owner id."""
    ids = Account.objects.filter(kind=AccountKind.WALLET, owner_id__in=set(owner_ids)).values_list(
        "pk", flat=True
    )
    return {account.owner_id: account for account in accounts_lock(ids).values()}  # type: ignore[misc]


def hold_lock(*, hold_id: int) -> Hold:
    """Lock one hold row (FOR UPDATE); take it after its account (`accounts_lock`)."""
    return Hold.objects.select_for_update(of=("self",)).select_related("account").get(pk=hold_id)
