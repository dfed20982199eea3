"""`rewards.services.reward_prices_move`: the one write of many prices (a pricing tick's)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from rewards.services import reward_prices_move
from tests.rewards.factories import RewardFactory

pytestmark = pytest.mark.django_db


def test_moves_log_price_and_price_of_the_given_rewards_only():
    # given
    moved, other = RewardFactory(base_price=100), RewardFactory(base_price=100)
    # when
    with transaction.atomic():
        reward_prices_move(reward_ids=[moved.pk], log_prices=[0.1], prices=[111])
    # then: ℓ reads back as the same float; the other reward is untouched
    moved.refresh_from_db()
    other.refresh_from_db()
    assert (moved.log_price, moved.current_price) == (0.1, 111)
    assert (other.log_price, other.current_price) == (0.0, 100)


def test_a_price_below_one_is_refused_by_the_database_and_nothing_moves():
    reward = RewardFactory(base_price=100)
    with pytest.raises(IntegrityError), transaction.atomic():
        reward_prices_move(reward_ids=[reward.pk], log_prices=[-9.0], prices=[0])
    reward.refresh_from_db()
    assert reward.current_price == 100
