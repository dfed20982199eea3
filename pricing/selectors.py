"""Reads of pricing for pages and the API: history, movers, the next repricing, explanations,
and the preview of a tick under proposed parameters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rewards.models import Reward

from . import engine
from .models import ParameterSet, PriceDay, Sale, Tick, TickLine
from .sales import sale_for, sales_at
from .services import PARAMETER_FIELDS, parameters_current
from .windows import (
    Window,
    default_parameters,
    demand_in,
    model_of,
    versions_all,
    window_inputs,
    window_next,
)


def next_window() -> Window:
    """The window now open; its end is the next repricing."""
    versions = versions_all() or [default_parameters(effective_from=timezone.now())]
    return window_next(versions)


def next_repricing() -> datetime:
    return next_window().end


# --- History ------------------------------------------------------------------------------------


def price_history(*, reward: Reward, days: int) -> list[tuple[date, int]]:
    """(day, closing price) for the last `days` days, today's current price last."""
    today = timezone.localdate()
    rows = list(
        PriceDay.objects.filter(reward=reward, day__gt=today - timedelta(days=days))
        .order_by("day")
        .values_list("day", "price")
    )
    if not rows or rows[-1][0] != today:
        rows.append((today, reward.current_price))
    else:
        rows[-1] = (today, reward.current_price)
    return rows


def sparklines(*, reward_ids: list[int], days: int = 30) -> dict[int, list[int]]:
    """Closing prices of the last `days` days per reward, oldest first (one query)."""
    since = timezone.localdate() - timedelta(days=days)
    lines: dict[int, list[int]] = {pk: [] for pk in reward_ids}
    for reward_id, price in (
        PriceDay.objects.filter(reward_id__in=reward_ids, day__gt=since)
        .order_by("reward_id", "day")
        .values_list("reward_id", "price")
    ):
        lines[reward_id].append(price)
    return lines


def with_yesterday(queryset: QuerySet[Reward]) -> QuerySet[Reward]:
    """Annotate `yesterday_price`: the last closing price before today (None if none)."""
    before_today = (
        PriceDay.objects.filter(reward=OuterRef("pk"), day__lt=timezone.localdate())
        .order_by("-day")
        .values("price")[:1]
    )
    return queryset.annotate(yesterday_price=Subquery(before_today))


def change_percent(now: int, before: int | None) -> float | None:
    if not before:
        return None
    return round((now - before) * 100 / before, 1)


@dataclass(frozen=True)
class Mover:
    reward: Reward
    before: int
    change: float


def top_movers(*, limit: int = 5) -> list[Mover]:
    """Today's biggest price changes since yesterday among active rewards, largest first."""
    movers = []
    for reward in with_yesterday(Reward.objects.filter(active=True)):
        before = reward.yesterday_price  # type: ignore[attr-defined]
        change = change_percent(reward.current_price, before)
        if change:
            movers.append(Mover(reward=reward, before=before, change=change))
    movers.sort(key=lambda m: (-abs(m.change), m.reward.pk))
    return movers[:limit]


# --- Why the price is what it is ----------------------------------------------------------------


def price_explanation(*, reward: Reward, days: int = 7) -> str:
    """A plain-language account of the price: the demand of the last `days` days against the
    other rewards, then the move since yesterday's close (the same figure as the ▲/▼ badge beside
    it, so the two never disagree), and the rule that links them."""
    now = timezone.now()
    demand = demand_in(start=now - timedelta(days=days), end=now)
    active = list(Reward.objects.filter(active=True).values_list("pk", flat=True))
    mine = demand.get(reward.pk, 0)
    mean = sum(demand.get(pk, 0) for pk in active) / len(active) if active else 0.0
    version = parameters_current()
    m_min, m_max = version.m_min, version.m_max
    average = number_format(round(mean, 1), decimal_pos=1)
    if mine == 0 and mean == 0:
        sentences = [_("Nobody redeemed anything in the last week.")]
    elif mine == 0:
        sentences = [
            _("Nobody redeemed this in the last week, while rewards averaged %(mean)s colleagues.")
            % {"mean": average}
        ]
    else:
        first = ngettext(
            "%(n)d colleague redeemed this in the last week",
            "%(n)d colleagues redeemed this in the last week",
            mine,
        ) % {"n": mine}
        if mine > mean * 1.05:
            second = _("more than most rewards (%(mean)s on average).")
        elif mine < mean * 0.95:
            second = _("fewer than most rewards (%(mean)s on average).")
        else:
            second = _("about as many as most rewards.")
        sentences = [f"{first}, {second % {'mean': average}}"]
    yesterday = (
        PriceDay.objects.filter(reward=reward, day__lt=timezone.localdate())
        .order_by("-day")
        .values_list("price", flat=True)
        .first()
    )
    change = change_percent(reward.current_price, yesterday)
    rising, falling = (change or 0) > 0, (change or 0) < 0
    towards_base = (rising and reward.current_price <= reward.base_price) or (
        falling and reward.current_price >= reward.base_price
    )
    percent = number_format(abs(change or 0), decimal_pos=1)
    if change is None:
        pass
    elif change > 0:
        sentences.append(
            (
                _("Since yesterday it has risen %(p)s %%, back towards its base price.")
                if towards_base
                else _("Since yesterday it has risen %(p)s %%.")
            )
            % {"p": percent}
        )
    elif change < 0:
        sentences.append(
            (
                _("Since yesterday it has fallen %(p)s %%, back towards its base price.")
                if towards_base
                else _("Since yesterday it has fallen %(p)s %%.")
            )
            % {"p": percent}
        )
    else:
        sentences.append(_("It is unchanged since yesterday."))
    sentences.append(
        _(
            "Demand above the average raises a price; without it the price drifts back "
            "towards its base price."
        )
    )
    ratio = reward.current_price / reward.base_price
    if ratio >= m_max * 0.999:
        sentences.append(_("It is at its ceiling: %(m)s × the base price.") % {"m": f"{m_max:g}"})
    elif ratio <= m_min * 1.001:
        sentences.append(_("It is at its floor: %(m)s × the base price.") % {"m": f"{m_min:g}"})
    return " ".join(sentences)


