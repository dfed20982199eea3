"""The import's writes, through the services of the apps that own the tables: people and teams
(people), rewards (rewards), then the ledger's postings (ledger) and the redemptions (rewards).

Called only by `service.history_import`, inside its transaction and after every check passed.
This module decides what to write from the rows; it writes no table itself.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from ledger.models import Account, AccountKind, AwardReason
from ledger.models import TransactionKind as Kind
from ledger.services import (
    BulkAward,
    BulkLeg,
    BulkPosting,
    account_system,
    award_reason_create,
    transactions_post_bulk,
)
from people.models import Role, Team, User
from people.services import ImportedPerson, people_import, team_leaders_add
from rewards.models import Reward, RewardCategory
from rewards.services import ImportedRedemption, redemptions_import, reward_create

from .parsing import AWARD, REDEMPTION, Row
from .validation import signed_points

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
    rewards: dict[str, Reward] = field(default_factory=dict)
    created: Created = field(default_factory=Created)


def _latest_details(rows: Sequence[Row]) -> dict[str, Row]:
    """Per new employee, the row that says who they are now: the latest one in time."""
    latest: dict[str, Row] = {}
    for row in rows:
        seen = latest.get(row.employee_key)
        if seen is None or row.timestamp >= seen.timestamp:
            latest[row.employee_key] = row
    return latest


def people_create(rows: Sequence[Row], directory: Directory, *, actor: User | None = None) -> None:
    """Create the unknown people (and the teams they need); a new supervisor leads the teams of
    the people they awarded in the file. Existing people are left as they are."""
    details = _latest_details(rows)
    awarders = {row.supervisor_key: row.supervisor for row in rows if row.event == AWARD}
    new_keys = [k for k in {**details, **awarders} if k not in directory.people]
    if not new_keys:
        return
    new_people = []
    for key in new_keys:
        row = details.get(key)
        new_people.append(
            ImportedPerson(
                username=row.employee if row else awarders[key],
                display_name=(row.employee_name or row.employee) if row else awarders[key],
                role=Role.SUPERVISOR if key in awarders else Role.AGENT,
                employment_type=row.employment_type if row else "permanent",
                team=row.team if row else "",
            )
        )
    imported = people_import(people=new_people, actor=actor)
    for user in imported.people:
        directory.people[user.username.lower()] = user
    directory.created.people = len(imported.people)
    directory.created.teams = imported.teams_created

    new_supervisors = {key for key in new_keys if key in awarders}
    leads: set[tuple[User, Team]] = {
        (directory.people[row.supervisor_key], led)
        for row in rows
        if row.event == AWARD
        and row.supervisor_key in new_supervisors
        and (led := directory.people[row.employee_key].team) is not None
    }
    if leads:
        team_leaders_add(leads=leads, actor=actor)


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


def ledger_write(rows: Sequence[Row], directory: Directory, wallets: dict[int, Account]) -> None:
    """Post every row as a balanced transaction at its own time (the ledger moves the cached
    balances), then record the redemptions against their debits."""
    legacy = account_system(AccountKind.LEGACY_ISSUANCE).pk
    sink = account_system(AccountKind.REDEMPTIONS).pk
    reason = _legacy_reason().pk if any(row.event == AWARD for row in rows) else None
    people = {key: user.pk for key, user in directory.people.items()}
    rewards = {key: (reward.pk, reward.name_en) for key, reward in directory.rewards.items()}

    def postings() -> Iterator[BulkPosting]:
        for row in rows:
            employee = people[row.employee_key]
            wallet = wallets[employee].pk
            amount = signed_points(row)
            legs = (
                BulkLeg(wallet, amount),
                BulkLeg(legacy if row.event == AWARD else sink, -amount),
            )
            if row.event == AWARD:
                assert reason is not None
                giver = people[row.supervisor_key]
                yield BulkPosting(
                    kind=Kind.AWARD,
                    legs=legs,
                    created_at=row.timestamp,
                    idempotency_key=row.key,
                    actor_id=giver,
                    memo=f"{LEGACY_REASON_CODE}: {row.reason}"
                    if row.reason
                    else LEGACY_REASON_CODE,
                    award=BulkAward(giver, employee, reason, row.points, row.reason),
                )
            else:
                reward_id, reward_name = rewards[row.reward.lower()]
                yield BulkPosting(
                    kind=Kind.REDEMPTION,
                    legs=legs,
                    created_at=row.timestamp,
                    idempotency_key=row.key,
                    actor_id=employee,
                    memo=f"reward {reward_id}: {reward_name}",
                )

    ids = transactions_post_bulk(postings=postings())
    redemptions_import(
        redemptions=(
            ImportedRedemption(
                employee_id=people[row.employee_key],
                reward_id=rewards[row.reward.lower()][0],
                price_paid=row.points,
                debit_id=txn,
                created_at=row.timestamp,
            )
            for row, txn in zip(rows, ids, strict=True)
            if row.event == REDEMPTION
        )
    )
