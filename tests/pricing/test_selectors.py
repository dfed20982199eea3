"""The plain-language reason for a price, and the next repricing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from pricing.selectors import next_repricing, price_explanation
from rewards.services import reward_price_set

pytestmark = pytest.mark.django_db


RULE = (
    "Demand above the average raises a price; without it the price drifts back towards its base "
    "price."
)


def test_the_reason_for_a_price_names_the_demand_and_compares_it(world):
    a, b, c = world.reward(100), world.reward(100), world.reward(100)
    with translation.override("en"):
        assert price_explanation(reward=a) == f"Nobody redeemed anything in the last week. {RULE}"
        world.buy(world.agents[0], a, day=19)  # yesterday
        world.buy(world.agents[1], a, day=19, hours=2)
        assert price_explanation(reward=a) == (
            "2 colleagues redeemed this in the last week, more than most rewards "
            f"(0.7 on average). {RULE}"
        )
        assert price_explanation(reward=b) == (
            f"Nobody redeemed this in the last week, while rewards averaged 0.7 colleagues. {RULE}"
        )
    with translation.override("fi"):
        assert "2 kollegaa" in price_explanation(reward=a)
        assert "0,7" in price_explanation(reward=c)


@pytest.mark.parametrize(
    ("base", "yesterday", "now", "says"),
    [
        (100, 100, 110, "Since yesterday it has risen 10.0 %."),
        (80, 100, 95, "Since yesterday it has fallen 5.0 %, back towards its base price."),
        (100, 90, 95, "Since yesterday it has risen 5.6 %, back towards its base price."),
        (120, 120, 110, "Since yesterday it has fallen 8.3 %."),
        (100, 110, 110, "It is unchanged since yesterday."),
    ],
)
def test_the_reason_states_the_same_move_as_the_badge(world, base, yesterday, now, says):
    # given: a reward that closed yesterday at `yesterday` and costs `now` today
    from pricing.models import PriceDay

    reward = reward_price_set(reward=world.reward(base), price=now)
    PriceDay.objects.update_or_create(
        reward=reward,
        day=timezone.localdate() - timedelta(days=1),
        defaults={"price": yesterday, "log_price": 0.0, "base_price": base},
    )
    with translation.override("en"):
        text = price_explanation(reward=reward)
    # then: the sentence about the move agrees with the badge's direction
    assert says in text, text
    if now > yesterday:
        assert "fallen" not in text
    if now < yesterday:
        assert "risen" not in text


def test_a_price_at_its_ceiling_says_so(world):
    a = world.reward(100)
    world.reward(100)

    a = reward_price_set(reward=world.reward(100), price=200)
    with translation.override("en"):
        assert price_explanation(reward=a).endswith("It is at its ceiling: 2 × the base price.")


def test_the_next_repricing_is_the_end_of_the_open_window(world):
    world.tick(through=20)
    assert timezone.now() < next_repricing() <= timezone.now() + timedelta(days=1)
