"""The busiest pages read a constant number of queries however large the contact centre grows:
the market (a catalogue of 25 → 2,500 rewards), HR's list of all redemptions and the insights
pages (30 → 3,000 people, each with a redemption). Rows are bulk-created: only the count of
queries is under test here, not the history's bookkeeping."""

from __future__ import annotations

import itertools

import pytest
from django.contrib.auth.hashers import make_password
from django.test import Client
from django.utils import timezone

from insights.services import insights_recompute
from ledger.models import AccountKind, Entry, Thanks, ThanksReaction, Transaction, TransactionKind
from ledger.services import account_system
from people.models import Role, Team, User
from rewards.models import Redemption, RedemptionState, Reward, RewardActivation
from tests.ledger.factories import AwardReasonFactory
from tests.people.factories import AgentFactory, HRFactory
from tests.statements import statements

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("postgres")]

PAGES = [
    "/market/",
    "/hr/redemptions/",
    "/hr/insights/",
    "/hr/insights/people/",
    "/thanks/",
    "/team/not-recognised/",
]
_serial = itertools.count()


def grow(*, rewards: int, people: int) -> None:
    """Add `rewards` rewards and `people` agents (in teams of 30), each agent with one redemption."""
    n = next(_serial)
    now = timezone.now()
    made = Reward.objects.bulk_create(
        Reward(
            name_fi=f"Palkinto {n}.{i}",
            name_en=f"Reward {n}.{i}",
            category="other",
            base_price=10 + i % 90,
            current_price=10 + i % 90,
            active=True,
        )
        for i in range(rewards)
    )
    RewardActivation.objects.bulk_create(
        RewardActivation(reward=r, active=True, at=r.created_at) for r in made
    )
    teams = Team.objects.bulk_create(
        Team(name=f"Team {n}.{t}") for t in range(max(1, people // 30))
    )
    unusable = make_password(None)
    agents = User.objects.bulk_create(
        User(
            username=f"grow-{n}-{i}",
            display_name=f"Agent {n}.{i}",
            role=Role.AGENT,
            team=teams[i % len(teams)],
            password=unusable,
        )
        for i in range(people)
    )
    debits = Transaction.objects.bulk_create(
        Transaction(
            kind=TransactionKind.REDEMPTION,
            memo="grown",
            actor=a,
            idempotency_key=f"grow:{n}:{a.pk}",
            created_at=now,
        )
        for a in agents
    )
    # Two entries each (the ledger's deferred trigger checks them at the end of the test); between
    # system accounts, which keep no balance to disagree with.
    issuance, sink = account_system(AccountKind.ISSUANCE), account_system(AccountKind.REDEMPTIONS)
    Entry.objects.bulk_create(
        Entry(transaction=d, account=account, amount=amount)
        for d in debits
        for account, amount in ((issuance, -10), (sink, 10))
    )
    # Every other agent thanked by the previous one, each thanks with a reaction: the thanks feed
    # and "not recognised lately" read them.
    reason = AwardReasonFactory(code="grow-thanks")
    thanks = Thanks.objects.bulk_create(
        Thanks(giver=agents[i - 1], recipient=agents[i], reason=reason, message="Kiitos!")
        for i in range(1, len(agents), 2)
    )
    ThanksReaction.objects.bulk_create(
        ThanksReaction(thanks=t, user=t.giver, emoji="clap") for t in thanks
    )
    Redemption.objects.bulk_create(
        Redemption(
            employee=a,
            reward=made[i % len(made)],
            price_paid=10,
            state=RedemptionState.APPROVED,
            debit=d,
            created_at=now,
            updated_at=now,
            settled_at=now,
        )
        for i, (a, d) in enumerate(zip(agents, debits, strict=True))
    )


def queries_of(client: Client, page: str) -> int:
    with statements() as found:
        response = client.get(page)
    assert response.status_code == 200, page
    return found.count


def test_the_busiest_pages_read_a_constant_number_of_queries_as_everything_grows():
    agent, hr = AgentFactory(), HRFactory()
    as_agent, as_hr = Client(), Client()
    as_agent.force_login(agent)
    as_hr.force_login(hr)
    grow(rewards=25, people=30)
    insights_recompute()
    small = {page: queries_of(as_agent if page == "/market/" else as_hr, page) for page in PAGES}

    grow(rewards=2_475, people=2_970)
    insights_recompute()
    large = {page: queries_of(as_agent if page == "/market/" else as_hr, page) for page in PAGES}

    assert large == small
