"""The database holds the market's invariants even against code that skips the services."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F

from rewards import services
from rewards.models import Redemption, RedemptionState, Reward
from tests.rewards.factories import RewardFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("postgres")]


def test_stock_never_goes_below_zero():
    reward = RewardFactory(stock=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        Reward.objects.filter(pk=reward.pk).update(stock=F("stock") - 1)
    reward.refresh_from_db()
    assert reward.stock == 0


@pytest.mark.parametrize("field", ["base_price", "current_price"])
def test_prices_are_positive(field):
    reward = RewardFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Reward.objects.filter(pk=reward.pk).update(**{field: 0})


def test_a_refund_exists_exactly_for_cancelled_and_rejected(crew, fund):
    agent = crew.agents[0]
    fund([agent], 100)
    reward = RewardFactory(base_price=10, needs_approval=True)
    redemption = services.redemption_create(
        employee=agent, quote=services.quote_create(employee=agent, reward=reward)
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Redemption.objects.filter(pk=redemption.pk).update(state=RedemptionState.CANCELLED)
    cancelled = services.redemption_cancel(employee=agent, redemption=redemption)
    with pytest.raises(IntegrityError), transaction.atomic():
        Redemption.objects.filter(pk=cancelled.pk).update(state=RedemptionState.APPROVED)
