"""Posting balanced transactions: the one place that changes a cached balance.

`balances_check` and `balances_move` serve a single posting here and a bulk posting
(`bulk.transactions_post_bulk`) alike."""

from __future__ import annotations

import functools
import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F, ForeignKey, Model
from django.utils import timezone

from audit.models import AuditAction
from audit.services import audit_record
from core import sql
from core.errors import ConflictError
from core.transactions import atomic
from core.validators import is_whole_number
from people.models import User

from ..errors import (
    AlreadyReversedError,
    BudgetExceededError,
    InsufficientPointsError,
    NotReversibleError,
    ReversalNotAllowedError,
)
from ..locks import accounts_lock
from ..models import Account, AccountKind, Entry, Hold, Transaction, TransactionKind

# Transactions that belong to a redemption or a refund: undone only by rejecting or cancelling
# the redemption (rewards), which puts the stock back and records the refund as well.
SETTLED_ELSEWHERE_KINDS = (TransactionKind.REDEMPTION, TransactionKind.REFUND)


@dataclass(frozen=True)
class Leg:
    account: Account
    amount: int


class DuplicateTransactionError(ConflictError):
    code = "duplicate_transaction"


def legs_total(legs: Sequence[tuple[int, int]], per_account: dict[int, int]) -> None:
    """Check one transaction's legs, as (account id, amount), and add them to `per_account`.

    Raises ValueError for fewer than two legs, an amount that is not a non-zero integer, or legs
    that do not sum to zero: a caller's bug, not a refusal."""
    if len(legs) < 2:
        raise ValueError("a transaction needs at least two entries")
    total = 0
    for account_id, amount in legs:
        if not is_whole_number(amount) or amount == 0:
            raise ValueError(f"entry amount must be a non-zero integer, got {amount!r}")
        per_account[account_id] += amount
        total += amount
    if total != 0:
        raise ValueError("entries of a transaction must sum to zero")


def balances_check(*, locked: Mapping[int, Account], deltas: Mapping[int, int]) -> None:
    """Refuse (write nothing) if a locked owned account would go below what it holds."""
    for account_id in sorted(locked):
        account = locked[account_id]
        assert account.balance is not None
        delta = deltas.get(account_id, 0)
        # Held points are not spendable: a debit may take only what is available.
        if delta < 0 and account.balance - account.held + delta < 0:
            _refuse(account, delta)


def balances_move(*, deltas: Mapping[int, int]) -> None:
    """Move the cached balances of owned accounts (locked by the caller) by `deltas`.

    One set-based UPDATE on PostgreSQL, however many accounts: a bulk posting moves thousands.
    In a savepoint, so that the CHECK (balance - held >= 0), the backstop to `balances_check`,
    surfaces as the same refusal instead of a broken transaction."""
    ids = sorted(pk for pk, delta in deltas.items() if delta)
    if not ids:
        return
    try:
        with transaction.atomic():
            if connection.vendor != "postgresql":
                for account_id in ids:
                    Account.objects.filter(pk=account_id).update(
                        balance=F("balance") + deltas[account_id]
                    )
                return
            table = connection.ops.quote_name(Account._meta.db_table)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} AS a SET balance = a.balance + d.delta "  # noqa: S608
                    "FROM unnest(%s::bigint[], %s::bigint[]) AS d(id, delta) WHERE a.id = d.id",
                    [ids, [deltas[pk] for pk in ids]],
                )
    except IntegrityError as exc:  # pragma: no cover - unreachable under the account locks
        account_id = min(a for a in ids if deltas[a] < 0)
        _refuse(Account.objects.get(pk=account_id), deltas[account_id], cause=exc)


