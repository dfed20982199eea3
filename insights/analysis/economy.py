"""The points economy of one window: liability, flows, redemption rate, price index, demand."""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from datetime import date, timedelta
from typing import Any

from pricing.models import PriceDay

from .features import Timeline
from .loading import Population, RewardInfo
from .stats import Months, weighted_median

ORIGINAL_REDEMPTIONS_PER_YEAR = 6
"""What the original system saw: an employee rewarded themselves about 6 times a year."""
TOP_REWARDS = 10


def _prices_on(day: date, rewards: dict[int, RewardInfo]) -> dict[int, int]:
    """The price of each reward now (`day` is today): the market price it has."""
    return {pk: r.current_price for pk, r in rewards.items()}


def _month_ends(keys: list[str], today: date) -> list[date]:
    ends = []
    for key in keys:
        year, month = int(key[:4]), int(key[5:7])
        first_next = date(year + month // 12, month % 12 + 1, 1)
        ends.append(min(first_next - timedelta(days=1), today))
    return ends


def basket_index_by_month(
    basket: dict[int, int], rewards: dict[int, RewardInfo], keys: list[str], today: date
) -> list[float | None]:
    """What the fixed basket cost at each month's end against its base prices (base = 100),
    from the pricing engine's closing prices (one query: basket × months rows). A month with no
    closing price for a reward carries the last one forward; before pricing history, the base."""
    if not basket:
        return [None] * len(keys)
    ends = _month_ends(keys, today)
    closes: dict[tuple[int, date], int] = {
        (reward_id, day): price
        for reward_id, day, price in PriceDay.objects.filter(
            reward_id__in=list(basket), day__in=ends
        ).values_list("reward_id", "day", "price")
    }
    base = sum(n * rewards[pk].base_price for pk, n in basket.items())
    last = {pk: rewards[pk].base_price for pk in basket}
    index: list[float | None] = []
    for end in ends:
        for pk in basket:
            # today: the price now (today's close may not be written yet)
            now = rewards[pk].current_price if end == today else None
            last[pk] = now or closes.get((pk, end), last[pk])
        index.append(round(sum(n * last[pk] for pk, n in basket.items()) / base * 100, 1))
    return index


def economy_for_window(
    pop: Population,
    timelines: dict[int, Timeline],
    active_months: dict[int, float],
    *,
    start: float,
    end: float,
    months: Months,
    today: date,
) -> dict[str, Any]:
    issued = [0] * len(months.keys)
    redeemed = [0] * len(months.keys)
    paid = [0] * len(months.keys)
    base = [0] * len(months.keys)
    counts: Counter[int] = Counter()
    points: Counter[int] = Counter()
    ages: list[tuple[float, float]] = []
    outstanding_start = 0
    outstanding_now = 0
    for pk, person in pop.people.items():
        tl = timelines[pk]
        if tl.balance:
            outstanding_now += tl.balance[-1]
        i0 = bisect_left(tl.ts, start)
        outstanding_start += tl.balance[i0 - 1] if i0 else 0
        for ev in person.events[i0:]:
            if ev.earning:
                m = months.index(ev.ts)
                if m >= 0:
                    issued[m] += ev.amount
        for s in tl.spends[bisect_left(tl.spend_ts, start) :]:
            m = months.index(s.ts)
            if m >= 0:
                redeemed[m] += s.price
                reward = pop.rewards.get(s.reward_id or 0)
                if reward is not None:
                    paid[m] += s.price
                    base[m] += reward.base_price
            if s.reward_id is not None:
                counts[s.reward_id] += 1
                points[s.reward_id] += s.price
            ages.append((s.age_days, float(s.price)))
    total_spends = sum(counts.values())
    person_years = sum(active_months.values()) / 12
    prices = _prices_on(today, pop.rewards)
    basket = {pk: n for pk, n in counts.items() if pop.rewards[pk].active}
    basket_base = sum(n * pop.rewards[pk].base_price for pk, n in basket.items())
    basket_now = sum(n * prices[pk] for pk, n in basket.items())
    basket_index = basket_index_by_month(basket, pop.rewards, months.keys, today)
    flows = [
        {
            "month": key,
            "issued": issued[i],
            "redeemed": redeemed[i],
            "net": issued[i] - redeemed[i],
            # the fixed basket at the month's closing prices; what was paid against base
            "price_index": basket_index[i],
            "paid_index": round(paid[i] / base[i] * 100, 1) if base[i] else None,
        }
        for i, key in enumerate(months.keys)
    ]
    return {
        "outstanding_now": outstanding_now,
        "outstanding_at_start": outstanding_start,
        "issued": sum(issued),
        "redeemed": sum(redeemed),
        "redemptions": total_spends,
        "redemptions_per_person_year": (
            round(total_spends / person_years, 2) if person_years else None
        ),
        "original_redemptions_per_year": ORIGINAL_REDEMPTIONS_PER_YEAR,
        "award_to_spend_days_median": _round(weighted_median(ages)),
        "award_to_spend_days_mean": _round(
            sum(a * w for a, w in ages) / sum(w for _, w in ages) if ages else None
        ),
        "price_index_now": round(basket_now / basket_base * 100, 1) if basket_base else None,
        "price_index_basket": len(basket),
        "flows": flows,
        "most_wanted": [
            _reward_row(pop.rewards[pk], n, points[pk], total_spends)
            for pk, n in counts.most_common(TOP_REWARDS)
        ],
        "unwanted": [
            _reward_row(r, 0, 0, total_spends)
            for r in sorted(pop.rewards.values(), key=lambda r: (-r.base_price, r.id))
            if r.active and r.id not in counts
        ],
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _reward_row(r: RewardInfo, n: int, pts: int, total: int) -> dict[str, Any]:
    return {
        "reward": r.id,
        "name_fi": r.name_fi,
        "name_en": r.name_en,
        "base_price": r.base_price,
        "current_price": r.current_price,
        "redemptions": n,
        "points": pts,
        "share": round(n / total, 3) if total else 0.0,
    }
