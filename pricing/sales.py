"""What a sale does to the price people pay (registered with the market in AppConfig.ready)."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from core import sql
from rewards.models import Reward

from .models import Sale


def sales_at(moment: datetime) -> list[Sale]:
    """Sales running at `moment`, each with `reward_ids`, the rewards it names (one statement, and
    a second only when a sale is running).

    Hand-written (`core.sql`): every quote and purchase asks, and building the ORM's query cost
    more CPU than PostgreSQL's answer."""
    when = sql.moment(moment)
    running = sql.rows(
        Sale,
        f"SELECT {sql.columns(Sale)} FROM {sql.table(Sale)} WHERE starts_at <= %s AND ends_at > %s "  # noqa: S608
        "AND (cancelled_at IS NULL OR cancelled_at > %s) ORDER BY starts_at DESC, id DESC",
        [when, when, when],
    )
    named: dict[int, set[int]] = {sale.pk: set() for sale in running}
    if running:
        through = Sale.rewards.through
        for sale_id, reward_id in through.objects.filter(sale_id__in=named).values_list(
            "sale_id", "reward_id"
        ):
            named[sale_id].add(reward_id)
    for sale in running:
        sale.reward_ids = frozenset(named[sale.pk])
    return running


def sale_price(price: int, multiplier: Decimal) -> int:
    """The market price × the multiplier, rounded half up, at least 1."""
    return max(1, int((Decimal(price) * multiplier).quantize(Decimal(1), rounding=ROUND_HALF_UP)))


def sale_for(reward: Reward, sales: list[Sale]) -> Sale | None:
    """The deepest running sale that covers `reward` (sales do not stack)."""
    covering = [
        sale
        for sale in sales
        if sale.all_rewards or reward.category in sale.categories or reward.pk in sale.reward_ids
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
