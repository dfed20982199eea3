"""Holds under real concurrency (PostgreSQL, threads with their own connections)."""

from __future__ import annotations

from collections import Counter

import pytest

from core.errors import ApplicationError
from ledger.models import AccountKind, Hold, HoldState, Transaction, TransactionKind
from ledger.selectors import ledger_verify, wallet_summary
from ledger.services import (
    Leg,
    account_system,
    hold_create,
    hold_post,
    hold_void,
    transaction_post,
    wallet_for,
)
from tests.people.factories import AgentFactory
from tests.rewards.conftest import fund_wallets
from tests.threads import run_in_threads

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("postgres")]


def test_20_parallel_holds_and_spends_covering_one(reason):
    # given: 60 points; every attempt wants 50
    agent = AgentFactory.create()
    fund_wallets(reason=reason, agents=[agent], points=60)
    seen: list[int] = []

    def attempt(i: int) -> str:
        try:
            if i % 2:
                hold_create(account=wallet_for(agent), amount=50)
            else:
                transaction_post(
                    kind=TransactionKind.REDEMPTION,
                    legs=[
                        Leg(wallet_for(agent), -50),
                        Leg(account_system(AccountKind.REDEMPTIONS), 50),
                    ],
                    actor=agent,
                )
        except ApplicationError as exc:
            return exc.code
        finally:
            seen.append(wallet_summary(user=agent).available)
        return "ok"

    results = Counter(run_in_threads(20, attempt))

    assert results == {"ok": 1, "insufficient_points": 19}
    assert min(seen) >= 0
    summary = wallet_summary(user=agent)
    assert summary.available == 10
    assert ledger_verify() == []


@pytest.mark.parametrize("mix", ["post", "void", "both"])
def test_parallel_closers_close_a_hold_once(reason, mix):
    agent = AgentFactory.create()
    fund_wallets(reason=reason, agents=[agent], points=100)
    hold = hold_create(account=wallet_for(agent), amount=70)
    posts_before = Transaction.objects.filter(kind=TransactionKind.REDEMPTION).count()

    def close(i: int) -> str:
        how = mix if mix != "both" else ("post" if i % 2 else "void")
        try:
            if how == "post":
                hold_post(
                    hold=hold,
                    amount=40,
                    credit=account_system(AccountKind.REDEMPTIONS),
                    kind=TransactionKind.REDEMPTION,
                    actor=None,
                )
            else:
                hold_void(hold=hold)
        except ApplicationError as exc:
            return exc.code
        return how

    results = Counter(run_in_threads(10, close))

    assert results["hold_closed"] == 9
    hold.refresh_from_db()
    assert hold.state in (HoldState.POSTED, HoldState.VOIDED)
    posts = Transaction.objects.filter(kind=TransactionKind.REDEMPTION).count() - posts_before
    assert posts == (1 if hold.state == HoldState.POSTED else 0)
    summary = wallet_summary(user=agent)
    assert summary.held == 0
    assert summary.balance == (60 if hold.state == HoldState.POSTED else 100)
    assert Hold.objects.filter(state=HoldState.PENDING).count() == 0
    assert ledger_verify() == []
