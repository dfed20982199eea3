"""One person's wallet history → the numbers behind their segment.

`timeline` walks the history once (all time): the running balance, and for every spend the
moment it became affordable and how old the points spent were. `window_features` then reads the
figures of one window out of it. Both are linear in the number of events (plus a log factor).
"""

from __future__ import annotations

import itertools
import statistics
from bisect import bisect_left, bisect_right
from collections import deque
from dataclasses import dataclass

from .loading import Event

DAY = 86_400.0
MONTH = 365.25 / 12 * DAY


@dataclass(slots=True)
class Spend:
    ts: float
    price: int
    lag_days: float  # from when the balance (last) covered the price, or the previous purchase
    age_days: float  # points-weighted age of the points spent (first in, first out)
    reward_id: int | None


@dataclass(slots=True)
class Timeline:
    ts: list[float]
    balance: list[int]  # after each event
    spends: list[Spend]
    spend_ts: list[float]
    earned: list[int]  # cumulative earnings after each event
    earned_n: list[int]  # cumulative number of earnings
    area: list[float]  # integral of the balance (points × seconds) from the first event to ts[j]


def timeline(events: list[Event]) -> Timeline:
    """Running balance, affordability lag of every spend, and FIFO age of spent points."""
    ts: list[float] = []
    balance: list[int] = []
    spends: list[Spend] = []
    # Monotonic stack of (balance, index): balances strictly increase bottom to top, and each
    # element is the latest moment the balance was that low. The last moment the balance was
    # below a price p is then the topmost element below p (a binary search).
    stack_bal: list[int] = [0]
    stack_idx: list[int] = [-1]
    lots: deque[list[float]] = deque()  # [credited at, points left]
    running = 0
    earned: list[int] = []
    earned_n: list[int] = []
    area: list[float] = []
    cum, cum_n, cum_area, prev_ts = 0, 0, 0.0, None
    for i, ev in enumerate(events):
        if prev_ts is not None:
            cum_area += running * (ev.ts - prev_ts)
        prev_ts = ev.ts
        area.append(cum_area)
        if ev.earning:
            cum += ev.amount
            cum_n += 1
        earned.append(cum)
        earned_n.append(cum_n)
        if ev.spend:
            price = -ev.amount
            pos = bisect_left(stack_bal, price) - 1
            k = stack_idx[pos] if pos >= 0 else i - 1
            afford_ts = ts[k + 1] if k + 1 < i else ev.ts
            # Counted from the previous purchase at the latest: what matters is how soon the
            # person bought once they could (again), not how long a cheap item sat affordable
            # while they were after something else.
            if spends:
                afford_ts = max(afford_ts, spends[-1].ts)
            age = _consume(lots, price, ev.ts)
            spends.append(Spend(ev.ts, price, max(ev.ts - afford_ts, 0.0) / DAY, age, ev.reward_id))
        elif ev.amount > 0:
            lots.append([ev.ts, float(ev.amount)])
        else:
            _consume(lots, -ev.amount, ev.ts)
        running += ev.amount
        ts.append(ev.ts)
        balance.append(running)
        while stack_bal and stack_bal[-1] >= running:
            stack_bal.pop()
            stack_idx.pop()
        stack_bal.append(running)
        stack_idx.append(i)
    return Timeline(ts, balance, spends, [s.ts for s in spends], earned, earned_n, area)


def _consume(lots: deque[list[float]], points: int, now: float) -> float:
    """Take `points` from the oldest lots; the points-weighted mean age in days."""
    left = float(points)
    weighted = 0.0
    while left > 0 and lots:
        lot = lots[0]
        take = min(lot[1], left)
        weighted += take * (now - lot[0])
        lot[1] -= take
        left -= take
        if lot[1] <= 0:
            lots.popleft()
    return weighted / points / DAY if points else 0.0


@dataclass(slots=True)
class Features:
    events: int  # all time
    first_ts: float | None  # first wallet event, all time
    last_ts: float | None
    active_months: float  # months of the window the person was around
    earned: int  # earnings in the window
    earnings_count: int
    monthly_earnings: float
    spends: list[Spend]  # in the window
    spent: int
    median_lag_days: float | None
    quick_share: float | None
    median_price_months: float | None
    max_price_months: float | None
    big_share: float | None  # share of points spent on purchases of >= BIG months of earnings
    longest_streak_days: float
    balance_kept_months: float | None  # time-weighted mean balance / monthly earnings
    balance_now: int
    days_since_last_spend: float | None  # all time


def window_features(
    events: list[Event],
    tl: Timeline,
    *,
    start: float,
    end: float,
    quick_days: float,
    big_months: float,
) -> Features:
    """The figures of one window [start, end] of one person's history."""
    i0 = bisect_left(tl.ts, start)
    first_ts = tl.ts[0] if tl.ts else None
    active_start = max(start, first_ts) if first_ts is not None else end
    active_months = max((end - active_start) / MONTH, 0.0)
    # Prefix sums: a window costs a binary search, not a walk over its events.
    earned = (tl.earned[-1] - (tl.earned[i0 - 1] if i0 else 0)) if tl.ts else 0
    earnings_count = (tl.earned_n[-1] - (tl.earned_n[i0 - 1] if i0 else 0)) if tl.ts else 0
    monthly = earned / max(active_months, 1.0)
    spends = tl.spends[bisect_left(tl.spend_ts, start) :]
    spent = sum(s.price for s in spends)
    lags = [s.lag_days for s in spends]
    pm = [s.price / monthly for s in spends] if monthly > 0 else []
    big = sum(s.price for s in spends if monthly > 0 and s.price >= big_months * monthly)
    # Longest stretch without a purchase, from when the person was around to now.
    marks = [active_start, *(s.ts for s in spends), end]
    streak = max((b - a for a, b in itertools.pairwise(marks)), default=0.0) / DAY
    kept = _mean_balance(tl, start=active_start, end=end)
    prev_spend = tl.spend_ts[-1] if tl.spend_ts else None
    return Features(
        events=len(events),
        first_ts=first_ts,
        last_ts=tl.ts[-1] if tl.ts else None,
        active_months=active_months,
        earned=earned,
        earnings_count=earnings_count,
        monthly_earnings=monthly,
        spends=spends,
        spent=spent,
        median_lag_days=statistics.median(lags) if lags else None,
        quick_share=sum(1 for lag in lags if lag <= quick_days) / len(lags) if lags else None,
        median_price_months=statistics.median(pm) if pm else None,
        max_price_months=max(pm) if pm else None,
        big_share=big / spent if spent else None,
        longest_streak_days=max(streak, 0.0),
        balance_kept_months=kept / monthly if monthly > 0 and kept is not None else None,
        balance_now=tl.balance[-1] if tl.balance else 0,
        days_since_last_spend=(end - prev_spend) / DAY if prev_spend is not None else None,
    )


def _area_to(tl: Timeline, t: float) -> float:
    """The integral of the balance from the first event to `t`."""
    k = bisect_right(tl.ts, t) - 1
    if k < 0:
        return 0.0
    return tl.area[k] + tl.balance[k] * (t - tl.ts[k])


def _mean_balance(tl: Timeline, *, start: float, end: float) -> float | None:
    """Time-weighted mean balance over [start, end]."""
    if end <= start:
        return None
    return (_area_to(tl, end) - _area_to(tl, start)) / (end - start)
