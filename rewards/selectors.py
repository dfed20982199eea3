"""Reads of the market: the catalogue, redemptions by role, and the progress towards wishes."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.expressions import OrderBy
from django.db.models.functions import Collate, Lower
from django.utils import timezone
from django.utils.translation import get_language

from core import sql
from core.errors import InvalidInputError
from ledger.models import AccountKind, Entry, TransactionKind
from ledger.selectors import wallet_summary
from people.models import User

from .models import (
    LIVE_DRAWING_STATES,
    Bid,
    Drawing,
    Redemption,
    RedemptionState,
    Reward,
    RewardCategory,
    Wish,
)
from .prices import prices_now

EARNING_WINDOW_DAYS = 90


def rewards_for(*, user: User) -> QuerySet[Reward]:
    """The catalogue as `user` sees it: HR sees inactive rewards too."""
    qs = Reward.objects.all()
    return qs if user.is_hr else qs.filter(active=True)


def reward_for_quote(*, user: User, reward_id: int) -> Reward | None:
    """The reward `user` asks a quote for, as `rewards_for` shows it, read in one statement with
    `in_live_drawing` (whether a drawing holds it). A quote's hot path: hand-written SQL."""
    only_active = "" if user.is_hr else " AND r.active"
    reward = sql.first(
        Reward,
        f"SELECT {sql.columns(Reward, 'r')}, EXISTS (SELECT 1 FROM {sql.table(Drawing)} d "  # noqa: S608
        "WHERE d.reward_id = r.id AND d.state IN (%s, %s)) AS in_live_drawing "
        f"FROM {sql.table(Reward)} r WHERE r.id = %s{only_active}",
        [*LIVE_DRAWING_STATES, reward_id],
    )
    if reward is not None:
        reward.__dict__["in_live_drawing"] = bool(reward.__dict__["in_live_drawing"])
    return reward


CATALOGUE_ORDERINGS: dict[str, tuple[str, ...]] = {
    "name": ("name", "id"),
    "-name": ("-name", "id"),
    "price": ("current_price", "name", "id"),
    "-price": ("-current_price", "name", "id"),
    "popularity": ("popularity", "name", "id"),
    "-popularity": ("-popularity", "name", "id"),
    "newest": ("-created_at", "-id"),
}
"""How the catalogue can be ordered; `name` is the reward's name in the reader's language."""


def with_popularity(qs: QuerySet[Reward]) -> QuerySet[Reward]:
    """Annotate `popularity`: redemptions of each reward that were neither cancelled nor rejected."""
    return qs.annotate(
        popularity=Count(
            "redemptions",
            filter=~Q(redemptions__state__in=[RedemptionState.CANCELLED, RedemptionState.REJECTED]),
        )
    )


def reward_catalogue(
    *, user: User, category: str = "", search: str = "", ordering: str = "name"
) -> QuerySet[Reward]:
    """The catalogue as `user` sees it, in one category (or all), with `search`'s words in a name
    or description, annotated with its popularity and ordered by `ordering`: the market page and
    the API list the same rewards in the same order."""
    errors: dict[str, list[str]] = {}
    if category and category not in RewardCategory.values:
        errors["category"] = [f"One of: {', '.join(RewardCategory.values)}."]
    if ordering not in CATALOGUE_ORDERINGS:
        errors["ordering"] = [f"One of: {', '.join(CATALOGUE_ORDERINGS)}."]
    if errors:
        raise InvalidInputError(fields=errors)
    qs = rewards_for(user=user)
    if category:
        qs = qs.filter(category=category)
    if search := search.strip():
        qs = qs.filter(
            Q(name_fi__icontains=search)
            | Q(name_en__icontains=search)
            | Q(description_fi__icontains=search)
            | Q(description_en__icontains=search)
        )
    name = "name_en" if (get_language() or "fi").startswith("en") else "name_fi"
    order = [
        _by_name(name) if f == "name" else _by_name(name, descending=True) if f == "-name" else f
        for f in CATALOGUE_ORDERINGS[ordering]
    ]
    return with_popularity(qs).order_by(*order)


