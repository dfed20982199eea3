"""Random redemption histories through the real services, priced by real ticks, against an
independent oracle: x counted in Python from the events, ℓ from the pure model."""

from __future__ import annotations

import numpy as np
import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pricing import engine
from pricing.replay import pricing_replay
from pricing.windows import model_of
from rewards.services import redemption_approve, redemption_cancel
from tests.people.factories import HRFactory

pytestmark = pytest.mark.django_db

DAYS = 4
# (day, agent, reward, what happens): rewards 0 and 1 settle at once; reward 2 needs approval
events = st.lists(
    st.tuples(
        st.integers(0, DAYS - 1),
        st.integers(0, 5),
        st.integers(0, 2),
        st.sampled_from(["keep", "cancel", "approve", "approve_next_day"]),
    ),
    max_size=10,
)


class Rollback(Exception):
    pass


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(history=events, bases=st.lists(st.integers(5, 40), min_size=3, max_size=3),
       late=st.booleans())  # fmt: skip
def test_ticks_follow_the_model_on_any_history(world, history, bases, late):
    try:
        with transaction.atomic():
            check(world, history, bases, late)
            raise Rollback
    except Rollback:
        pass


def check(world, history, bases, late):
    hr = HRFactory()
    rewards = [
        world.reward(bases[0]),
        world.reward(bases[1]),
        world.reward(bases[2], needs_approval=True),
    ]
    counted: list[set[tuple[int, int]]] = [set() for _ in range(DAYS)]
    for i, (day, agent, r, what) in enumerate(sorted(history)):
        bought = world.buy(world.agents[agent], rewards[r], day=day, hours=1 + i / 10)
        if r < 2:
            counted[day].add((r, agent))
        elif what == "cancel":
            redemption_cancel(employee=world.agents[agent], redemption=bought, at=world.at(day, 20))
        elif what == "approve":
            redemption_approve(approver=hr, redemption=bought, at=world.at(day, 20))
            counted[day].add((r, agent))
        elif what == "approve_next_day":
            redemption_approve(approver=hr, redemption=bought, at=world.at(day + 1, 0.5))
            if day + 1 < DAYS:
                counted[day + 1].add((r, agent))

    if late:
        world.tick(through=DAYS)
    else:
        for day in range(1, DAYS + 1):
            world.tick(through=day)

    ell = np.zeros(3)
    for day in range(DAYS):
        x = np.array([sum(1 for (r, _a) in counted[day] if r == k) for k in range(3)], dtype=float)
        ell = engine.step(model=model_of(world.version), log_price=ell, demand=x).log_price
    for reward, want in zip(rewards, ell, strict=True):
        reward.refresh_from_db()
        assert reward.log_price == want
        assert (
            reward.current_price
            == engine.prices(base_prices=[reward.base_price], log_prices=np.array([want]))[0]
        )
    assert pricing_replay().ok
