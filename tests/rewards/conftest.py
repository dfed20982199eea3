"""Market fixtures: agents with real points in their wallets."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from ledger.models import AwardReason, Entry, Transaction
from ledger.services import award_create
from people.models import User
from rewards.models import LeaverSettlement
from tests.conftest import fund_budget
from tests.people.factories import SupervisorFactory


def fund_wallets(
    *, reason: AwardReason, agents: list[User], points: int, by_hr: bool = False
) -> User:
    """Put `points` into each agent's wallet through real awards, from a fresh supervisor who
    leads the agents' teams (a budget period is granted once, so each call gets its own).
    `by_hr`: the giver is also a superuser (HR), who alone may award team leaders."""
    giver: User = SupervisorFactory(is_superuser=by_hr)  # type: ignore[assignment]
    giver.led_teams.add(*{agent.team_id for agent in agents})
    fund_budget(giver, points * len(agents))
    for agent in agents:
        left = points
        while left > 0:
            step = min(left, 500)  # settings.AWARD_MAX_POINTS
            award_create(giver=giver, recipient=agent, reason=reason, points=step)
            left -= step
    return giver


@pytest.fixture
def fund(reason: AwardReason) -> Callable[[list[User], int], User]:
    def give(agents: list[User], points: int) -> User:
        return fund_wallets(reason=reason, agents=agents, points=points)

    return give


def leaver_writes() -> tuple[int, int, int, int]:
    """What a refused leaver's request must leave alone: ledger rows, settlements, audit events."""
    return (
        Transaction.objects.count(),
        Entry.objects.count(),
        LeaverSettlement.objects.count(),
        AuditEvent.objects.count(),
    )


@pytest.fixture
def left_yesterday(crew, fund) -> User:
    """An agent with 420 points whose last working day was yesterday."""
    agent: User = crew.agents[0]
    fund([agent], 420)
    agent.employment_end = timezone.localdate() - timedelta(days=1)
    agent.save(update_fields=["employment_end"])
    return agent
