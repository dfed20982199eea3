"""What people pay now: the reward's market price, with any sale applied.

The market does not import pricing (pricing sits above it and reads redemptions). Pricing
registers, from its AppConfig.ready(), the function that knows about sales; without it the price
people pay is the market price.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from .models import Reward

PriceFunction = Callable[[list[Reward], datetime], dict[int, int]]
"""Given rewards and a moment, return {reward id: price to pay} for those whose price differs."""

_adjusters: list[PriceFunction] = []


def price_adjuster_register(adjust: PriceFunction) -> None:
    if adjust not in _adjusters:
        _adjusters.append(adjust)


def prices_now(rewards: Iterable[Reward], *, at: datetime | None = None) -> dict[int, int]:
    """{reward id: what a purchase costs at `at`} for a batch of rewards (one query per adjuster)."""
    batch = list(rewards)
    moment = at or timezone.now()
    prices = {reward.pk: reward.current_price for reward in batch}
    for adjust in _adjusters:
        for pk, price in adjust(batch, moment).items():
            prices[pk] = min(prices[pk], price)
    return prices


def price_now(reward: Reward, *, at: datetime | None = None) -> int:
    return prices_now([reward], at=at)[reward.pk]


def market_price(base_price: int, log_price: float) -> int:
    """Spec §3 step 6: P = round_half_up(B · e^ℓ), at least 1."""
    return max(1, math.floor(base_price * math.exp(log_price) + 0.5))


QuoteValidity = Callable[[datetime], int]
_validity: list[QuoteValidity] = []


def quote_validity_register(validity: QuoteValidity) -> None:
    _validity[:] = [validity]


def quote_validity_seconds(*, at: datetime) -> int:
    """How long a quote made at `at` holds: pricing's parameters say, else QUOTE_VALIDITY_SECONDS."""
    if _validity:
        return _validity[0](at)
    return int(settings.QUOTE_VALIDITY_SECONDS)
