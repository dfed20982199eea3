"""HTML pages of pricing: the market's catalogue pages with their prices, and HR's pricing pages."""

from .hr import pricing_view, tick_detail_view
from .market import reward_detail_view, reward_list_view
from .sales import sale_cancel_view, sale_list_view

__all__ = [
    "pricing_view",
    "reward_detail_view",
    "reward_list_view",
    "sale_cancel_view",
    "sale_list_view",
    "tick_detail_view",
]
