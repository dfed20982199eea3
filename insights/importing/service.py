"""History import: bring the old system's awards and redemptions into the ledger, all or nothing.

Speed: one service call per row would take an hour for a million entries. Instead every row is
checked in Python first, then everything is written in bulk inside one database transaction,
through the bulk services of the apps that own the tables (`ledger.services.
transactions_post_bulk`, `rewards.services.redemptions_import`, `people.services.people_import`):
the ledger's deferred zero-sum triggers still check every transaction at commit, and the ledger
moves the cached balances in one set-based UPDATE.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from django.db import IntegrityError, connection, transaction

from audit.models import AuditAction
from audit.services import audit_record
from core.bulk import statistics_refresh
from ledger.locks import wallets_lock
from ledger.models import Account
from ledger.selectors import transaction_keys_existing, wallet_history_of
from ledger.services import wallets_ensure
from people.models import Team, User
from people.selectors import people_by_username
from rewards.locks import market_clock_shared
from rewards.models import Reward

from ..signals import history_imported
from . import writing
from .errors import ImportConflictError, ImportRejectedError
from .parsing import Parsed, parse
from .validation import balance_errors

logger = logging.getLogger(__name__)

MAX_REPORTED_ERRORS = 1_000
IMPORT_LOCK_KEY = 0x706F6A69  # one import at a time: the second one sees the first one's rows


@contextmanager
def _phase(name: str) -> Iterator[None]:
    """Log how long a phase took: a slow import tells where its time went."""
    started = time.perf_counter()
    yield
    logger.info("history import: %s took %.2f s", name, time.perf_counter() - started)


def _report(
    parsed: Parsed,
    *,
    errors: list[dict[str, Any]],
    imported: int = 0,
    skipped: int = 0,
    created: writing.Created | None = None,
) -> dict[str, Any]:
    created = created or writing.Created()
    errors = sorted(errors, key=lambda e: (e["row"], e["column"]))
    return {
        "ok": not errors,
        "rows": parsed.total,
        "imported": imported,
        "skipped": skipped,
        "created": {"people": created.people, "teams": created.teams, "rewards": created.rewards},
        "errors": errors[:MAX_REPORTED_ERRORS],
        "errors_omitted": max(0, len(errors) - MAX_REPORTED_ERRORS),
    }


def _wallet_history(users: dict[str, User]) -> dict[str, list[tuple[datetime, int]]]:
    """Existing wallet entries of these people, by lower-cased username, as (time, amount)."""
    key_of = {user.pk: key for key, user in users.items()}
    return {key_of[owner]: items for owner, items in wallet_history_of(owner_ids=key_of).items()}


def _statistics_refresh() -> None:
    """ANALYZE the small tables this import may have just filled: with statistics from before
    thousands of new people, PostgreSQL checks every foreign key to them (at commit, one per
    ledger row) with a sequential scan, and a 100,000-row import takes minutes instead of
    seconds. ANALYZE inside the transaction counts its own uncommitted rows."""
    statistics_refresh(User, Team, Account, Reward)


def history_import(
    *, data: bytes, now: datetime | None = None, actor: User | None = None
) -> dict[str, Any]:
    """Import a history CSV (see `parsing.COLUMNS`); returns the report.

    Raises `ImportFileError` for a file that cannot be read at all and `ImportRejectedError`
    (carrying the report) when any row is bad; in both cases nothing is written. Rows imported
    before (same `id`, or same content when there is no id) are skipped. An import that writes
    rows is recorded in the audit log with `actor` (None: the management command)."""
    with _phase("parsing"):
        parsed = parse(data, now=now)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK_KEY])
        # The project's lock order: the market clock (new rewards stamp their activation), then
        # reward rows, then wallets by primary key.
        market_clock_shared()
        with _phase("looking up rows imported before"):
            done = transaction_keys_existing(keys=[row.key for row in parsed.rows])
        rows = [row for row in parsed.rows if row.key not in done]
        skipped = len(parsed.rows) - len(rows)
        keys = {row.employee_key for row in rows} | {row.supervisor_key for row in rows}
        keys.discard("")
        directory = writing.Directory(people=people_by_username(usernames=keys))
        employees = {row.employee_key for row in rows}
        existing = {k: u for k, u in directory.people.items() if k in employees}
        # Locked before the balances are read: no purchase can slip in between check and write.
        wallets_lock(owner_ids=[user.pk for user in existing.values()])
        checked = [row for row in rows if row.employee_key not in parsed.bad_employees]
        with _phase("balance checks"):
            errors = parsed.errors + balance_errors(checked, _wallet_history(existing))
        if errors:
            raise ImportRejectedError(_report(parsed, errors=errors, skipped=skipped))
        if rows:
            try:
                with _phase("people, teams, rewards and wallets"), transaction.atomic():
                    writing.people_create(rows, directory, actor=actor)
                    writing.rewards_resolve(rows, directory)
                    wallets = wallets_ensure(
                        owner_ids=[directory.people[key].pk for key in employees]
                    )
            except IntegrityError as exc:
                # A person or team of the same name was added while we were checking.
                raise ImportConflictError() from exc
            _statistics_refresh()
            with _phase("ledger writes"):
                writing.ledger_write(rows, directory, wallets)
            imported = len(rows)
            audit_record(
                actor=actor,
                action=AuditAction.IMPORT_HISTORY,
                details={
                    "imported": imported,
                    "skipped": skipped,
                    "people_created": directory.created.people,
                    "teams_created": directory.created.teams,
                    "rewards_created": directory.created.rewards,
                    "sha256": hashlib.sha256(data).hexdigest(),
                },
            )
            transaction.on_commit(
                lambda: history_imported.send(sender=history_import, rows=imported)
            )
        return _report(
            parsed, errors=[], imported=len(rows), skipped=skipped, created=directory.created
        )