def balances_lock_and_move(
    *, deltas: Mapping[int, int], kinds: Mapping[int, str]
) -> dict[int, int]:
    """Lock the owned accounts in ascending primary key and move their cached balances by
    `deltas`, in one statement; refuse (raise, the caller's transaction rolls back) if a debit
    would take more than is available. Returns {account id: balance after}.

    The lock is the statement's own: a materialised `SELECT … ORDER BY id FOR UPDATE` locks the
    rows in the project's order, and the UPDATE re-checks `balance - held + delta >= 0` on the
    row it locked, so no balance is read before the lock and each row is touched once. The
    CHECK (balance >= held) stays behind it."""
    ids = sorted(pk for pk, delta in deltas.items() if delta)
    if not ids:
        return {}
    if connection.vendor != "postgresql":  # SQLite has no row locks: check, then move
        locked = accounts_lock(ids)
        balances_check(locked=locked, deltas=deltas)
        balances_move(deltas=deltas)
        return {pk: int(locked[pk].balance or 0) + deltas[pk] for pk in ids}
    table = connection.ops.quote_name(Account._meta.db_table)
    try:
        with connection.cursor() as cursor:
            # One placeholder per account, not arrays: prepared (`sql.execute`), the statement
            # then keeps one generic plan instead of being planned again for every array.
            listed = ", ".join(["%s"] * len(ids))
            moves = ", ".join(["(%s::bigint, %s::bigint)"] * len(ids))
            sql.execute(
                cursor,
                f"WITH locked AS MATERIALIZED ("  # noqa: S608
                f"  SELECT id FROM {table} WHERE id IN ({listed}) ORDER BY id FOR UPDATE) "
                f"UPDATE {table} AS a SET balance = a.balance + d.delta "
                f"FROM locked JOIN (VALUES {moves}) AS d(id, delta) ON d.id = locked.id "
                "WHERE a.id = locked.id AND (d.delta > 0 OR a.balance - a.held + d.delta >= 0) "
                "RETURNING a.id, a.balance",
                [*ids, *(value for pk in ids for value in (pk, deltas[pk]))],
            )
            moved = {int(pk): int(balance) for pk, balance in cursor.fetchall()}
    except IntegrityError as exc:  # pragma: no cover - the WHERE above refuses first
        account_id = min(a for a in ids if deltas[a] < 0)
        raise _error_for(kinds.get(account_id, ""))(
            extra={"required": -deltas[account_id]}
        ) from exc
    if len(moved) < len(ids):
        # The refusal path may spend a statement: which account said no, and what it has.
        account_id = min(a for a in ids if a not in moved)
        _refuse(Account.objects.get(pk=account_id), deltas[account_id])
    return moved


@atomic
def transaction_post(
    *,
    kind: str,
    legs: Sequence[Leg],
    actor: User | None,
    memo: str = "",
    idempotency_key: str | None = None,
    reverses: Transaction | None = None,
    created_at: datetime | None = None,
    row: Model | None = None,
) -> Transaction:
    """Post a balanced transaction; refuses (and writes nothing) if an owned balance would go negative.

    A leg's account needs only its primary key and kind. The owned accounts (wallets, budgets)
    are locked last, by the statement that moves their balances, so they stay locked only from
    there to the commit. The balances after the posting are on `txn.balances_after`.

    `row`: a new row whose `transaction` is this one (an award), inserted in the transaction's
    own statement on PostgreSQL, before the accounts are locked; its primary key is set."""
    per_account: dict[int, int] = defaultdict(int)
    legs_total([(leg.account.pk, leg.amount) for leg in legs], per_account)
    owned = {
        leg.account.pk: leg.account.kind
        for leg in legs
        if leg.account.kind in (AccountKind.WALLET, AccountKind.BUDGET)
    }

    values = {
        "kind": kind,
        "memo": memo[:500],
        "actor": actor,
        "idempotency_key": idempotency_key or f"auto:{uuid.uuid4()}",
        "reverses": reverses,
        "created_at": created_at or timezone.now(),
    }
    try:
        if reverses is None:
            # No savepoint: a duplicate key fails the whole transaction, which the refusal rolls
            # back anyway (a caller outside `whole_transaction` gets this block's savepoint).
            txn = _transaction_insert(values=values, legs=legs, row=row)
        else:
            with transaction.atomic():  # the except clause below still reads
                txn = Transaction.objects.create(**values)
    except IntegrityError as exc:
        if row is not None and _table_of(exc) == row._meta.db_table:
            raise  # the row's own key refused it (its service's backstop), not the transaction
        if reverses is not None and Transaction.objects.filter(reverses=reverses).exists():
            raise AlreadyReversedError() from exc
        raise DuplicateTransactionError(
            "A transaction with this idempotency key was already posted."
        ) from exc
    if reverses is not None or connection.vendor != "postgresql":
        Entry.objects.bulk_create(
            Entry(transaction=txn, account_id=leg.account.pk, amount=leg.amount) for leg in legs
        )
        if row is not None:
            row.transaction = txn  # type: ignore[attr-defined]
            sql.insert(row)
    txn.balances_after = balances_lock_and_move(  # type: ignore[attr-defined]
        deltas={account_id: per_account[account_id] for account_id in owned}, kinds=owned
    )
    # A new transaction is reversed by nothing: say so, instead of a query when asked.
    Transaction.reversed_by.related.set_cached_value(txn, None)
    return txn