# --- Tick log and preview -----------------------------------------------------------------------


def tick_log() -> QuerySet[Tick]:
    return Tick.objects.select_related("parameters").order_by("-window_start")


def tick_lines(*, tick: Tick) -> QuerySet[TickLine]:
    return (
        TickLine.objects.filter(tick=tick)
        .select_related("reward")
        .order_by("-demand", "reward__name_fi", "reward_id")
    )


@dataclass(frozen=True)
class PreviewRow:
    reward: Reward
    demand: int
    price_now: int
    price_current_parameters: int
    price_proposed: int


@dataclass(frozen=True)
class Preview:
    window: Window
    demand_mean: float
    rows: list[PreviewRow]


def pricing_preview(*, proposed: dict[str, Any]) -> Preview:
    """What the next tick would do with the demand settled so far in the open window, under the
    parameters in force and under `proposed` (validated values over the current ones). Writes
    nothing."""
    window = next_window()
    current = window.parameters
    values = {name: getattr(current, name) for name in PARAMETER_FIELDS} | proposed
    candidate = ParameterSet(**values, effective_from=window.start)
    inputs = window_inputs(start=window.start, end=window.end)
    now_step = engine.step(
        model=model_of(current), log_price=inputs.log_prices, demand=inputs.demand
    )
    new_step = engine.step(
        model=model_of(candidate), log_price=inputs.log_prices, demand=inputs.demand
    )
    now_prices = engine.prices(base_prices=inputs.base_prices, log_prices=now_step.log_price)
    new_prices = engine.prices(base_prices=inputs.base_prices, log_prices=new_step.log_price)
    rewards = Reward.objects.in_bulk(inputs.reward_ids)
    rows = [
        PreviewRow(
            reward=rewards[pk],
            demand=int(inputs.demand[i]),
            price_now=rewards[pk].current_price,
            price_current_parameters=now_prices[i],
            price_proposed=new_prices[i],
        )
        for i, pk in enumerate(inputs.reward_ids)
    ]
    rows.sort(key=lambda r: (-abs(r.price_proposed - r.price_now), r.reward.pk))
    return Preview(window=window, demand_mean=new_step.demand_mean, rows=rows)


# --- Pages (added for the market and HR pages) ---------------------------------------------------


def sales_running_for(*, rewards: list[Reward], at: datetime | None = None) -> dict[int, Sale]:
    """{reward id: the sale that sets its price at `at` (now)} for the rewards on sale (two
    queries; the same choice as the price people pay, see pricing.sales)."""
    running = sales_at(at or timezone.now())
    if not running:
        return {}
    chosen = {reward.pk: sale_for(reward, running) for reward in rewards}
    return {pk: sale for pk, sale in chosen.items() if sale is not None}


def sales_all() -> QuerySet[Sale]:
    """Every sale, newest start first, with who made it and its rewards."""
    return (
        Sale.objects.select_related("created_by")
        .prefetch_related("rewards")
        .order_by("-starts_at", "-id")
    )


def parameter_versions() -> QuerySet[ParameterSet]:
    """The audit trail of the parameters, newest first, with who saved each version."""
    return ParameterSet.objects.select_related("created_by").order_by("-effective_from", "-id")
