"""Price quotes: a promise of today's price for the quote validity; no stock is held."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from core import sql
from people.models import User

from ..errors import OutOfStockError, RewardInactiveError, RewardInDrawingError
from ..models import LIVE_DRAWING_STATES, Drawing, Quote, Reward
from ..prices import price_now, quote_validity_seconds


def quote_create(*, employee: User, reward: Reward, at: datetime | None = None) -> Quote:
    """Promise `employee` the reward's price now (a sale included) for the quote validity of the
    pricing parameters in force. No stock is held.

    `at` backdates the quote (demo history only); it defaults to now. A reward read just now with
    an `in_live_drawing` annotation (the API's) is taken as it is; any other is read again."""
    in_drawing = getattr(reward, "in_live_drawing", None)
    if in_drawing is None:
        reward.refresh_from_db(fields=["active", "current_price", "stock", "category"])
        in_drawing = Drawing.objects.filter(reward=reward, state__in=LIVE_DRAWING_STATES).exists()
    if not reward.active:
        raise RewardInactiveError()
    if reward.stock == 0:
        raise OutOfStockError()
    if in_drawing:
        raise RewardInDrawingError()
    now = at or timezone.now()
    return sql.insert(
        Quote(
            employee=employee,
            reward=reward,
            price=price_now(reward, at=now),
            created_at=now,
            expires_at=now + timedelta(seconds=quote_validity_seconds(at=now)),
        )
    )
