"""Every write of the market, by concern: the catalogue, quotes, redemptions, wishes.

Drawings (auctions and lotteries) are a package of their own, `rewards.drawings`.
"""

from .catalogue import (
    MAX_PRICE,
    MAX_STOCK,
    reward_activate,
    reward_create,
    reward_deactivate,
    reward_price_set,
    reward_prices_move,
    reward_restock,
    reward_update,
)
from .history import ImportedRedemption, redemptions_import
from .quotes import quote_create
from .redemptions import (
    can_decide,
    redemption_approve,
    redemption_cancel,
    redemption_create,
    redemption_fulfil,
    redemption_purchase,
    redemption_record,
    redemption_reject,
)
from .wishes import goal_clear, goal_set, wish_add, wish_move, wish_remove, wish_update

__all__ = [
    "MAX_PRICE",
    "MAX_STOCK",
    "ImportedRedemption",
    "can_decide",
    "goal_clear",
    "goal_set",
    "quote_create",
    "redemption_approve",
    "redemption_cancel",
    "redemption_create",
    "redemption_fulfil",
    "redemption_purchase",
    "redemption_record",
    "redemption_reject",
    "redemptions_import",
    "reward_activate",
    "reward_create",
    "reward_deactivate",
    "reward_price_set",
    "reward_prices_move",
    "reward_restock",
    "reward_update",
    "wish_add",
    "wish_move",
    "wish_remove",
    "wish_update",
]
