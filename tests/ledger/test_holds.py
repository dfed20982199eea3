"""Holds: reserve, post (in full or for less) or void exactly once; held points cannot be spent."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from ledger.errors import InsufficientPointsError
from ledger.models import Account, AccountKind, Hold, HoldState, Transaction, TransactionKind
from ledger.selectors import ledger_verify, wallet_summary
from ledger.services import (
    HoldClosedError,
    Leg,
    account_system,
    hold_create,
    hold_post,
    hold_void,
    holds_void,
    transaction_post,
    wallet_for,
)
from tests.people.factories import AgentFactory
from tests.rewards.conftest import fund_wallets

pytestmark = pytest.mark.django_db


@pytest.fixture
def funded(reason):
    agent = AgentFactory.create()
    fund_wallets(reason=reason, agents=[agent], points=100)
    return agent


def sink() -> Account:
    return account_system(AccountKind.REDEMPTIONS)


def test_hold_reserves_available_points(funded):
    # when
    hold = hold_create(account=wallet_for(funded), amount=30, memo="bid")

    # then
    assert hold.state == HoldState.PENDING
    summary = wallet_summary(user=funded)
    assert (summary.balance, summary.held, summary.available) == (100, 30, 70)
    assert ledger_verify() == []


def test_hold_beyond_available_is_refused_and_writes_nothing(funded):
    hold_create(account=wallet_for(funded), amount=80)

    with pytest.raises(InsufficientPointsError) as caught:
        hold_create(account=wallet_for(funded), amount=21)

    assert caught.value.extra == {"balance": 100, "held": 80, "available": 20, "required": 21}
    assert Hold.objects.count() == 1
    assert wallet_summary(user=funded).held == 80


def test_held_points_cannot_be_spent(funded):
    hold_create(account=wallet_for(funded), amount=80)
    before = Transaction.objects.count()

    with pytest.raises(InsufficientPointsError) as caught:
        transaction_post(
            kind=TransactionKind.REDEMPTION,
            legs=[Leg(wallet_for(funded), -21), Leg(sink(), 21)],
            actor=funded,
        )

    assert caught.value.extra["available"] == 20
    assert Transaction.objects.count() == before
    # but what is available can be spent
    transaction_post(
        kind=TransactionKind.REDEMPTION,
        legs=[Leg(wallet_for(funded), -20), Leg(sink(), 20)],
        actor=funded,
    )
    assert wallet_summary(user=funded).available == 0
    assert ledger_verify() == []


def test_post_for_less_spends_that_and_releases_the_rest(funded):
    hold = hold_create(account=wallet_for(funded), amount=60)

    posted = hold_post(
        hold=hold, amount=45, credit=sink(), kind=TransactionKind.REDEMPTION, actor=funded
    )

    assert posted.state == HoldState.POSTED
    assert posted.posted_amount == 45
    assert posted.posting is not None
    assert sorted(posted.posting.entries.values_list("amount", flat=True)) == [-45, 45]
    summary = wallet_summary(user=funded)
    assert (summary.balance, summary.held, summary.available) == (55, 0, 55)
    assert ledger_verify() == []


def test_post_in_full(funded):
    hold = hold_create(account=wallet_for(funded), amount=100)
    hold_post(hold=hold, amount=100, credit=sink(), kind=TransactionKind.REDEMPTION, actor=None)
    assert wallet_summary(user=funded) == wallet_summary(user=funded).__class__(0, 0)


def test_void_releases_everything(funded):
    hold = hold_create(account=wallet_for(funded), amount=100)
    hold_void(hold=hold)
    hold.refresh_from_db()
    assert hold.state == HoldState.VOIDED
    assert wallet_summary(user=funded).available == 100
    assert ledger_verify() == []


@pytest.mark.parametrize("first", ["post", "void"])
@pytest.mark.parametrize("second", ["post", "void"])
def test_a_hold_closes_exactly_once(funded, first, second):
    hold = hold_create(account=wallet_for(funded), amount=50)

    def close(how: str) -> None:
        if how == "post":
            hold_post(
                hold=hold, amount=50, credit=sink(), kind=TransactionKind.REDEMPTION, actor=None
            )
        else:
            hold_void(hold=hold)

    close(first)
    transactions = Transaction.objects.count()
    with pytest.raises(HoldClosedError):
        close(second)

    assert Transaction.objects.count() == transactions
    assert wallet_summary(user=funded).held == 0
    assert wallet_summary(user=funded).balance == (50 if first == "post" else 100)
    assert ledger_verify() == []


def test_post_more_than_held_is_a_programming_error(funded):
    hold = hold_create(account=wallet_for(funded), amount=10)
    with pytest.raises(ValueError):
        hold_post(hold=hold, amount=11, credit=sink(), kind=TransactionKind.REDEMPTION, actor=None)
    assert Hold.objects.get().state == HoldState.PENDING


@pytest.mark.usefixtures("postgres")
def test_database_refuses_held_beyond_balance(funded):
    wallet = wallet_for(funded)
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(pk=wallet.pk).update(held=101)
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(pk=wallet.pk).update(held=-1)


@pytest.mark.usefixtures("postgres")
def test_database_refuses_a_posted_hold_without_posting(funded):
    hold = hold_create(account=wallet_for(funded), amount=10)
    with pytest.raises(IntegrityError), transaction.atomic():
        Hold.objects.filter(pk=hold.pk).update(state=HoldState.POSTED, posted_amount=10)


def test_ledger_verify_reports_held_that_does_not_match_holds(funded):
    hold_create(account=wallet_for(funded), amount=10)
    Account.objects.filter(pk=wallet_for(funded).pk).update(held=20)
    problems = ledger_verify()
    assert any("pending holds sum to 10" in problem for problem in problems)


def test_holds_void_releases_many_at_once_and_refuses_a_closed_one(reason):
    agents = [AgentFactory.create() for _ in range(3)]
    fund_wallets(reason=reason, agents=agents, points=100)
    holds = [hold_create(account=wallet_for(a), amount=10 + i) for i, a in enumerate(agents)]
    extra = hold_create(account=wallet_for(agents[0]), amount=5)

    assert holds_void(holds=holds) == 3

    assert [wallet_summary(user=a).held for a in agents] == [5, 0, 0]
    with pytest.raises(HoldClosedError):
        holds_void(holds=[holds[0], extra])
    assert Hold.objects.get(pk=extra.pk).state == HoldState.PENDING  # all or nothing
    assert ledger_verify() == []
