"""Ticks on the database: real redemptions in, spec §3's prices out, explained and replayable."""

from __future__ import annotations

import math
import time
from datetime import timedelta

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from pricing import engine
from pricing.errors import ParametersInPastError
from pricing.models import ParameterSet, PriceDay, Tick, TickLine
from pricing.replay import pricing_replay
from pricing.services import parameters_set, pricing_tick_run, sale_create
from pricing.windows import model_of
from rewards.drawings import bid_place, drawing_close
from rewards.models import Reward
from rewards.services import (
    redemption_approve,
    redemption_cancel,
    redemption_reject,
    reward_price_set,
)
from tests.people.factories import HRFactory
from tests.pricing.conftest import DAY
from tests.rewards.drawing_support import make_drawing, make_due

pytestmark = pytest.mark.django_db


def state() -> list[list[tuple]]:
    """Everything a tick writes."""
    return [
        list(
            Tick.objects.order_by("id").values_list("window_start", "window_end", "parameters_id")
        ),
        list(
            TickLine.objects.order_by("id").values_list("reward_id", "demand", "log_price", "price")
        ),
        list(PriceDay.objects.order_by("id").values_list("reward_id", "day", "price")),
        list(Reward.objects.order_by("id").values_list("id", "log_price", "current_price")),
    ]


def worked_example(world):
    """Three rewards and day 0's demand x = (4, 1, 0), as in the engine's worked example."""
    a, b, c = world.reward(100), world.reward(200), world.reward(50)
    for agent in world.agents[:4]:
        world.buy(agent, a, day=0)
    world.buy(world.agents[0], a, day=0, hours=5)  # the same person again: still one
    world.buy(world.agents[0], b, day=0, hours=6)
    return a, b, c


def test_a_tick_prices_real_redemptions_as_worked_out_by_hand(world):
    # given
    a, b, c = worked_example(world)

    # when
    ticks = world.tick(through=1)

    # then: see tests/pricing/test_engine.py::test_worked_example_by_hand for the arithmetic
    assert len(ticks) == 1
    tick = ticks[0]
    assert (tick.window_start, tick.window_end) == (world.start, world.start + DAY)
    assert tick.parameters_id == world.version.pk
    assert (tick.rewards_count, tick.demand_total, tick.demand_mean) == (3, 5, 5 / 3)
    lines = {line.reward_id: line for line in tick.lines.all()}
    assert [lines[r.pk].demand for r in (a, b, c)] == [4, 1, 0]
    assert [lines[r.pk].price for r in (a, b, c)] == [102, 198, 49]
    assert math.isclose(lines[a.pk].z, math.log(18 / 11))
    assert math.isclose(lines[a.pk].log_price, 0.05 * math.log(18 / 11))
    for reward in (a, b, c):
        reward.refresh_from_db()
        assert reward.log_price == lines[reward.pk].log_price
        assert reward.current_price == lines[reward.pk].price
    day = PriceDay.objects.get(reward=a)
    assert (day.price, day.log_price, day.base_price) == (102, lines[a.pk].log_price, 100)

    # and the next day, with no demand, every ℓ shrinks by λ = 10 %
    world.tick(through=2)
    a.refresh_from_db()
    assert math.isclose(a.log_price, 0.9 * lines[a.pk].log_price)
    assert a.current_price == 102


def test_running_a_tick_twice_changes_nothing(world):
    worked_example(world)
    world.tick(through=1)
    before = state()

    assert world.tick(through=1) == []
    assert state() == before


def test_a_window_still_open_is_never_priced(world):
    worked_example(world)
    assert world.tick(through=0) == []
    assert pricing_tick_run(now=world.start + DAY - timedelta(microseconds=1)) == []
    assert not Tick.objects.exists()


@pytest.mark.parametrize("late", [False, True], ids=["on-time", "late"])
def test_a_late_catch_up_ends_where_on_time_ticks_would(world, late):
    # given: three windows of demand for two rewards
    a, b = world.reward(80), world.reward(120)
    plan = {0: [a, a, b], 1: [b], 2: [a, b, b]}
    for day, rewards in plan.items():
        for i, reward in enumerate(rewards):
            world.buy(world.agents[i], reward, day=day)

    # when
    if late:
        ticks = world.tick(through=3)
    else:
        ticks = [t for day in (1, 2, 3) for t in world.tick(through=day)]

    # then: three ticks, in order, ending where three steps of the pure model end
    assert [t.window_start for t in ticks] == [world.start + d * DAY for d in range(3)]
    ell = np.zeros(2)
    for x in ([2, 1], [0, 1], [1, 2]):
        ell = engine.step(
            model=model_of(world.version), log_price=ell, demand=np.array(x, float)
        ).log_price
    a.refresh_from_db()
    b.refresh_from_db()
    assert [a.log_price, b.log_price] == ell.tolist()
    assert [a.current_price, b.current_price] == engine.prices(
        base_prices=[80, 120], log_prices=ell
    )


