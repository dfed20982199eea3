"""Reads about leavers: HR's leavers page and the insights' points at risk."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from ledger.models import Account, AccountKind
from people.models import User

from ..models import LeaverPolicy, LeaverSettlement, Redemption, RedemptionState
from .services import leaver_policy_get, settle_from

PAST_DAYS = 180
"""How far back the leavers page lists those who have left."""
ROWS = 200
"""At most this many rows per list on the page (the CSV-free page of a big roster stays small)."""


@dataclass(frozen=True)
class LeaverRow:
    person: User
    end_date: date
    balance: int
    held: int
    pending_redemptions: int
    settle_on: date
    settlement: LeaverSettlement | None

    @property
    def available(self) -> int:
        return self.balance - self.held

    @property
    def days_left(self) -> int:
        return (self.end_date - timezone.localdate()).days


def _people_with_wallets(qs: QuerySet[User]) -> QuerySet[User]:
    wallet = Account.objects.filter(owner=OuterRef("pk"), kind=AccountKind.WALLET)
    pending = (
        Redemption.objects.filter(employee=OuterRef("pk"), state=RedemptionState.PENDING)
        .order_by()
        .values("employee")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return qs.annotate(
        wallet_balance=Coalesce(Subquery(wallet.values("balance")[:1]), Value(0)),
        wallet_held=Coalesce(Subquery(wallet.values("held")[:1]), Value(0)),
        pending_redemptions=Coalesce(Subquery(pending, output_field=IntegerField()), Value(0)),
    )


def _rows(people: list[User], policy: LeaverPolicy) -> list[LeaverRow]:
    settlements = {
        (s.person_id, s.end_date): s
        for s in LeaverSettlement.objects.filter(
            person__in=people, end_date__in={p.employment_end for p in people}
        ).select_related("reward", "settled_by")
    }
    rows = []
    for person in people:
        assert person.employment_end is not None
        rows.append(
            LeaverRow(
                person=person,
                end_date=person.employment_end,
                balance=int(person.wallet_balance),  # type: ignore[attr-defined]
                held=int(person.wallet_held),  # type: ignore[attr-defined]
                pending_redemptions=int(person.pending_redemptions),  # type: ignore[attr-defined]
                settle_on=settle_from(end_date=person.employment_end, policy=policy),
                settlement=settlements.get((person.pk, person.employment_end)),
            )
        )
    return rows


def leavers_overview(*, today: date | None = None) -> tuple[list[LeaverRow], list[LeaverRow]]:
    """(upcoming: last working day today or later, soonest first; past: within `PAST_DAYS`,
    latest first), each at most `ROWS` rows, with wallets, pending redemptions, settlements."""
    today = today or timezone.localdate()
    policy = leaver_policy_get()
    base = _people_with_wallets(User.objects.filter(employment_end__isnull=False))
    upcoming = list(base.filter(employment_end__gte=today).order_by("employment_end", "pk")[:ROWS])
    past = list(
        base.filter(
            employment_end__lt=today, employment_end__gte=today - timedelta(PAST_DAYS)
        ).order_by("-employment_end", "pk")[:ROWS]
    )
    return _rows(upcoming, policy), _rows(past, policy)


@dataclass(frozen=True)
class PointsAtRisk:
    within_days: int
    rows: list[LeaverRow]
    total: int
    people: int


def points_at_risk(*, within_days: int = 30, today: date | None = None) -> PointsAtRisk:
    """Free points of people whose last working day is within `within_days`, or who have left
    and are not settled yet (in the grace period): what lapses or converts unless spent."""
    today = today or timezone.localdate()
    policy = leaver_policy_get()
    settled = LeaverSettlement.objects.filter(
        person=OuterRef("pk"), end_date=OuterRef("employment_end")
    )
    qs = (
        _people_with_wallets(
            User.objects.filter(
                Q(employment_end__gte=today, employment_end__lte=today + timedelta(within_days))
                | Q(employment_end__lt=today)
            ).exclude(Exists(settled))
        )
        .annotate(wallet_available=F("wallet_balance") - F("wallet_held"))
        .filter(wallet_available__gt=0)
        .order_by("employment_end", "pk")
    )
    rows = _rows(list(qs[:ROWS]), policy)
    totals = qs.aggregate(total=Sum("wallet_available"), people=Count("pk"))
    return PointsAtRisk(
        within_days=within_days,
        rows=rows,
        total=int(totals["total"] or 0),
        people=int(totals["people"] or 0),
    )
