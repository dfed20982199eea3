"""A small market with a daily pricing clock that started twenty days ago."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import count

import pytest
from django.utils import timezone

from ledger.models import AwardReason
from people.models import User
from pricing.engine import grid_floor
from pricing.models import ParameterSet, Tick
from pricing.services import parameters_set, pricing_tick_run
from rewards.models import Redemption, Reward
from rewards.services import quote_create, redemption_create, reward_create
from tests.people.factories import AgentFactory, TeamFactory
from tests.rewards.conftest import fund_wallets

DAY = timedelta(days=1)
_names = count(1)


@dataclass
class World:
    start: datetime
    agents: list[User]
    version: ParameterSet

    def at(self, day: float, hours: float = 1) -> datetime:
        """A moment inside day `day`'s window (windows are [start + day, start + day + 1))."""
        return self.start + day * DAY + timedelta(hours=hours)

    def reward(self, base: int, **options) -> Reward:
        n = next(_names)
        options.setdefault("at", self.start - timedelta(hours=1))
        return reward_create(
            name_fi=f"Palkinto {n}", name_en=f"Reward {n}", base_price=base, **options
        )

    def buy(self, agent: User, reward: Reward, *, day: float, hours: float = 1) -> Redemption:
        moment = self.at(day, hours)
        quote = quote_create(employee=agent, reward=reward, at=moment)
        return redemption_create(employee=agent, quote=quote, at=moment)

    def tick(self, *, through: int) -> list[Tick]:
        """Price every window that has closed by the start of day `through`."""
        return pricing_tick_run(now=self.start + through * DAY)


@pytest.fixture
def world(reason: AwardReason) -> World:
    start = grid_floor(timezone.now() - 20 * DAY, 86_400)
    team = TeamFactory()
    agents = [AgentFactory(team=team) for _ in range(6)]
    fund_wallets(reason=reason, agents=agents, points=500)
    version = parameters_set(actor=None, values={"tick_seconds": 86_400}, effective_from=start)
    return World(start=start, agents=agents, version=version)