NAME_COLLATION = "fi-x-icu"
"""PostgreSQL's ICU collation for Finnish: case does not split the list, and å, ä, ö come after z
(a Finnish workplace: the English names are sorted the same way)."""


def _by_name(field: str, *, descending: bool = False) -> OrderBy:
    if connection.vendor == "postgresql":
        key: Collate | Lower = Collate(F(field), NAME_COLLATION)
    else:
        key = Lower(field)  # SQLite (a newcomer's first run): at least not case-sensitive
    return OrderBy(key, descending=descending)


def redemptions_visible_to(*, user: User) -> QuerySet[Redemption]:
    """Own redemptions; a supervisor also those of their teams' members; HR all of them."""
    qs = Redemption.objects.select_related("reward", "employee", "employee__team", "decided_by")
    if user.is_hr:
        return qs
    if user.is_supervisor:
        return qs.filter(Q(employee=user) | Q(employee__team__leaders=user)).distinct()
    return qs.filter(employee=user)


@dataclass(frozen=True)
class WishProgress:
    """How far a person is from one wish, measured as the market measures a purchase."""

    wish: Wish
    balance: int
    """Points the person can put towards it now: free points (balance − holds), plus what they
    already hold on a live drawing of this very reward."""
    price: int
    """What the reward costs now, any sale included."""
    on_sale: bool
    remaining: int
    percent: int
    reached: bool
    daily_earning: float
    projected_date: date | None

    @property
    def reward(self) -> Reward:
        return self.wish.reward

    @property
    def target_reached(self) -> bool:
        return self.wish.target_price is not None and self.price <= self.wish.target_price

    @property
    def goal(self) -> Wish:
        """The first wish is the goal of earlier releases (its API and home card)."""
        return self.wish


GoalProgress = WishProgress


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


def _held_by_reward(*, user: User, reward_ids: list[int]) -> dict[int, int]:
    """{reward id: points the user holds on live drawings of it} (one query)."""
    rows = (
        Bid.objects.filter(
            employee=user,
            withdrawn=False,
            hold__isnull=False,
            drawing__state__in=LIVE_DRAWING_STATES,
            drawing__reward_id__in=reward_ids,
        )
        .values("drawing__reward_id")
        .annotate(held=Sum("hold__amount"))
    )
    return {row["drawing__reward_id"]: int(row["held"] or 0) for row in rows}


def wish_progress_list(*, user: User, limit: int | None = None) -> list[WishProgress]:
    """Every wish of the user, in their order, with its projection: the points short at the price
    to pay now and the date they would be reached at the recent earning pace.

    A constant number of queries whatever the number of wishes (wishes with their rewards, the
    wallet, the pace, the holds, and one per price adjuster)."""
    wishes = list(
        Wish.objects.filter(employee=user).select_related("reward").order_by("position", "id")
    )
    if limit is not None:
        wishes = wishes[:limit]
    if not wishes:
        return []
    free = max(0, wallet_summary(user=user).available)
    rewards = [wish.reward for wish in wishes]
    prices = prices_now(rewards)
    held = _held_by_reward(user=user, reward_ids=[reward.pk for reward in rewards])
    daily = average_daily_earning(user=user)
    today = timezone.localdate()
    out = []
    for wish in wishes:
        price = prices[wish.reward_id]
        balance = free + held.get(wish.reward_id, 0)
        remaining = max(0, price - balance)
        if remaining == 0:
            projected: date | None = today
        elif daily > 0:
            projected = today + timedelta(days=math.ceil(remaining / daily))
        else:
            projected = None
        out.append(
            WishProgress(
                wish=wish,
                balance=balance,
                price=price,
                on_sale=price < wish.reward.current_price,
                remaining=remaining,
                percent=min(100, balance * 100 // price),
                reached=remaining == 0,
                daily_earning=round(daily, 2),
                projected_date=projected,
            )
        )
    return out


def goal_progress(*, user: User) -> WishProgress | None:
    """The first wish's progress (the single goal of earlier releases)."""
    first = wish_progress_list(user=user, limit=1)
    return first[0] if first else None


# --- Drawings -----------------------------------------------------------------------------------
