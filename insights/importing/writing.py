"""The import's writes, in bulk: people, teams and rewards first, then the ledger in chunks.

Called only by `service.history_import`, inside its transaction and after every check passed.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import connection
from django.db.models import Field as DjangoField
from django.db.models import Model
from django.db.models.functions import Lower

from ledger.locks import accounts_lock
from ledger.models import Account, AccountKind, Award, AwardReason, Entry, Transaction
from ledger.models import TransactionKind as Kind
from ledger.services import account_system, award_reason_create
from people.models import Role, Team, User
from rewards.models import Redemption, RedemptionState, Reward, RewardCategory
from rewards.services import reward_create

from .parsing import AWARD, REDEMPTION, Row
from .validation import signed_points

CHUNK = 5_000  # rows per round of bulk inserts: bounded memory for a million-entry file
LEGACY_REASON_CODE = "legacy-import"


@dataclass
class Created:
    people: int = 0
    teams: int = 0
    rewards: int = 0


@dataclass
class Directory:
    """Everyone and everything the rows name, by lower-cased name, once resolved or created."""

    people: dict[str, User] = field(default_factory=dict)
    teams: dict[str, Team] = field(default_factory=dict)
    rewards: dict[str, Reward] = field(default_factory=dict)
    created: Created = field(default_factory=Created)


def people_existing(keys: Iterable[str]) -> dict[str, User]:
    """Existing people by lower-cased username (usernames are unique case-insensitively)."""
    found = User.objects.annotate(key=Lower("username")).filter(key__in=set(keys))
    return {user.key: user for user in found}


def wallets_lock(user_ids: Iterable[int]) -> dict[int, Account]:
    """Lock the existing wallets of these people (by account pk, the ledger's lock order)."""
    ids = Account.objects.filter(kind=AccountKind.WALLET, owner_id__in=set(user_ids)).values_list(
        "pk", flat=True
    )
    return {account.owner_id: account for account in accounts_lock(ids).values()}  # type: ignore[misc]


def _latest_details(rows: Sequence[Row]) -> dict[str, Row]:
    """Per new employee, the row that says who they are now: the latest one in time."""
    latest: dict[str, Row] = {}
    for row in rows:
        seen = latest.get(row.employee_key)
        if seen is None or row.timestamp >= seen.timestamp:
            latest[row.employee_key] = row
    return latest


def people_create(rows: Sequence[Row], directory: Directory) -> None:
    """Create the unknown people (and the teams they need); a new supervisor leads the teams of
    the people they awarded in the file. Existing people are left as they are."""
    details = _latest_details(rows)
    awarders = {row.supervisor_key: row.supervisor for row in rows if row.event == AWARD}
    new_keys = [k for k in {**details, **awarders} if k not in directory.people]
    if not new_keys:
        return
    team_names = {details[k].team.lower(): details[k].team for k in new_keys if k in details}
    team_names.pop("", None)
    found = Team.objects.annotate(key=Lower("name")).filter(key__in=set(team_names))
    directory.teams.update({team.key: team for team in found})
    missing = [name for key, name in team_names.items() if key not in directory.teams]
    for team in Team.objects.bulk_create([Team(name=name) for name in missing]):
        directory.teams[team.name.lower()] = team
    directory.created.teams = len(missing)

    new_people = []
    for key in new_keys:
        row = details.get(key)
        new_people.append(
            User(
                username=row.employee if row else awarders[key],
                display_name=(row.employee_name or row.employee) if row else awarders[key],
                role=Role.SUPERVISOR if key in awarders else Role.AGENT,
                employment_type=row.employment_type if row else "permanent",
                team=directory.teams.get(row.team.lower()) if row and row.team else None,
                password=make_password(None),  # unusable: HR sets a password or SSO signs in
            )
        )
    for user in User.objects.bulk_create(new_people, batch_size=CHUNK):
        directory.people[user.username.lower()] = user
    directory.created.people = len(new_people)

    new_supervisors = {key for key in new_keys if key in awarders}
    leads = {
        (directory.people[row.supervisor_key].pk, led.pk)
        for row in rows
        if row.event == AWARD
        and row.supervisor_key in new_supervisors
        and (led := directory.people[row.employee_key].team) is not None
    }
    Team.leaders.through.objects.bulk_create(
        [Team.leaders.through(user_id=u, team_id=t) for u, t in sorted(leads)],
        ignore_conflicts=True,
    )


def rewards_resolve(rows: Sequence[Row], directory: Directory) -> None:
    """Match rewards by Finnish or English name (case-insensitive); create the unknown ones
    inactive, priced at their first redemption, dated at it."""
    firsts: dict[str, Row] = {}
    for row in rows:
        if row.event == REDEMPTION:
            seen = firsts.get(row.reward.lower())
            if seen is None or row.timestamp < seen.timestamp:
                firsts[row.reward.lower()] = row
    if not firsts:
        return
    for reward in Reward.objects.order_by("-pk"):  # the lowest pk wins a name shared by two
        directory.rewards[reward.name_en.lower()] = reward
        directory.rewards[reward.name_fi.lower()] = reward
    for key, row in firsts.items():
        if key not in directory.rewards:
            directory.rewards[key] = reward_create(
                name_fi=row.reward,
                name_en=row.reward,
                base_price=row.points,
                category=RewardCategory.OTHER,
                active=False,
                at=row.timestamp,
            )
            directory.created.rewards += 1


def _legacy_reason() -> AwardReason:
    """The (unpublished) reason every imported award carries; the old system's words go in the
    award's message."""
    reason = AwardReason.objects.filter(code=LEGACY_REASON_CODE).first()
    return reason or award_reason_create(
        code=LEGACY_REASON_CODE,
        name_fi="Palkinto vanhasta järjestelmästä",
        name_en="Award from the previous system",
        suggested_min=1,
        suggested_max=1,
        active=False,
        position=32_000,
    )


def wallets_ensure(user_ids: Iterable[int], locked: dict[int, Account]) -> dict[int, Account]:
    """Every employee's wallet: the locked existing ones plus new ones (nobody else sees those)."""
    wallets = dict(locked)
    missing = sorted(set(user_ids) - set(wallets))
    created = Account.objects.bulk_create(
        [Account(kind=AccountKind.WALLET, owner_id=pk, balance=0) for pk in missing],
        batch_size=CHUNK,
    )
    wallets.update({account.owner_id: account for account in created})  # type: ignore[misc]
    return wallets


def _column(model: type[Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, DjangoField) and field.column
    return field.column


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: Any) -> str:
    """One value in COPY's text format (called ~10 times per row: kept cheap)."""
    if value is None:
        return "\\N"
    if type(value) is int:
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value).translate(_COPY_ESCAPES)