def test_one_person_counts_once_per_reward_per_window(world):
    a, b = world.reward(60), world.reward(60)
    for hours in (1, 2, 3):
        world.buy(world.agents[0], a, day=0, hours=hours)
    world.buy(world.agents[1], b, day=0)
    world.buy(world.agents[0], a, day=1)  # a new window: counts again

    ticks = world.tick(through=2)

    assert [line.demand for line in ticks[0].lines.order_by("reward_id")] == [1, 1]
    assert [line.demand for line in ticks[1].lines.order_by("reward_id")] == [1, 0]


def test_redeem_then_cancel_leaves_prices_as_if_neither_happened(world):
    # given: a reward needing approval, bought and cancelled; another bought, approved, rejected
    a = world.reward(100, needs_approval=True)
    b = world.reward(100, needs_approval=True)
    c = world.reward(100)
    hr = HRFactory()
    redemption_cancel(employee=world.agents[0], redemption=world.buy(world.agents[0], a, day=0),
                      at=world.at(0, 2))  # fmt: skip
    bought = world.buy(world.agents[1], b, day=0)
    redemption_approve(approver=hr, redemption=bought, at=world.at(0, 2))
    redemption_reject(approver=hr, redemption=bought, reason="no", at=world.at(0, 3))

    # when
    (tick,) = world.tick(through=1)

    # then: nobody counts; with x = 0 everywhere and ℓ = 0 nothing moves
    assert [line.demand for line in tick.lines.all()] == [0, 0, 0]
    for reward in (a, b, c):
        reward.refresh_from_db()
        assert (reward.log_price, reward.current_price) == (0.0, 100)


def test_an_approved_redemption_counts_in_the_window_it_was_approved(world):
    a, b = world.reward(100, needs_approval=True), world.reward(100)
    pending = world.buy(world.agents[0], a, day=0)
    redemption_approve(approver=HRFactory(), redemption=pending, at=world.at(1))

    first, second = world.tick(through=2)

    assert first.lines.get(reward=a).demand == 0  # still cancellable by its owner on day 0
    assert second.lines.get(reward=a).demand == 1
    assert second.lines.get(reward=b).demand == 0


def test_a_rejection_after_the_close_does_not_reach_back(world):
    a, _b = world.reward(100), world.reward(100)
    bought = world.buy(world.agents[0], a, day=0)
    world.tick(through=1)

    redemption_reject(approver=HRFactory(), redemption=bought, reason="late", at=world.at(1))
    world.tick(through=2)

    report = pricing_replay()
    assert report.ok, report.differences
    assert Tick.objects.order_by("window_start").first().lines.get(reward=a).demand == 1


def test_inactive_rewards_are_left_out_and_new_ones_join_their_first_window(world):
    a = world.reward(100)
    world.reward(100, active=False)
    late = world.reward(100, at=world.at(1, 12))
    world.buy(world.agents[0], a, day=0)

    first, second = world.tick(through=2)

    assert list(first.lines.values_list("reward_id", flat=True)) == [a.pk]
    assert first.demand_mean == 1.0  # x̄ over active rewards only
    assert sorted(second.lines.values_list("reward_id", flat=True)) == [a.pk, late.pk]


def test_the_replay_reproduces_every_price_and_reports_a_change_made_by_hand(world, capsys):
    # given: a few windows of demand
    _a, b, c = worked_example(world)
    world.buy(world.agents[4], c, day=1)
    world.buy(world.agents[5], c, day=2)
    world.tick(through=4)

    # when / then: the replay agrees to the last bit
    call_command("pricing_replay")
    assert "every ℓ and price agrees" in capsys.readouterr().out

    # when someone moves a price by hand
    reward_price_set(reward=b, price=250)

    # then the replay says which reward and exits non-zero
    with pytest.raises(CommandError, match="1 difference"):
        call_command("pricing_replay")
    assert f"reward {b.pk}: stored ℓ=" in capsys.readouterr().out


