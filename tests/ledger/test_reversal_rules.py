"""The generic reversal refuses what belongs to a redemption, a hold or a drawing.

Found in review: reversing a redemption's debit refunded the points but left the redemption
fulfilled, no refund recorded and the stock unchanged. Those go through reject/cancel."""

from __future__ import annotations

import pytest

from ledger.errors import ReversalNotAllowedError
from ledger.models import AccountKind, Transaction, TransactionKind
from ledger.selectors import balance_of, ledger_verify
from ledger.services import account_system, hold_create, hold_post, transaction_reverse, wallet_for
from people.models import User
from rewards import services as rewards_services
from rewards.drawings import bid_place, drawing_close
from rewards.models import Redemption, RedemptionState
from tests.api_support import assert_error, db_state, isolate_throttle_cache
from tests.people.factories import AgentFactory, HRFactory
from tests.rewards.conftest import fund_wallets
from tests.rewards.drawing_support import make_drawing, make_due
from tests.rewards.factories import RewardFactory

pytestmark = pytest.mark.django_db


def reverse_url(txn: Transaction) -> str:
    return f"/api/v1/ledger/transactions/{txn.pk}/reverse/"


@pytest.fixture(autouse=True)
def _own_throttle_cache(monkeypatch):
    isolate_throttle_cache(monkeypatch)


@pytest.fixture
def agent(reason):
    person: User = AgentFactory()  # type: ignore[assignment]
    fund_wallets(reason=reason, agents=[person], points=300)
    return person


def refused_both_ways(api, txn: Transaction, hr) -> None:
    """The service and the API refuse `txn` with reversal_not_allowed and write nothing."""
    before = db_state()
    with pytest.raises(ReversalNotAllowedError) as caught:
        transaction_reverse(original=txn, actor=hr, reason="mistake")
    assert caught.value.code == "reversal_not_allowed"
    assert db_state() == before
    response = api(hr).post(
        reverse_url(txn), {"reason": "mistake"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    body = assert_error(response, 409, "reversal_not_allowed")
    assert "redemption" in body["detail"]
    assert db_state() == before
    assert not Transaction.objects.filter(reverses=txn).exists()


def test_a_redemption_debit_is_not_reversed(api, agent):
    reward = RewardFactory(stock=3, base_price=100)
    redemption = rewards_services.redemption_create(
        employee=agent, quote=rewards_services.quote_create(employee=agent, reward=reward)
    )
    hr = HRFactory()
    rewards_services.redemption_fulfil(approver=hr, redemption=redemption)
    refused_both_ways(api, redemption.debit, hr)
    redemption.refresh_from_db()
    reward.refresh_from_db()
    assert (redemption.state, redemption.refund_id, reward.stock) == (
        RedemptionState.FULFILLED,
        None,
        2,
    )
    assert balance_of(user=agent) == 200


def test_a_hold_posting_is_not_reversed(api, agent):
    hold = hold_create(account=wallet_for(agent), amount=50, memo="a bid")
    hold = hold_post(
        hold=hold,
        amount=40,
        credit=account_system(AccountKind.REDEMPTIONS),
        kind=TransactionKind.AWARD,  # whatever its kind, a hold's posting is settled by its owner
        actor=None,
    )
    assert hold.posting is not None
    refused_both_ways(api, hold.posting, HRFactory())


def test_a_drawing_settlement_is_not_reversed(api, reason):
    winner: User = AgentFactory()  # type: ignore[assignment]
    loser: User = AgentFactory()  # type: ignore[assignment]
    fund_wallets(reason=reason, agents=[winner, loser], points=300)
    drawing = make_drawing(stock=1, price=50)
    bid_place(drawing=drawing, employee=winner, amount=120)
    bid_place(drawing=drawing, employee=loser, amount=90)
    make_due(drawing)
    drawing_close(drawing=drawing)
    redemption = Redemption.objects.get(employee=winner)
    refused_both_ways(api, redemption.debit, HRFactory())
    assert balance_of(user=winner) == 300 - 90


def test_a_refund_is_not_reversed_but_the_reject_still_refunds(api, agent):
    reward = RewardFactory(stock=1, base_price=100, needs_approval=True)
    redemption = rewards_services.redemption_create(
        employee=agent, quote=rewards_services.quote_create(employee=agent, reward=reward)
    )
    hr = HRFactory()
    rejected = rewards_services.redemption_reject(approver=hr, redemption=redemption, reason="no")
    assert rejected.refund is not None
    assert balance_of(user=agent) == 300
    reward.refresh_from_db()
    assert reward.stock == 1
    # the refund is a reversal: not reversible in turn
    before = db_state()
    response = api(hr).post(reverse_url(rejected.refund), {"reason": "undo"}, format="json")
    assert_error(response, 409, "not_reversible")
    assert db_state() == before
    assert ledger_verify() == []


def test_an_award_reversal_still_works(api, agent, reason):
    award = agent.awards_received.get()
    response = api(HRFactory()).post(
        reverse_url(award.transaction), {"reason": "wrong person"}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert balance_of(user=agent) == 0
    assert ledger_verify() == []
