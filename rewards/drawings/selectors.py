"""Reads of drawings: who takes part, what they bid, what each sees."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, F, Q, QuerySet

from people.models import User

from ..models import Bid, BidResult, Drawing, DrawingState


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