def test_a_sale_changes_what_people_pay_never_the_log_price(world):
    # given: 20 % off reward a, running now and through day 0
    a, b, _c = world.reward(100), world.reward(200), world.reward(50)
    sale_create(actor=HRFactory(), name="Black Friday", multiplier="0.8",
                starts_at=world.start, ends_at=world.start + 30 * DAY, rewards=[a])  # fmt: skip
    paid = [world.buy(agent, a, day=0).price_paid for agent in world.agents[:4]]
    world.buy(world.agents[0], b, day=0)

    # when
    world.tick(through=1)

    # then: people paid 80; ℓ moved exactly as without a sale (the worked example)
    assert paid == [80] * 4
    a.refresh_from_db()
    assert math.isclose(a.log_price, 0.05 * math.log(18 / 11))
    assert a.current_price == 102
    assert pricing_replay().ok


def test_a_parameter_change_applies_from_the_next_window(world):
    # given: from day 1 at 12:00, hourly ticks with a much stronger η
    a, _b = world.reward(100), world.reward(100)
    hourly = parameters_set(actor=None, values={"tick_seconds": 3600, "eta": 0.5},
                            effective_from=world.at(1, 12))  # fmt: skip
    world.buy(world.agents[0], a, day=0)
    world.buy(world.agents[1], a, day=1, hours=12.5)

    # when: priced up to day 1 at 14:00
    ticks = pricing_tick_run(now=world.at(1, 14))

    # then: day 0 whole, day 1 cut at 12:00 under the old version, then hourly under the new one
    windows = [(t.window_start, t.window_end, t.parameters_id) for t in ticks]
    v1 = world.version.pk
    assert windows == [
        (world.start, world.start + DAY, v1),
        (world.start + DAY, world.at(1, 12), v1),
        (world.at(1, 12), world.at(1, 13), hourly.pk),
        (world.at(1, 13), world.at(1, 14), hourly.pk),
    ]
    # day 0: x = (1, 0), x̄ = 1/2, z = ln((1 + 2) / (1/2 + 2)) = ln 1.2, ℓ = 0.05 · ln 1.2
    z = math.log(1.2)
    first = 0.05 * z
    assert math.isclose(ticks[0].lines.get(reward=a).log_price, first)
    # day 1 until 12:00: nobody (the second purchase is at 12:30), ℓ shrinks by λ = 10 %
    assert math.isclose(ticks[1].lines.get(reward=a).log_price, 0.9 * first)
    # 12:00-13:00 under η = 0.5: Δ = 0.5 · ln 1.2 − 0.1 · ℓ = 0.0875, inside the cap of 0.0953
    step = 0.5 * z - 0.1 * 0.9 * first
    assert step < math.log(1.1)
    assert math.isclose(ticks[2].lines.get(reward=a).log_price, 0.9 * first + step)
    assert pricing_replay().ok


def test_parameters_cannot_take_effect_under_prices_already_set(world):
    world.reward(100)
    world.tick(through=2)

    with pytest.raises(ParametersInPastError):
        parameters_set(actor=None, values={"eta": 0.2}, effective_from=world.at(1))
    assert ParameterSet.objects.count() == 1


def test_the_bidders_of_a_drawing_count_in_the_window_it_closes(world):
    """Issue 6's market signal: each distinct bidder once, a winner's redemption not again."""
    # given: a drawing of a scarce reward closing now, with three bidders; the clock ticks by
    # the second from a minute ago
    scarce, other = world.reward(100, stock=1), world.reward(100)
    parameters_set(actor=None, values={"tick_seconds": 1},
                   effective_from=timezone.now() - timedelta(minutes=1))  # fmt: skip
    drawing = make_drawing(reward=scarce)
    for amount, agent in zip((120, 150, 110), world.agents, strict=False):
        bid_place(drawing=drawing, employee=agent, amount=amount)
    make_due(drawing)
    drawing = drawing_close(drawing=drawing)
    time.sleep(1.1)

    # when
    pricing_tick_run()

    # then
    tick = Tick.objects.get(window_start__lte=drawing.closed_at, window_end__gt=drawing.closed_at)
    assert tick.lines.get(reward=scarce).demand == 3  # the winner bought it too: still one
    assert tick.lines.get(reward=other).demand == 0
    assert pricing_replay().ok
