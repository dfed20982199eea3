"""Accounts are created on first use; the unique constraints make that race-safe."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from people.models import User

from ..models import Account, AccountKind


def _get_or_create(*, kind: str, owner: User | None) -> Account:
    try:
        return Account.objects.get(kind=kind, owner=owner)
    except Account.DoesNotExist:
        pass
    balance = 0 if owner is not None else None
    try:
        with transaction.atomic():
            return Account.objects.create(kind=kind, owner=owner, balance=balance)
    except IntegrityError:
        # Someone else created it between our read and our insert.
        return Account.objects.get(kind=kind, owner=owner)


def wallet_for(user: User) -> Account:
    """The employee's wallet."""
    return _get_or_create(kind=AccountKind.WALLET, owner=user)


def budget_account_for(user: User) -> Account:
    """The supervisor's award budget."""
    return _get_or_create(kind=AccountKind.BUDGET, owner=user)


def account_system(kind: str) -> Account:
    """One of the system accounts (issuance, redemptions sink, lapsed budget)."""
    return _get_or_create(kind=kind, owner=None)
