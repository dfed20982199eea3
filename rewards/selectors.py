"""Reads of the market: the catalogue, redemptions by role, and goal progress."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone

from ledger.models import AccountKind, Entry, TransactionKind
from ledger.selectors import balance_of
from people.models import User

from .models import Bid, BidResult, Drawing, DrawingState, Goal, Redemption, Reward

EARNING_WINDOW_DAYS = 90


def rewards_for(*, user: User) -> QuerySet[Reward]:
    """The catalogue as `user` sees it: HR sees inactive rewards too."""
    qs = Reward.objects.all()
    return qs if user.is_hr else qs.filter(active=True)


def redemptions_visible_to(*, user: User) -> QuerySet[Redemption]:
    """Own redemptions; a supervisor also those of their teams' members; HR all of them."""
    qs = Redemption.objects.select_related("reward", "employee", "employee__team", "decided_by")
    if user.is_hr:
        return qs
    if user.is_supervisor:
        return qs.filter(Q(employee=user) | Q(employee__team__leaders=user)).distinct()
    return qs.filter(employee=user)


@dataclass(frozen=True)
class GoalProgress:
    goal: Goal
    balance: int
    price: int
    remaining: int
    percent: int
    reached: bool
    daily_earning: float
    projected_date: date | None


def average_daily_earning(*, user: User, days: int = EARNING_WINDOW_DAYS) -> float:
    """Points awarded into the user's wallet over the last `days` days, per day; an award that was
    reversed (a mistake corrected) does not count."""
    since = timezone.now() - timedelta(days=days)
    total = Entry.objects.filter(
        Q(transaction__kind=TransactionKind.AWARD)
        | Q(
            transaction__kind=TransactionKind.REVERSAL,
            transaction__reverses__kind=TransactionKind.AWARD,
        ),
        account__owner=user,
        account__kind=AccountKind.WALLET,
        transaction__created_at__gte=since,
    ).aggregate(total=Sum("amount"))["total"]
    return max(0, int(total or 0)) / days


def goal_progress(*, user: User) -> GoalProgress | None:
    """How far the user is from their goal, and when they may reach it at their recent pace."""
    goal = Goal.objects.select_related("reward").filter(employee=user).first()
    if goal is None:
        return None
    balance = balance_of(user=user)
    price = goal.reward.current_price
    remaining = max(0, price - balance)
    daily = average_daily_earning(user=user)
    today = timezone.localdate()
    if remaining == 0:
        projected: date | None = today
    elif daily > 0:
        projected = today + timedelta(days=math.ceil(remaining / daily))
    else:
        projected = None
    return GoalProgress(
        goal=goal,
        balance=balance,
        price=price,
        remaining=remaining,
        percent=min(100, balance * 100 // price),
        reached=remaining == 0,
        daily_earning=round(daily, 2),
        projected_date=projected,
    )


# --- Drawings -----------------------------------------------------------------------------------


def drawing_participants(*, start: datetime, end: datetime) -> QuerySet[Bid, dict[str, Any]]:
    """(reward_id, employee_id) once per distinct bidder or entrant whose bid was live at the close
    of a drawing that closed in [start, end): the drawing's demand for the pricing window."""
    return (
        Bid.objects.filter(
            drawing__closed_at__gte=start,
            drawing__closed_at__lt=end,
            result__in=[BidResult.WON, BidResult.LOST],
        )
        .annotate(reward_id=F("drawing__reward_id"))
        .values("reward_id", "employee_id")
        .distinct()
    )


def drawings_for(*, user: User) -> QuerySet[Drawing]:
    """Every drawing (they are public), soonest closing first among the live ones."""
    return Drawing.objects.select_related("reward").annotate(
        live_bidders=Count("bids", filter=Q(bids__withdrawn=False))
    )


def drawing_live_bidders(*, drawing: Drawing) -> int:
    """How many people have a live bid or entry (their amounts stay sealed)."""
    if drawing.state == DrawingState.CLOSED:
        return drawing.bidders
    return Bid.objects.filter(drawing=drawing, withdrawn=False).count()


def bid_of(*, drawing: Drawing, user: User) -> Bid | None:
    return (
        Bid.objects.select_related("hold", "redemption")
        .filter(drawing=drawing, employee=user)
        .first()
    )


def drawing_entries(*, drawing: Drawing) -> list[Bid]:
    """After the close: the live bids or entries (ids, amounts, results) for anyone to check."""
    if drawing.state != DrawingState.CLOSED:
        return []
    return list(
        Bid.objects.filter(drawing=drawing, withdrawn=False).order_by("-amount", "placed_at", "pk")
    )
