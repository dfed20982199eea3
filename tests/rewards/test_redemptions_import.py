"""Past redemptions recorded in bulk against debits the ledger posted in bulk."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError

from ledger.models import AccountKind, TransactionKind
from ledger.selectors import ledger_verify
from ledger.services import (
    BulkLeg,
    BulkPosting,
    account_system,
    transactions_post_bulk,
    wallets_ensure,
)
from rewards.models import Redemption, RedemptionState
from rewards.services import ImportedRedemption, redemptions_import
from rewards.services import history as history_module
from tests.rewards.factories import RewardFactory

pytestmark = pytest.mark.django_db

AT = datetime(2023, 5, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def debits(crew) -> list[tuple[int, int, datetime]]:
    """Five past purchases by the first agent, posted: (employee id, debit id, time)."""
    agent = crew.agents[0]
    wallet = wallets_ensure(owner_ids=[agent.pk])[agent.pk].pk
    legacy = account_system(AccountKind.LEGACY_ISSUANCE).pk
    sink = account_system(AccountKind.REDEMPTIONS).pk
    times = [AT + timedelta(days=n) for n in range(5)]
    postings = [
        BulkPosting(
            kind=TransactionKind.AWARD,
            legs=(BulkLeg(wallet, 500), BulkLeg(legacy, -500)),
            created_at=AT - timedelta(days=1),
            idempotency_key="funds",
        ),
        *(
            BulkPosting(
                kind=TransactionKind.REDEMPTION,
                legs=(BulkLeg(wallet, -40), BulkLeg(sink, 40)),
                created_at=at,
                idempotency_key=f"bought-{n}",
                actor_id=agent.pk,
            )
            for n, at in enumerate(times)
        ),
    ]
    ids = transactions_post_bulk(postings=postings)
    return [(agent.pk, txn, at) for txn, at in zip(ids[1:], times, strict=True)]


def test_redemptions_are_recorded_fulfilled_in_order_without_moving_the_market(debits, monkeypatch):
    # given
    reward = RewardFactory(stock=3, current_price=70)
    monkeypatch.setattr(history_module, "CHUNK", 2)  # three chunks
    # when
    count = redemptions_import(
        redemptions=(
            ImportedRedemption(
                employee_id=employee,
                reward_id=reward.pk,
                price_paid=40,
                debit_id=txn,
                created_at=at,
            )
            for employee, txn, at in debits
        )
    )
    # then
    assert count == 5
    rows = list(Redemption.objects.order_by("pk"))
    assert [(r.employee_id, r.reward_id, r.price_paid, r.debit_id, r.created_at) for r in rows] == [
        (employee, reward.pk, 40, txn, at) for employee, txn, at in debits
    ]
    assert all(r.state == RedemptionState.FULFILLED for r in rows)
    assert all(r.updated_at == r.created_at for r in rows)
    # settled_at empty: the old system's history does not count as today's demand
    assert all(r.settled_at is None and r.refund_id is None and r.reason == "" for r in rows)
    reward.refresh_from_db()
    assert (reward.stock, reward.current_price) == (3, 70)
    assert ledger_verify() == []


def test_a_debit_used_twice_is_refused_and_nothing_is_written(debits, monkeypatch):
    reward = RewardFactory()
    (employee, txn, at), *_ = debits
    monkeypatch.setattr(history_module, "CHUNK", 1)  # the first one is written before the second
    with pytest.raises(IntegrityError):
        redemptions_import(
            redemptions=[
                ImportedRedemption(
                    employee_id=employee,
                    reward_id=reward.pk,
                    price_paid=40,
                    debit_id=txn,
                    created_at=at,
                ),
                ImportedRedemption(
                    employee_id=employee,
                    reward_id=reward.pk,
                    price_paid=40,
                    debit_id=txn,
                    created_at=at,
                ),
            ]
        )
    assert not Redemption.objects.exists()


def test_nothing_to_record_writes_nothing(crew):
    assert redemptions_import(redemptions=[]) == 0
    assert not Redemption.objects.exists()
