"""Bulk posting (history loads): the invariants of a single posting, for many at once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, connection, connections, transaction

from ledger.errors import InsufficientPointsError
from ledger.models import Account, AccountKind, Award, Entry, Transaction, TransactionKind
from ledger.selectors import ledger_verify
from ledger.services import (
    BulkAward,
    BulkLeg,
    BulkPosting,
    Leg,
    account_system,
    hold_create,
    transaction_post,
    transactions_post_bulk,
    wallet_for,
    wallets_ensure,
)
from ledger.services import bulk as bulk_module
from ledger.services.postings import DuplicateTransactionError
from tests.api_support import db_state
from tests.ledger.factories import AwardReasonFactory

AT = datetime(2024, 3, 4, 8, 0, tzinfo=UTC)


def _award(
    wallet: int,
    source: int,
    points: int,
    *,
    key: str,
    giver: int,
    recipient: int,
    reason: int,
    minutes: int = 0,
) -> BulkPosting:
    return BulkPosting(
        kind=TransactionKind.AWARD,
        legs=(BulkLeg(wallet, points), BulkLeg(source, -points)),
        created_at=AT + timedelta(minutes=minutes),
        idempotency_key=key,
        actor_id=giver,
        memo=f"award {key}",
        award=BulkAward(giver, recipient, reason, points, f"thanks {key}"),
    )


def _spend(wallet: int, sink: int, points: int, *, key: str, minutes: int = 0) -> BulkPosting:
    return BulkPosting(
        kind=TransactionKind.REDEMPTION,
        legs=(BulkLeg(wallet, -points), BulkLeg(sink, points)),
        created_at=AT + timedelta(minutes=minutes),
        idempotency_key=key,
    )


@pytest.fixture
def ledger(crew):
    """The crew's wallets (created in bulk), the legacy issuance and sink accounts, a reason."""
    wallets = wallets_ensure(owner_ids=[agent.pk for agent in crew.agents])
    return {
        "wallets": [wallets[agent.pk].pk for agent in crew.agents],
        "legacy": account_system(AccountKind.LEGACY_ISSUANCE).pk,
        "sink": account_system(AccountKind.REDEMPTIONS).pk,
        "reason": AwardReasonFactory(code="legacy-test").pk,
    }


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("postgres")
def test_bulk_posting_writes_balanced_transactions_awards_and_balances(crew, ledger, monkeypatch):
    # given: awards and purchases across three wallets, more than one chunk of them
    giver = crew.supervisor.pk
    postings = []
    for n in range(12):
        k = n % 3
        postings.append(
            _award(
                ledger["wallets"][k],
                ledger["legacy"],
                10 + n,
                key=f"a{n}",
                giver=giver,
                recipient=crew.agents[k].pk,
                reason=ledger["reason"],
                minutes=2 * n,
            )
        )
        if n % 4 == 3:
            postings.append(
                _spend(ledger["wallets"][k], ledger["sink"], 5, key=f"s{n}", minutes=2 * n + 1)
            )
    monkeypatch.setattr(bulk_module, "CHUNK", 5)
    # when (committed: the deferred zero-sum triggers run)
    with transaction.atomic():
        ids = transactions_post_bulk(postings=iter(postings))

    # then: one transaction per posting, in order, at its own time, with its own key
    assert len(ids) == len(postings) == len(set(ids))
    txns = Transaction.objects.in_bulk(ids)
    for txn_id, posting in zip(ids, postings, strict=True):
        txn = txns[txn_id]
        assert (txn.kind, txn.idempotency_key, txn.created_at, txn.actor_id, txn.memo) == (
            posting.kind,
            posting.idempotency_key,
            posting.created_at,
            posting.actor_id,
            posting.memo,
        )
        legs = sorted(Entry.objects.filter(transaction=txn).values_list("account_id", "amount"))
        assert legs == sorted(posting.legs)
    # awards record who gave what to whom, on the award's transaction
    awards = Award.objects.order_by("created_at")
    assert [
        (a.transaction_id, a.giver_id, a.recipient_id, a.points, a.message) for a in awards
    ] == [
        (i, p.award.giver_id, p.award.recipient_id, p.award.points, p.award.message)
        for i, p in zip(ids, postings, strict=True)
        if p.award is not None
    ]
    # cached balances equal the entries, and the ledger verifies clean
    for k, wallet in enumerate(ledger["wallets"]):
        expected = sum(10 + n for n in range(12) if n % 3 == k) - 5 * sum(
            1 for n in range(12) if n % 3 == k and n % 4 == 3
        )
        assert Account.objects.get(pk=wallet).balance == expected
    assert ledger_verify() == []


@pytest.mark.django_db
def test_legs_that_do_not_sum_to_zero_are_refused_and_nothing_is_written(crew, ledger, monkeypatch):
    wallet, legacy = ledger["wallets"][0], ledger["legacy"]
    good = [_spend(legacy, wallet, 10, key=f"ok{n}") for n in range(4)]  # credits the wallet
    bad = BulkPosting(
        kind=TransactionKind.AWARD,
        legs=(BulkLeg(wallet, 10), BulkLeg(legacy, -9)),
        created_at=AT,
        idempotency_key="unbalanced",
    )
    monkeypatch.setattr(bulk_module, "CHUNK", 2)  # the first chunks are written before the bad one
    before = db_state()
    with pytest.raises(ValueError, match="sum to zero"):
        transactions_post_bulk(postings=[*good, bad])
    assert db_state() == before
    assert not Transaction.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "legs",
    [
        pytest.param(lambda w, s: (BulkLeg(w, 0), BulkLeg(s, 0)), id="zero amounts"),
        pytest.param(lambda w, s: (BulkLeg(w, 10),), id="one leg"),
        pytest.param(lambda w, s: (BulkLeg(w, 1.5), BulkLeg(s, -1.5)), id="not whole"),
    ],
)
def test_malformed_legs_are_refused_and_nothing_is_written(crew, ledger, legs):
    posting = BulkPosting(
        kind=TransactionKind.AWARD,
        legs=legs(ledger["wallets"][0], ledger["legacy"]),
        created_at=AT,
        idempotency_key="bad",
    )
    before = db_state()
    with pytest.raises(ValueError):
        transactions_post_bulk(postings=[posting])
    assert db_state() == before


