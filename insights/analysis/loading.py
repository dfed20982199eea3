"""Set-based reads of everything the insights need: a few queries for the whole population."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Q

from ledger.models import AccountKind, Entry, TransactionKind
from people.models import Role, Team, User
from rewards.models import REFUNDED_STATES, RedemptionState, Reward

# Wallet credits that are not earnings: money coming back, not money earned.
NOT_EARNINGS = (TransactionKind.REFUND, TransactionKind.REVERSAL)


@dataclass(slots=True)
class Event:
    """One wallet entry of one person, in ledger order."""

    ts: float  # seconds since the epoch (transaction.created_at)
    amount: int  # signed, as on the wallet
    kind: str  # the transaction's kind
    spend: bool  # a redemption that was not cancelled or rejected
    earning: bool  # a credit that is not a refund or a reversal
    reward_id: int | None


@dataclass(slots=True)
class Person:
    id: int
    username: str
    name: str
    role: str
    employment_type: str
    team_id: int | None
    joined_ts: float
    events: list[Event] = field(default_factory=list)


@dataclass(slots=True)
class RewardInfo:
    id: int
    name_fi: str
    name_en: str
    base_price: int
    current_price: int
    active: bool
    created_ts: float


@dataclass
class Population:
    people: dict[int, Person]
    rewards: dict[int, RewardInfo]
    teams: dict[int, str]
    leaders: dict[int, list[int]]  # supervisor id → ids of teams they lead
    supervisors: dict[int, str]


_ORDER = "ORDER BY t.created_at, t.id"
_SPEND = (
    "(t.kind = %(redemption)s AND e.amount < 0 AND "
    "COALESCE(r.state NOT IN (%(cancelled)s, %(rejected)s), TRUE))"
)
_HISTORIES = f"""
    SELECT a.owner_id,
           array_agg(EXTRACT(EPOCH FROM t.created_at)::float8 {_ORDER}),
           array_agg(e.amount {_ORDER}),
           array_agg(t.kind::text {_ORDER}),
           array_agg({_SPEND} {_ORDER}),
           array_agg((e.amount > 0 AND t.kind NOT IN (%(refund)s, %(reversal)s)) {_ORDER}),
           array_agg(CASE WHEN {_SPEND} THEN r.reward_id END {_ORDER})
    FROM ledger_entry e
    JOIN ledger_account a ON a.id = e.account_id
    JOIN ledger_transaction t ON t.id = e.transaction_id
    LEFT JOIN rewards_redemption r ON r.debit_id = t.id
    WHERE a.kind = %(wallet)s
    GROUP BY a.owner_id
"""  # noqa: S608 (constant fragments; every value is a parameter)


def _histories() -> Iterator[tuple[int, list[Event]]]:
    """Each person's wallet history in ledger order (time, then transaction id).

    On PostgreSQL one query returns one row per person with their history as arrays: at a
    million entries that is several times faster than a row per entry (no per-row tuples, no
    datetimes; psycopg2 parses arrays in C). Elsewhere, the ORM and a sort in Python."""
    if connection.vendor == "postgresql":
        params = {
            "redemption": TransactionKind.REDEMPTION.value,
            "refund": TransactionKind.REFUND.value,
            "reversal": TransactionKind.REVERSAL.value,
            "cancelled": RedemptionState.CANCELLED.value,
            "rejected": RedemptionState.REJECTED.value,
            "wallet": AccountKind.WALLET.value,
        }
        with transaction.atomic(), connection.chunked_cursor() as cursor:
            cursor.execute(_HISTORIES, params)
            while batch := cursor.fetchmany(500):
                for owner, ts, amounts, kinds, spends, earnings, rewards in batch:
                    yield owner, list(map(Event, ts, amounts, kinds, spends, earnings, rewards))
        return
    refunded = {str(s) for s in REFUNDED_STATES}
    rows: dict[int, list[tuple[float, int, Event]]] = {}
    for owner, at, txn, amount, kind, state, reward_id in Entry.objects.filter(
        account__kind=AccountKind.WALLET
    ).values_list(
        "account__owner_id",
        "transaction__created_at",
        "transaction_id",
        "amount",
        "transaction__kind",
        "transaction__redemption__state",
        "transaction__redemption__reward_id",
    ):
        spend = kind == TransactionKind.REDEMPTION and amount < 0 and state not in refunded
        earning = amount > 0 and kind not in NOT_EARNINGS
        event = Event(at.timestamp(), amount, kind, spend, earning, reward_id if spend else None)
        rows.setdefault(owner, []).append((at.timestamp(), txn, event))
    for owner, items in rows.items():
        items.sort(key=lambda item: (item[0], item[1]))
        yield owner, [item[2] for item in items]


def population_load() -> Population:
    """Everyone, their wallet history, the catalogue and the team structure."""
    people: dict[int, Person] = {}
    for pk, username, display, role, etype, team_id, joined in (
        User.objects.filter(Q(is_active=True) | Q(accounts__kind=AccountKind.WALLET))
        .distinct()
        .values_list(
            "id", "username", "display_name", "role", "employment_type", "team_id", "date_joined"
        )
    ):
        people[pk] = Person(
            pk, username, display or username, role, etype, team_id, joined.timestamp()
        )
    for owner, events in _histories():
        person = people.get(owner)
        if person is not None:
            person.events = events
    rewards = {
        r[0]: RewardInfo(r[0], r[1], r[2], r[3], r[4], r[5], r[6].timestamp())
        for r in Reward.objects.values_list(
            "id", "name_fi", "name_en", "base_price", "current_price", "active", "created_at"
        )
    }
    teams = dict(Team.objects.values_list("id", "name"))
    leaders: dict[int, list[int]] = {}
    for team_id, user_id in Team.leaders.through.objects.values_list("team_id", "user_id"):
        leaders.setdefault(user_id, []).append(team_id)
    supervisors = {
        pk: (display or username)
        for pk, display, username in User.objects.filter(
            Q(role=Role.SUPERVISOR) | Q(pk__in=list(leaders))
        ).values_list("id", "display_name", "username")
    }
    return Population(people, rewards, teams, leaders, supervisors)
