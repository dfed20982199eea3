"""Write synthetic histories into the ledger in bulk, like an imported history, through the
ledger's and the market's bulk services (COPY on PostgreSQL): awards are wallet credits from the
issuance account, purchases are fulfilled redemptions whose debit moves points from the wallet to
the redemptions sink. Each history never lets a balance go below zero."""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import connection, transaction

from core.bulk import statistics_refresh
from ledger.models import AccountKind, Entry, Transaction, TransactionKind
from ledger.services import (
    BulkLeg,
    BulkPosting,
    account_system,
    transactions_post_bulk,
    wallets_ensure,
)
from people.models import EmploymentType, Role, Team, User
from rewards.models import Redemption, Reward, RewardCategory
from rewards.services import ImportedRedemption, redemptions_import

from .policies import CATALOGUE, History


@dataclass
class Written:
    person: User
    history: History


def _at(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


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


def _ledger_triggers(enabled: bool) -> None:
    """Switch the ledger's row triggers (zero-sum at commit, append-only) on or off, for this
    transaction only: ALTER TABLE is transactional."""
    action = "ENABLE" if enabled else "DISABLE"
    with connection.cursor() as cursor:
        # ALTER TABLE refuses while deferred checks are queued: run them first.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for model in (Entry, Transaction):
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"ALTER TABLE {table} {action} TRIGGER USER")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


@transaction.atomic
def histories_write(
    histories: Sequence[History], *, prefix: str = "syn", team_size: int = 12, checked: bool = True
) -> list[Written]:
    """Create one agent per history (teams of `team_size`, one supervisor each) and their ledger.

    `checked=False` loads with the ledger's row triggers off (they check each transaction sums
    to zero at commit, about a second per 5,000 rows): for big loads whose balance is proven by
    `ledger_verify` instead. The switch is transactional: it ends with this function.
    """
    if not checked:
        if connection.vendor != "postgresql":
            raise RuntimeError("the ledger's triggers are switched off on PostgreSQL only")
        _ledger_triggers(enabled=False)
    rewards = catalogue_ensure()
    issuance = account_system(AccountKind.ISSUANCE).pk
    sink = account_system(AccountKind.REDEMPTIONS).pk
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
            date_joined=_at(h.joined),
            password="!",
        )
        for i, h in enumerate(histories)
    )
    wallets = wallets_ensure(owner_ids=[p.pk for p in people])
    events = [(k, n, e) for k, h in enumerate(histories) for n, e in enumerate(h.events)]

    def postings() -> Iterator[BulkPosting]:
        for k, n, e in events:
            wallet = wallets[people[k].pk].pk
            yield BulkPosting(
                kind=TransactionKind.AWARD if e.points > 0 else TransactionKind.REDEMPTION,
                legs=(
                    BulkLeg(wallet, e.points),
                    BulkLeg(issuance if e.points > 0 else sink, -e.points),
                ),
                created_at=_at(e.ts),
                idempotency_key=f"{prefix}:{k}:{n}",
                memo="synthetic",
            )

    ids = transactions_post_bulk(postings=postings())
    redemptions_import(
        redemptions=(
            ImportedRedemption(
                employee_id=people[k].pk,
                reward_id=rewards[e.item or 0].pk,
                price_paid=-e.points,
                debit_id=txn,
                created_at=_at(e.ts),
            )
            for txn, (k, _n, e) in zip(ids, events, strict=True)
            if e.points < 0
        )
    )
    if not checked:
        _ledger_triggers(enabled=True)
    statistics_refresh(Entry, Transaction, Redemption)
    return [Written(p, h) for p, h in zip(people, histories, strict=True)]