def _copy(model: type[Model], fields: Sequence[str], values: list[tuple[Any, ...]]) -> None:
    """COPY rows into the model's table, bypassing model instances: the ORM's per-object work
    dominated the import, and COPY is the fastest way in. The database's constraints and
    triggers run as for any insert."""
    if not values:
        return
    columns = ", ".join(connection.ops.quote_name(_column(model, f)) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    if connection.vendor != "postgresql":
        # SQLite (the newcomer's zero-setup mode): plain INSERTs, slower, the same rows.
        adapt = connection.ops.adapt_datetimefield_value
        marks = ", ".join(["%s"] * len(fields))
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({marks})",  # noqa: S608
                [[adapt(v) if isinstance(v, datetime) else v for v in row] for row in values],
            )
        return
    buffer = io.StringIO()
    for row in values:
        buffer.write("\t".join(map(_copy_text, row)))
        buffer.write("\n")
    buffer.seek(0)
    with connection.cursor() as cursor:
        # Names from the models' metadata, quoted; the values travel as COPY data.
        cursor.cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", buffer)


def _ids_reserve(model: type[Model], count: int) -> list[int]:
    """`count` new primary keys from the table's own sequence (COPY cannot return them)."""
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            # SQLite has one writer at a time: nobody else takes ids after our max.
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608
            last = cursor.fetchone()[0]
            return list(range(last + 1, last + 1 + count))
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [model._meta.db_table, count],
        )
        return [row[0] for row in cursor.fetchall()]


