"""Helpers for drawing tests: create one through the real service, and make it due."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from people.models import User
from rewards.drawings import drawing_create
from rewards.models import Drawing, Reward
from tests.people.factories import HRFactory
from tests.rewards.factories import RewardFactory


def make_drawing(
    *,
    rule: str = "auction",
    stock: int = 1,
    price: int = 50,
    floor: int | None = None,
    reward: Reward | None = None,
    hr: User | None = None,
    closes_in: timedelta = timedelta(hours=1),
    needs_approval: bool = False,
) -> Drawing:
    if reward is None:
        reward = RewardFactory.create(
            stock=stock, base_price=price, current_price=price, needs_approval=needs_approval
        )
    now = timezone.now()
    return drawing_create(
        actor=hr or HRFactory(),
        reward=reward,
        rule=rule,
        opens_at=now - timedelta(hours=1),
        closes_at=now + closes_in,
        floor=floor,
    )


def make_due(drawing: Drawing) -> None:
    """Move the closing time into the past (as if the clock had reached it)."""
    Drawing.objects.filter(pk=drawing.pk).update(
        closes_at=timezone.now() - timedelta(milliseconds=1)
    )
    drawing.refresh_from_db()
