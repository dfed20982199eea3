"""What the market pages show of pricing: the price people pay with any sale, the change since
yesterday, sparklines, the movers ticker, the countdown and the price history chart.

Reads only. The market's views call these with a whole page of rewards at once, so the number of
queries does not grow with the number of rewards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from rewards.models import Reward
from rewards.prices import prices_now

from . import charts, selectors
from .models import Sale
from .services import parameters_current

HISTORY_DAYS = (30, 90, 365)


def discount_percent(multiplier: Decimal) -> str:
    """0.8 → "20", 0.875 → "12.5" (localised)."""
    off = ((Decimal(1) - Decimal(multiplier)) * 100).normalize()
    places = max(0, -off.as_tuple().exponent)  # type: ignore[operator]
    return number_format(off, places)


def duration_text(seconds: float) -> str:
    """A short, rounded-down duration: "2 d 3 h", "3 h 12 min", "12 min", "under a minute"."""
    total = max(0, int(seconds)) // 60
    days, rest = divmod(total, 24 * 60)
    hours, minutes = divmod(rest, 60)
    day, hour, minute = (
        pgettext("duration: days", "d"),
        pgettext("duration: hours", "h"),
        pgettext("duration: minutes", "min"),
    )
    if days:
        return f"{days} {day} {hours} {hour}"
    if hours:
        return f"{hours} {hour} {minutes} {minute}"
    if minutes:
        return f"{minutes} {minute}"
    return _("under a minute")


# --- Cards --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CardPricing:
    pay: int  # what a purchase costs now
    market: int  # the market price (struck through when on sale)
    sale: Sale | None
    sale_percent: str  # "20" for a sale of −20 %
    change: float | None  # % since yesterday's close; None without a close
    spark: SafeString


def with_pricing(queryset: QuerySet[Reward]) -> QuerySet[Reward]:
    """The list's queryset with yesterday's closing price (one subquery, not a query per card)."""
    return selectors.with_yesterday(queryset)


def cards_pricing(rewards: list[Reward]) -> dict[int, CardPricing]:
    """Pricing of every card on a page; rewards must come from `with_pricing`. A fixed number of
    queries: the sparklines in one, the sales in two (twice: the price and the badge)."""
    pay = prices_now(rewards)
    sales = selectors.sales_running_for(rewards=rewards)
    lines = selectors.sparklines(reward_ids=[r.pk for r in rewards])
    result = {}
    for reward in rewards:
        sale = sales.get(reward.pk) if pay[reward.pk] < reward.current_price else None
        result[reward.pk] = CardPricing(
            pay=pay[reward.pk],
            market=reward.current_price,
            sale=sale,
            sale_percent=discount_percent(sale.multiplier) if sale else "",
            change=selectors.change_percent(
                reward.current_price,
                getattr(reward, "yesterday_price", None),
            ),
            spark=charts.sparkline(_with_now(lines[reward.pk], reward.current_price)),
        )
    return result


def _with_now(closes: list[int], now: int) -> list[int]:
    """The closes end with the price now (as the history chart does): a move since the last
    close shows at the end of the line."""
    return closes if closes and closes[-1] == now else [*closes, now]


# --- Ticker and countdown -----------------------------------------------------------------------


@dataclass(frozen=True)
class Countdown:
    at: datetime
    left: str


def countdown(*, now: datetime | None = None) -> Countdown:
    moment = now or timezone.now()
    at = selectors.next_repricing()
    return Countdown(at=at, left=duration_text((at - moment).total_seconds()))


def ticker() -> list[selectors.Mover]:
    return selectors.top_movers(limit=5)


# --- Detail -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class History:
    days: int
    rows: list[tuple[date, int]]
    chart: SafeString
    band: tuple[int, int]
    summary: str


def days_from(raw: str | None) -> int:
    """?days= of the detail page: one of HISTORY_DAYS, else 30."""
    try:
        days = int(raw or "")
    except ValueError:
        return HISTORY_DAYS[0]
    return days if days in HISTORY_DAYS else HISTORY_DAYS[0]


def history(*, reward: Reward, days: int) -> History:
    rows = selectors.price_history(reward=reward, days=days)
    version = parameters_current()
    band = (
        max(1, round(reward.base_price * version.m_min)),
        round(reward.base_price * version.m_max),
    )
    first, last = rows[0][1], rows[-1][1]
    values = {
        "days": days,
        "first": number_format(first, force_grouping=True),
        "last": number_format(last, force_grouping=True),
        "base": number_format(reward.base_price, force_grouping=True),
        "low": number_format(band[0], force_grouping=True),
        "high": number_format(band[1], force_grouping=True),
    }
    summary = (
        _(
            "Price over the last %(days)s days: from %(first)s to %(last)s points; "
            "base price %(base)s; the price stays between %(low)s and %(high)s."
        )
        % values
    )
    chart = charts.price_chart(
        history=rows,
        base_price=reward.base_price,
        band=band,
        title=_("Price history of %(reward)s") % {"reward": reward.name},
        description=summary,
    )
    return History(days=days, rows=rows, chart=chart, band=band, summary=summary)
