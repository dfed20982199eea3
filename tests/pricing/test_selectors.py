"""The plain-language reason for a price, and the next repricing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from pricing.selectors import next_repricing, price_explanation
from rewards.services import reward_price_set

pytestmark = pytest.mark.django_db


def test_the_reason_for_a_price_names_the_demand_and_compares_it(world):
    a, b, c = world.reward(100), world.reward(100), world.reward(100)
    with translation.override("en"):
        assert price_explanation(reward=a) == (
            "Nobody redeemed anything in the last week, so prices drift back to base."
        )
        world.buy(world.agents[0], a, day=19)  # yesterday
        world.buy(world.agents[1], a, day=19, hours=2)
        assert price_explanation(reward=a) == (
            "2 colleagues redeemed this in the last week, more than most rewards "
            "(0.7 on average), so the price is rising."
        )
        assert price_explanation(reward=b) == (
            "Nobody redeemed this in the last week, while rewards averaged 0.7 colleagues, "
            "so the price is easing."
        )
    with translation.override("fi"):
        assert "2 kollegaa" in price_explanation(reward=a)
        assert "0,7" in price_explanation(reward=c)


def test_a_price_at_its_ceiling_says_so(world):
    a = world.reward(100)
    world.reward(100)

    a = reward_price_set(reward=world.reward(100), price=200)
    with translation.override("en"):
        assert price_explanation(reward=a).endswith("It is at its ceiling: 2 × the base price.")


def test_the_next_repricing_is_the_end_of_the_open_window(world):
    world.tick(through=20)
    assert timezone.now() < next_repricing() <= timezone.now() + timedelta(days=1)