@pytest.mark.django_db
def test_a_key_posted_before_is_refused_and_nothing_is_written(crew, ledger):
    wallet, legacy = ledger["wallets"][0], ledger["legacy"]
    transactions_post_bulk(postings=[_spend(legacy, wallet, 10, key="once")])
    before = db_state()
    with pytest.raises(DuplicateTransactionError):
        transactions_post_bulk(
            postings=[_spend(legacy, wallet, 5, key="new"), _spend(legacy, wallet, 5, key="once")]
        )
    assert db_state() == before
    assert Account.objects.get(pk=wallet).balance == 10


@pytest.mark.django_db
def test_a_balance_that_would_end_below_what_is_held_is_refused_and_nothing_is_written(
    crew, ledger
):
    # given: 100 points, 70 of them held by a pending bid
    wallet, legacy, sink = ledger["wallets"][0], ledger["legacy"], ledger["sink"]
    transactions_post_bulk(postings=[_spend(legacy, wallet, 100, key="fund")])
    hold_create(account=Account.objects.get(pk=wallet), amount=70)
    before = db_state()
    # when: history spends 40 (only 30 are available)
    with pytest.raises(InsufficientPointsError) as info:
        transactions_post_bulk(postings=[_spend(wallet, sink, 40, key="spend")])
    # then
    assert info.value.extra == {"balance": 100, "required": 40, "held": 70, "available": 30}
    assert db_state() == before


@pytest.mark.django_db
def test_wallets_ensure_returns_existing_wallets_and_creates_missing_ones(crew):
    existing = wallet_for(crew.agents[0])
    wallets = wallets_ensure(owner_ids=[agent.pk for agent in crew.agents])
    assert set(wallets) == {agent.pk for agent in crew.agents}
    assert wallets[crew.agents[0].pk].pk == existing.pk
    assert all(w.kind == AccountKind.WALLET and w.balance == 0 for w in wallets.values())
    assert Account.objects.filter(kind=AccountKind.WALLET).count() == 3


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("postgres")
def test_the_ledger_triggers_still_run_after_a_bulk_posting(crew, ledger):
    """The bulk posting tells pgtrigger to ignore no trigger (its fast path), for the rest of the
    database transaction: an unbalanced transaction written after it is still refused at commit."""
    wallet, legacy = ledger["wallets"][0], ledger["legacy"]
    with pytest.raises(IntegrityError, match="does not sum to zero"), transaction.atomic():
        transactions_post_bulk(postings=[_spend(legacy, wallet, 10, key="fine")])
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('pgtrigger.ignore')")
            assert cursor.fetchone()[0] == "{}"
        txn = Transaction.objects.create(kind=TransactionKind.AWARD, idempotency_key="unbalanced")
        Entry.objects.bulk_create(
            [
                Entry(transaction=txn, account_id=legacy, amount=-10),
                Entry(transaction=txn, account_id=wallet, amount=11),
            ]
        )
    assert not Transaction.objects.exists()
    assert Account.objects.get(pk=wallet).balance == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("postgres")
def test_a_bulk_posting_in_progress_does_not_block_postings_to_other_wallets(crew, ledger):
    """Only the owned accounts it moves are locked, never the system accounts every posting
    references: a purchase by someone else commits while a long history load is still open."""
    loading, done = threading.Event(), threading.Event()
    release = threading.Event()
    other = wallet_for(crew.agents[1])
    issuance = account_system(AccountKind.ISSUANCE)
    transaction_post(
        kind=TransactionKind.AWARD, legs=[Leg(other, 50), Leg(issuance, -50)], actor=None
    )

    def load() -> None:
        try:
            with transaction.atomic():
                wallet = ledger["wallets"][0]
                transactions_post_bulk(
                    postings=[
                        _spend(ledger["legacy"], wallet, 30, key="old award"),
                        _spend(wallet, ledger["sink"], 10, key="old purchase", minutes=1),
                    ]
                )
                loading.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    thread = threading.Thread(target=load)
    thread.start()
    try:
        assert loading.wait(timeout=30)
        sink = Account.objects.get(pk=ledger["sink"])

        def spend() -> None:
            try:
                transaction_post(
                    kind=TransactionKind.REDEMPTION,
                    legs=[Leg(Account.objects.get(pk=other.pk), -30), Leg(sink, 30)],
                    actor=crew.agents[1],
                )
                done.set()
            finally:
                connections.close_all()

        spender = threading.Thread(target=spend)
        spender.start()
        spender.join(timeout=10)
        assert done.is_set(), "a purchase waited for the bulk posting's locks"
    finally:
        release.set()
        thread.join(timeout=30)
    assert Account.objects.get(pk=other.pk).balance == 20
    assert Account.objects.get(pk=ledger["wallets"][0]).balance == 20
    assert ledger_verify() == []
