"""HTML pages of pricing for HR (the market's own pages show prices: see rewards.views)."""

from .hr import pricing_view, tick_detail_view
from .sales import sale_cancel_view, sale_list_view

__all__ = ["pricing_view", "sale_cancel_view", "sale_list_view", "tick_detail_view"]
