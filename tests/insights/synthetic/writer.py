"""Write synthetic histories into the ledger in bulk (PostgreSQL COPY), like an imported history:
awards are wallet credits from the issuance account, purchases are fulfilled redemptions whose
debit moves points from the wallet to the redemptions sink. Balances are consistent by
construction (each history never lets a balance go below zero)."""

from __future__ import annotations

import io
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import connection, transaction

from ledger.models import Account, AccountKind, TransactionKind
from ledger.services import account_system
from people.models import EmploymentType, Role, Team, User
from rewards.models import RedemptionState, Reward, RewardCategory

from .policies import CATALOGUE, History


@dataclass
class Written:
    person: User
    history: History


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat()


def _copy(table: str, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    buf = io.StringIO()
    for row in rows:
        buf.write("\t".join("\\N" if v is None else str(v) for v in row))
        buf.write("\n")
    buf.seek(0)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buf)


def _ids(table: str, n: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, n],
        )
        return [row[0] for row in cursor.fetchall()]


def catalogue_ensure(*, seed: int = 0) -> list[Reward]:
    """The synthetic catalogue's rewards (created once), in CATALOGUE order."""
    rng = random.Random(seed)
    out = []
    for item in CATALOGUE:
        reward = Reward.objects.filter(name_en=item.name).first()
        if reward is None:
            price = max(1, round(item.base_price * rng.uniform(0.9, 1.35)))
            reward = Reward.objects.create(
                name_fi=item.name,
                name_en=item.name,
                base_price=item.base_price,
                current_price=price,
                category=RewardCategory.OTHER,
            )
        out.append(reward)
    return out


@transaction.atomic
def histories_write(
    histories: Sequence[History], *, prefix: str = "syn", team_size: int = 12, checked: bool = True
) -> list[Written]:
    """Create one agent per history (teams of `team_size`, one supervisor each) and their ledger.

    `checked=False` loads with the ledger's row triggers off (they check each transaction sums
    to zero at commit, about a second per 5,000 rows): for big loads whose balance is proven by
    `ledger_verify` instead. The switch is transactional: it ends with this function.
    """
    if connection.vendor != "postgresql":
        raise RuntimeError("synthetic histories are written with COPY: PostgreSQL only")
    if not checked:
        with connection.cursor() as cursor:
            # ALTER TABLE refuses while deferred checks are queued: run them first.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE ledger_entry DISABLE TRIGGER USER")
            cursor.execute("ALTER TABLE ledger_transaction DISABLE TRIGGER USER")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    rewards = catalogue_ensure()
    issuance = account_system(AccountKind.ISSUANCE)
    sink = account_system(AccountKind.REDEMPTIONS)
    teams = []
    for t in range(0, len(histories), team_size):
        team = Team.objects.create(name=f"{prefix} team {t // team_size + 1}")
        sup = User.objects.create(
            username=f"{prefix}-sup-{t // team_size + 1}",
            display_name=f"{prefix} supervisor {t // team_size + 1}",
            role=Role.SUPERVISOR,
        )
        team.leaders.add(sup)
        teams.append(team)
    people = User.objects.bulk_create(
        User(
            username=f"{prefix}-{i}",
            display_name=f"{prefix} person {i}",
            role=Role.AGENT,
            employment_type=(
                EmploymentType.AGENCY if h.employment_type == "agency" else EmploymentType.PERMANENT
            ),
            team=teams[i // team_size],
            date_joined=datetime.fromtimestamp(h.joined, UTC),
            password="!",
        )
        for i, h in enumerate(histories)
    )
    wallets = Account.objects.bulk_create(
        Account(
            kind=AccountKind.WALLET,
            owner=p,
            balance=sum(e.points for e in h.events),
            created_at=datetime.fromtimestamp(h.joined, UTC),
        )
        for p, h in zip(people, histories, strict=True)
    )
    events = [(k, e) for k, h in enumerate(histories) for e in h.events]
    txn_ids = _ids("ledger_transaction", len(events))
    _copy(
        "ledger_transaction",
        ("id", "kind", "memo", "created_at", "idempotency_key"),
        (
            (
                tid,
                TransactionKind.AWARD if e.points > 0 else TransactionKind.REDEMPTION,
                "synthetic",
                _iso(e.ts),
                f"{prefix}:{tid}",
            )
            for tid, (_, e) in zip(txn_ids, events, strict=True)
        ),
    )
    _copy(
        "ledger_entry",
        ("transaction_id", "account_id", "amount"),
        (
            row
            for tid, (k, e) in zip(txn_ids, events, strict=True)
            for row in (
                (tid, wallets[k].pk, e.points),
                (tid, (issuance if e.points > 0 else sink).pk, -e.points),
            )
        ),
    )
    _copy(
        "rewards_redemption",
        (
            "employee_id",
            "reward_id",
            "price_paid",
            "state",
            "debit_id",
            "reason",
            "created_at",
            "updated_at",
        ),
        (
            (
                people[k].pk,
                rewards[e.item or 0].pk,
                -e.points,
                RedemptionState.FULFILLED,
                tid,
                "",
                _iso(e.ts),
                _iso(e.ts),
            )
            for tid, (k, e) in zip(txn_ids, events, strict=True)
            if e.points < 0
        ),
    )
    with connection.cursor() as cursor:
        if not checked:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE ledger_entry ENABLE TRIGGER USER")
            cursor.execute("ALTER TABLE ledger_transaction ENABLE TRIGGER USER")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute("ANALYZE ledger_entry, ledger_transaction, rewards_redemption")
    return [Written(p, h) for p, h in zip(people, histories, strict=True)]
