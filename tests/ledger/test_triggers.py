"""The database itself refuses to break the ledger, whatever the code does."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, InternalError, connection, transaction

from ledger.models import Account, AccountKind, Entry, Transaction, TransactionKind
from ledger.selectors import ledger_verify
from ledger.services import account_system, award_create, wallet_for
from tests.conftest import fund_budget

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("postgres")]


@pytest.fixture
def posted(crew, reason) -> Transaction:
    fund_budget(crew.supervisor, 100)
    return award_create(
        giver=crew.supervisor, recipient=crew.agents[0], reason=reason, points=30
    ).transaction


def raw(sql: str, params: list[object]) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE ledger_entry SET amount = amount * 2 WHERE transaction_id = %s",
        "DELETE FROM ledger_entry WHERE transaction_id = %s",
        "UPDATE ledger_transaction SET memo = 'edited' WHERE id = %s",
        "DELETE FROM ledger_transaction WHERE id = %s",
    ],
)
def test_database_refuses_to_update_or_delete_ledger_rows(posted, sql):
    entries_before = list(Entry.objects.filter(transaction=posted).values_list("amount", flat=True))
    with pytest.raises(InternalError, match="Cannot"):
        raw(sql, [posted.pk])
    assert (
        list(Entry.objects.filter(transaction=posted).values_list("amount", flat=True))
        == entries_before
    )
    assert Transaction.objects.get(pk=posted.pk).memo == posted.memo


def test_code_refuses_to_update_or_delete_ledger_rows(posted):
    entry = Entry.objects.filter(transaction=posted).first()
    assert entry is not None
    entry.amount = 1
    with pytest.raises(TypeError, match="append-only"):
        entry.save()
    with pytest.raises(TypeError, match="append-only"):
        Entry.objects.filter(transaction=posted).update(amount=1)
    with pytest.raises(TypeError, match="append-only"):
        Transaction.objects.filter(pk=posted.pk).delete()


def test_database_refuses_an_unbalanced_transaction_at_commit(crew):
    wallet = wallet_for(crew.agents[0])
    issuance = account_system(AccountKind.ISSUANCE)
    with pytest.raises(IntegrityError, match="does not sum to zero"), transaction.atomic():
        txn = Transaction.objects.create(kind=TransactionKind.AWARD, idempotency_key="unbalanced")
        Entry.objects.bulk_create(
            [
                Entry(transaction=txn, account=issuance, amount=-10),
                Entry(transaction=txn, account=wallet, amount=11),
            ]
        )
    assert not Transaction.objects.filter(idempotency_key="unbalanced").exists()
    assert ledger_verify() == []


def test_database_refuses_a_transaction_with_fewer_than_two_entries(crew):
    with pytest.raises(IntegrityError, match="fewer than two entries"), transaction.atomic():
        Transaction.objects.create(kind=TransactionKind.AWARD, idempotency_key="lonely")
    assert not Transaction.objects.filter(idempotency_key="lonely").exists()


def test_database_refuses_a_negative_wallet_balance(crew):
    wallet = wallet_for(crew.agents[0])
    with pytest.raises(IntegrityError, match="account_owned_nonnegative"):
        raw("UPDATE ledger_account SET balance = -1 WHERE id = %s", [wallet.pk])
    assert Account.objects.get(pk=wallet.pk).balance == 0


def test_ledger_verify_reports_a_cached_balance_that_drifted(posted, crew):
    # A drifted cache can only be made by going around every service: prove the check sees it.
    wallet = wallet_for(crew.agents[0])
    raw("UPDATE ledger_account SET balance = balance + 5 WHERE id = %s", [wallet.pk])
    problems = ledger_verify()
    assert len(problems) == 1
    assert "cached balance 35 but entries sum to 30" in problems[0]
