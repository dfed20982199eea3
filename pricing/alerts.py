"""Wish alerts: one pass over every wish after the prices move (a tick), a sale starts or a
drawing opens, telling people about the rewards they watch.

Three events, each announced once:
- price alert: the price to pay (a sale included) fell to or below the wish's target. It fires
  on the crossing (the wish remembers it was below: `Wish.below_target`), so a price that stays
  below rings once; when it rises above and falls again it rings again (key: the crossing's
  number);
- a sale started on the reward after it was wished for (key: the sale);
- a drawing of the reward opened after it was wished for (key: the drawing).

It lives in pricing, which sees sales, ticks and the market; it reads everything in a constant
number of queries whatever the number of wishes and rewards, and writes the notifications in
one batch (`notifications_send_batch`, deduplicated by key). Chat is left out on purpose: the
chat channels are per team, and a personal alert does not belong in a team's channel.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from core.jobs import job_send_on_commit
from notifications.models import NotificationKind
from notifications.services import (
    NotificationItem,
    notifications_are_muted,
    notifications_send_batch,
)
from rewards.locks import wish_alerts_lock
from rewards.models import Drawing, DrawingState, Wish
from rewards.prices import prices_now

from .sales import sale_for, sales_at

WISH_ALERTS_TASK = "pricing.tasks.wish_alerts"


def wish_alerts_after_commit(*, eta: datetime | None = None) -> None:
    """Queue the alert pass for after the current transaction commits (at `eta` if given); not
    while notifications are muted (the demo seed writing history)."""
    if not notifications_are_muted():
        job_send_on_commit(WISH_ALERTS_TASK, eta=eta)


def _names(wish: Wish) -> dict[str, str]:
    return {"reward_fi": wish.reward.name_fi, "reward_en": wish.reward.name_en}


@transaction.atomic
def wish_alerts_run(*, now: datetime | None = None) -> int:
    """Find every wish whose event fired and notify its owner once; returns how many were sent."""
    moment = now or timezone.now()
    wish_alerts_lock()
    wishes = list(
        Wish.objects.select_related("reward", "employee").filter(
            reward__active=True, employee__is_active=True
        )
    )
    if not wishes:
        return 0
    rewards = list({wish.reward_id: wish.reward for wish in wishes}.values())
    prices = prices_now(rewards, at=moment)
    sales = sales_at(moment)
    drawings: dict[int, list[Drawing]] = defaultdict(list)
    for drawing in Drawing.objects.filter(
        state=DrawingState.OPEN, reward_id__in=[reward.pk for reward in rewards]
    ):
        drawings[drawing.reward_id].append(drawing)

    items: list[NotificationItem] = []
    fell: list[int] = []
    rose: list[int] = []
    for wish in wishes:
        price = prices[wish.reward_id]
        link = reverse("reward-detail", kwargs={"pk": wish.reward_id})
        if wish.target_price is not None:
            below = price <= wish.target_price
            if below and not wish.below_target:
                fell.append(wish.pk)
                items.append(
                    NotificationItem(
                        recipient=wish.employee,
                        kind=NotificationKind.WISH_PRICE_TARGET,
                        params={**_names(wish), "price": price, "target": wish.target_price},
                        link=link,
                        dedup_key=f"wish:{wish.pk}:price:{wish.price_alerts + 1}",
                    )
                )
            elif not below and wish.below_target:
                rose.append(wish.pk)
        sale = sale_for(wish.reward, sales)
        if sale is not None and max(sale.starts_at, sale.created_at) >= wish.created_at:
            items.append(
                NotificationItem(
                    recipient=wish.employee,
                    kind=NotificationKind.WISH_SALE_STARTED,
                    params={**_names(wish), "price": price, "sale": sale.pk},
                    link=link,
                    dedup_key=f"wish:{wish.pk}:sale:{sale.pk}",
                )
            )
        for drawing in drawings[wish.reward_id]:
            if drawing.opened_at is not None and drawing.opened_at >= wish.created_at:
                items.append(
                    NotificationItem(
                        recipient=wish.employee,
                        kind=NotificationKind.WISH_DRAWING_OPENED,
                        params={**_names(wish), "drawing": drawing.pk},
                        link=reverse("drawing-detail", kwargs={"pk": drawing.pk}),
                        dedup_key=f"wish:{wish.pk}:drawing:{drawing.pk}",
                    )
                )
    if fell:
        Wish.objects.filter(pk__in=fell).update(
            below_target=True, price_alerts=F("price_alerts") + 1
        )
    if rose:
        Wish.objects.filter(pk__in=rose).update(below_target=False)
    return len(notifications_send_batch(items))