def _transaction_insert(
    *, values: dict[str, Any], legs: Sequence[Leg], row: Model | None = None
) -> Transaction:
    """Insert the transaction and its entries, and `row` pointing at it, in one statement on
    PostgreSQL (data-modifying CTEs; the deferred zero-sum triggers check them at commit as
    ever), else the transaction alone with the ORM (the caller adds the rest)."""
    if connection.vendor != "postgresql":
        return Transaction.objects.create(**values)
    params = [
        values["kind"],
        values["memo"],
        values["actor"].pk if values["actor"] is not None else None,
        values["created_at"],
        values["idempotency_key"],
        [leg.account.pk for leg in legs],
        [leg.amount for leg in legs],
    ]
    columns: tuple[str, ...] = ()
    if row is not None:
        link = _link_column(type(row))
        columns, row_values = sql.insert_values(row)
        keep = [i for i, column in enumerate(columns) if column != link]
        columns = tuple(columns[i] for i in keep)
        params += [row_values[i] for i in keep]
    with connection.cursor() as cursor:
        sql.execute(cursor, _transaction_insert_sql(type(row) if row else None, columns), params)
        txn_id, row_id = cursor.fetchone()
    txn = Transaction(pk=txn_id, **values)
    txn._state.adding = False
    txn._state.db = connection.alias
    if row is not None:
        row.transaction = txn  # type: ignore[attr-defined]
        row.pk = row_id
        row._state.adding = False
        row._state.db = connection.alias
    return txn


def _link_column(model: type[Model]) -> str:
    """The column of `model`'s foreign key to its transaction."""
    field = model._meta.get_field("transaction")
    assert isinstance(field, ForeignKey)
    return str(field.column)


@functools.cache
def _transaction_insert_sql(model: type[Model] | None, columns: tuple[str, ...]) -> str:
    """The transaction's statement: the transaction, its entries in the legs' order, and a row of
    `model` with `columns` whose transaction is the new one; answers (transaction id, row id)."""
    quote = connection.ops.quote_name
    row_cte, row_id = "", "NULL"
    if model is not None:
        link = quote(_link_column(model))
        placeholders = ", ".join(["%s"] * len(columns))
        row_cte = (
            f", r AS (INSERT INTO {sql.table(model)} "  # noqa: S608
            f"({', '.join(quote(c) for c in columns)}, {link}) "
            f"VALUES ({placeholders}, (SELECT id FROM t)) RETURNING id)"
        )
        row_id = "(SELECT id FROM r)"
    return (
        f"WITH t AS (INSERT INTO {sql.table(Transaction)} "  # noqa: S608
        "  (kind, memo, actor_id, created_at, idempotency_key, reverses_id) "
        "  VALUES (%s, %s, %s, %s, %s, NULL) RETURNING id), "
        f"e AS (INSERT INTO {sql.table(Entry)} (transaction_id, account_id, amount) "
        "SELECT t.id, d.account_id, d.amount FROM t CROSS JOIN "
        "  unnest(%s::bigint[], %s::bigint[]) WITH ORDINALITY AS d(account_id, amount, n) "
        f"ORDER BY d.n RETURNING 1){row_cte} "
        f"SELECT (SELECT id FROM t), {row_id}"
    )


