"""Reads of the integrity scan (its inputs from the ledger and the market) and of the flags."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from django.db.models import Count, Q, QuerySet

from ledger.models import Award
from people.models import Team
from rewards.models import Bid, Redemption, RedemptionState

from ..analysis.integrity import AwardRow, Target
from ..models import IntegrityFlag, IntegrityStatus

_NOT_BOUGHT = (RedemptionState.CANCELLED, RedemptionState.REJECTED)


def integrity_awards(*, start: datetime, end: datetime) -> list[AwardRow]:
    """Awards given in [start, end] that were not reversed (a reversed award is already undone)."""
    rows = (
        Award.objects.filter(created_at__gte=start, created_at__lte=end)
        .filter(transaction__reversed_by__isnull=True)
        .values_list("id", "giver_id", "recipient_id", "points", "message", "created_at")
        .order_by("created_at", "id")
    )
    return [AwardRow(*row) for row in rows]


def integrity_targets(*, start: datetime, end: datetime, big_points: int) -> list[Target]:
    """Moments people needed points: live bids at a drawing's close, and big purchases."""
    targets = [
        Target("drawing", drawing_id, employee_id, closes_at, amount, name)
        for drawing_id, employee_id, closes_at, amount, name in Bid.objects.filter(
            withdrawn=False, drawing__closes_at__gte=start, drawing__closes_at__lte=end
        ).values_list(
            "drawing_id", "employee_id", "drawing__closes_at", "amount", "drawing__reward__name_en"
        )
    ]
    targets += [
        Target("purchase", pk, employee_id, at, price, name)
        for pk, employee_id, at, price, name in Redemption.objects.filter(
            created_at__gte=start, created_at__lte=end, price_paid__gte=big_points
        )
        .exclude(state__in=_NOT_BOUGHT)
        .values_list("pk", "employee_id", "created_at", "price_paid", "reward__name_en")
    ]
    return targets


def team_sizes_of_leaders() -> dict[int, int]:
    """Per supervisor, how many active people the teams they lead have."""
    sizes: dict[int, int] = defaultdict(int)
    teams = Team.objects.annotate(n=Count("members", filter=Q(members__is_active=True)))
    for team in teams.prefetch_related("leaders"):
        for leader in team.leaders.all():
            sizes[leader.pk] += team.n
    return dict(sizes)


def integrity_flag_list(*, status: str | None = IntegrityStatus.OPEN) -> QuerySet[IntegrityFlag]:
    qs = IntegrityFlag.objects.prefetch_related("people")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-score", "-id")


def integrity_flag_awards(*, flag: IntegrityFlag) -> QuerySet[Award]:
    """The evidence, with what the reviewer needs: who, when, and whether already reversed."""
    return flag.awards.select_related("giver", "recipient", "transaction__reversed_by").order_by(
        "created_at", "id"
    )