def ledger_write(rows: Sequence[Row], directory: Directory, wallets: dict[int, Account]) -> None:
    """Post every row as a balanced transaction at its own time, then move the cached balances."""
    legacy = account_system(AccountKind.LEGACY_ISSUANCE).pk
    sink = account_system(AccountKind.REDEMPTIONS).pk
    reason = _legacy_reason().pk if any(row.event == AWARD for row in rows) else None
    deltas: dict[int, int] = defaultdict(int)
    people = {key: user.pk for key, user in directory.people.items()}
    rewards = {key: (reward.pk, reward.name_en) for key, reward in directory.rewards.items()}
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        transactions = []
        for row in chunk:
            if row.event == AWARD:
                actor = people[row.supervisor_key]
                memo = f"{LEGACY_REASON_CODE}: {row.reason}" if row.reason else LEGACY_REASON_CODE
                kind = Kind.AWARD
            else:
                actor = people[row.employee_key]
                reward_id, reward_name = rewards[row.reward.lower()]
                memo = f"reward {reward_id}: {reward_name}"
                kind = Kind.REDEMPTION
            transactions.append([str(kind), memo[:500], actor, row.timestamp, row.key])
        ids = _ids_reserve(Transaction, len(transactions))
        _copy(
            Transaction,
            ["id", "kind", "memo", "actor", "created_at", "idempotency_key"],
            [(pk, *values) for pk, values in zip(ids, transactions, strict=True)],
        )
        entries, awards, redemptions = [], [], []
        for row, txn in zip(chunk, ids, strict=True):
            employee = people[row.employee_key]
            wallet = wallets[employee].pk
            amount = signed_points(row)
            deltas[wallet] += amount
            entries.append((txn, wallet, amount))
            entries.append((txn, legacy if row.event == AWARD else sink, -amount))
            if row.event == AWARD:
                awards.append((people[row.supervisor_key], employee, reason, row.points,
                               row.reason, txn, row.timestamp))  # fmt: skip
            else:
                # settled_at stays NULL on purpose: pricing counts demand by settled_at only, and
                # the old system's history must not move today's market prices.
                redemptions.append((employee, rewards[row.reward.lower()][0], row.points,
                                    str(RedemptionState.FULFILLED), txn, "", row.timestamp,
                                    row.timestamp))  # fmt: skip
        _copy(Entry, ["transaction", "account", "amount"], entries)
        _copy(
            Award,
            ["giver", "recipient", "reason", "points", "message", "transaction", "created_at"],
            awards,
        )
        _copy(
            Redemption,
            [
                "employee",
                "reward",
                "price_paid",
                "state",
                "debit",
                "reason",
                "created_at",
                "updated_at",
            ],
            redemptions,
        )
    _balances_move(deltas)


def _balances_move(deltas: dict[int, int]) -> None:
    """One set-based UPDATE of the cached wallet balances (the rows are locked or new)."""
    ids = sorted(pk for pk, delta in deltas.items() if delta)
    if not ids:
        return
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.executemany(
                "UPDATE ledger_account SET balance = balance + %s WHERE id = %s",
                [(deltas[pk], pk) for pk in ids],
            )
            return
        cursor.execute(
            """
            UPDATE ledger_account AS a SET balance = a.balance + d.delta
            FROM unnest(%s::bigint[], %s::bigint[]) AS d(id, delta)
            WHERE a.id = d.id
            """,
            [ids, [deltas[pk] for pk in ids]],
        )