def _table_of(error: IntegrityError) -> str | None:
    """The table whose constraint PostgreSQL says refused a write (None if it does not say)."""
    diag = getattr(error.__cause__, "diag", None)
    return getattr(diag, "table_name", None)


def _error_for(kind: str) -> type[BudgetExceededError] | type[InsufficientPointsError]:
    return BudgetExceededError if kind == AccountKind.BUDGET else InsufficientPointsError


def _refuse(account: Account, delta: int, cause: Exception | None = None) -> None:
    balance = int(account.balance or 0)
    error = _error_for(account.kind)
    extra = {"balance": balance, "required": -delta}
    if account.held:  # only then does available differ from the balance
        extra |= {"held": int(account.held), "available": balance - int(account.held)}
    raise error(extra=extra) from cause


@atomic
def transaction_reverse(
    *, original: Transaction, actor: User, reason: str, created_at: datetime | None = None
) -> Transaction:
    """Undo `original` by posting its entries negated; a transaction is reversed at most once.
    `created_at` backdates it (demo history only)."""
    if original.kind == TransactionKind.REVERSAL:
        raise NotReversibleError("A reversal cannot itself be reversed; post a new transaction.")
    reversal_refuse_settled_elsewhere(original=original)
    reversal, legs = _post_negated(
        original=original, actor=actor, reason=reason, created_at=created_at
    )
    audit_record(
        actor=actor,
        action=AuditAction.LEDGER_REVERSAL,
        subject=original,
        subject_label=f"#{original.pk} {original.get_kind_display()}",
        details={
            "original": original.pk,
            "reversal": reversal.pk,
            "kind": original.kind,
            "amount": sum(leg.amount for leg in legs if leg.amount > 0),
            "reason": reason[:500],
        },
    )
    return reversal


def reversal_refuse_settled_elsewhere(*, original: Transaction) -> None:
    """Refuse to reverse a redemption's debit, a refund, or a hold's posting (a drawing's
    settlement): reversing only the points would leave the redemption fulfilled with no refund
    recorded and the stock unchanged. The ledger knows them by kind or by their hold, without
    importing the market."""
    if (
        original.kind in SETTLED_ELSEWHERE_KINDS
        or Hold.objects.filter(posting_id=original.pk).exists()
    ):
        raise ReversalNotAllowedError(extra={"transaction": original.pk, "kind": original.kind})


@transaction.atomic
def transaction_refund(
    *, original: Transaction, actor: User, reason: str, created_at: datetime | None = None
) -> Transaction:
    """Refund a redemption's debit (a purchase's or a drawing's settlement) by posting its entries
    negated, at most once: for the market's reject and cancel, which also return the stock. The
    generic `transaction_reverse` refuses these transactions."""
    if original.kind != TransactionKind.REDEMPTION:
        raise NotReversibleError("Only a redemption's debit is refunded.")
    refund, _legs = _post_negated(
        original=original, actor=actor, reason=reason, created_at=created_at
    )
    return refund


def _post_negated(
    *, original: Transaction, actor: User, reason: str, created_at: datetime | None
) -> tuple[Transaction, list[Leg]]:
    """Post `original`'s entries negated, at most once (a reversal or a refund)."""
    legs = [
        Leg(entry.account, -entry.amount) for entry in original.entries.select_related("account")
    ]
    # Lock first, then look: two people undoing it at once queue here, and the second one
    # sees the first's reversal instead of a misleading balance refusal.
    accounts_lock(leg.account.pk for leg in legs if leg.account.balance is not None)
    if Transaction.objects.filter(reverses=original).exists():
        raise AlreadyReversedError()
    posted = transaction_post(
        kind=TransactionKind.REVERSAL,
        legs=legs,
        actor=actor,
        memo=reason,
        idempotency_key=f"reversal:{original.pk}",
        reverses=original,
        created_at=created_at,
    )
    return posted, legs
