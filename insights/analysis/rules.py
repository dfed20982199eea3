"""Segment rules: which of binge, goal saver, steady, dormant or new a person is.

The thresholds are here, in one place, and the README ("HR insights: how segments are decided")
explains each. Rules are tried in order; the first that holds places the person.
"""

from __future__ import annotations

from typing import Any

from ..models import Segment
from .features import DAY, Features

NEW_DAYS = 90
"""First wallet activity within this many days of now: too early to judge."""
NEW_MIN_EVENTS = 3
"""Fewer wallet events than this, ever: too little history to judge."""
QUICK_DAYS = 3.0
"""A purchase this soon after the balance first covered its price counts as 'as soon as'."""
BINGE_QUICK_SHARE = 0.6
"""Binge: at least this share of purchases made quickly (a quiet month or two is allowed)."""
BINGE_MAX_PRICE_MONTHS = 1.5
"""Binge: the typical (median) purchase costs at most this many months of earnings."""
BINGE_MIN_PER_YEAR = 4.0
"""Binge: many purchases, at least this many a year."""
BINGE_MAX_KEPT_MONTHS = 1.5
"""Binge: the balance kept (time-weighted mean) is low, at most this many months of earnings."""
BIG_MONTHS = 2.5
"""Goal saver: a 'big' purchase costs at least this many months of earnings."""
SAVER_BIG_SHARE = 0.5
"""Goal saver: at least this share of the points spent went on big purchases (an odd impulse
buy does not change the picture)."""
SAVING_MAX_SPENDS = 3
"""Goal saver still saving: at most this many (small) purchases in the window, ..."""
SAVING_STREAK_DAYS = 150
"""... a stretch of at least this many days without a purchase, ..."""
SAVING_KEPT_MONTHS = 3.0
"""... and a balance kept of at least this many months of earnings."""


def classify(f: Features, *, now: float) -> tuple[str, str]:
    """(segment, rule) for one person's window features."""
    if f.first_ts is None or f.events < NEW_MIN_EVENTS:
        return Segment.NEW, "too_few_events"
    if now - f.first_ts < NEW_DAYS * DAY:
        return Segment.NEW, "recent_start"
    n = len(f.spends)
    big = f.max_price_months is not None and f.max_price_months >= BIG_MONTHS
    if n == 0:
        return Segment.DORMANT, "no_redemptions" if f.earned else "no_activity"
    if big and (f.big_share or 0.0) >= SAVER_BIG_SHARE:
        return Segment.GOAL_SAVER, "big_purchases"
    if (
        n <= SAVING_MAX_SPENDS
        and f.longest_streak_days >= SAVING_STREAK_DAYS
        and (f.balance_kept_months or 0.0) >= SAVING_KEPT_MONTHS
    ):
        return Segment.GOAL_SAVER, "saving_up"
    per_year = n / max(f.active_months, 1.0) * 12
    if (
        (f.quick_share or 0.0) >= BINGE_QUICK_SHARE
        and (f.median_price_months or 0.0) <= BINGE_MAX_PRICE_MONTHS
        and per_year >= BINGE_MIN_PER_YEAR
        and (f.balance_kept_months or 0.0) <= BINGE_MAX_KEPT_MONTHS
    ):
        return Segment.BINGE, "quick_small_purchases"
    return Segment.STEADY, "regular_purchases"


def _r(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def evidence(f: Features) -> dict[str, Any]:
    """The few numbers behind a segment, as shown to HR (JSON-safe, rounded)."""
    n = len(f.spends)
    return {
        "redemptions": n,
        "redemptions_per_year": _r(n / max(f.active_months, 1.0) * 12),
        "earned": f.earned,
        "monthly_earnings": _r(f.monthly_earnings, 0),
        "median_days_to_redeem": _r(f.median_lag_days),
        "quick_share": _r(f.quick_share, 2),
        "median_price_months": _r(f.median_price_months, 2),
        "max_price_months": _r(f.max_price_months, 2),
        "big_share": _r(f.big_share, 2),
        "longest_saving_streak_days": round(f.longest_streak_days),
        "balance_kept_months": _r(f.balance_kept_months, 2),
        "balance_now": f.balance_now,
        "days_since_last_redemption": _r(f.days_since_last_spend, 0),
        "active_months": _r(f.active_months),
    }
