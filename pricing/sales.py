"""What a sale does to the price people pay (registered with the market in AppConfig.ready)."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q

from rewards.models import Reward

from .models import Sale


def sales_at(moment: datetime) -> list[Sale]:
    """Sales running at `moment`, with their rewards (two queries)."""
    return list(
        Sale.objects.filter(starts_at__lte=moment, ends_at__gt=moment)
        .filter(Q(cancelled_at__isnull=True) | Q(cancelled_at__gt=moment))
        .prefetch_related("rewards")
    )


def sale_price(price: int, multiplier: Decimal) -> int:
    """The market price × the multiplier, rounded half up, at least 1."""
    return max(1, int((Decimal(price) * multiplier).quantize(Decimal(1), rounding=ROUND_HALF_UP)))


def sale_for(reward: Reward, sales: list[Sale]) -> Sale | None:
    """The deepest running sale that covers `reward` (sales do not stack)."""
    covering = [
        sale
        for sale in sales
        if sale.all_rewards
        or reward.category in sale.categories
        or any(r.pk == reward.pk for r in sale.rewards.all())
    ]
    return min(covering, key=lambda sale: (sale.multiplier, sale.pk), default=None)


def sale_prices(rewards: list[Reward], moment: datetime) -> dict[int, int]:
    """{reward id: sale price} for the rewards on sale at `moment`."""
    sales = sales_at(moment)
    if not sales:
        return {}
    prices = {}
    for reward in rewards:
        sale = sale_for(reward, sales)
        if sale is not None:
            prices[reward.pk] = sale_price(reward.current_price, sale.multiplier)
    return prices
