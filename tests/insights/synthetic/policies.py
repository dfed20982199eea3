"""Per-person histories from clear policies plus noise (deterministic from a seed).

Everyone earns at their own monthly rate R through irregular awards (random sizes, random gaps
such as holidays, busy and quiet months). What differs is how they spend:
- binge: buys a cheap or middling reward (at most ~1.2 R) within hours to two days of being able
  to afford it; noise: one or two quiet months in which they buy nothing;
- goal_saver: saves for a big reward costing 3 to 8 months of earnings and buys it within days
  of reaching it, then picks the next goal; noise: the odd impulsive small buy;
- steady: buys a middling reward every 6 to 10 weeks (jittered), when it is affordable;
- dormant: keeps earning but has not redeemed for over a year (some redeemed early on, some
  stopped earning too);
- new: joined in the last few weeks, a handful of awards, maybe one small buy.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

DAY = 86_400.0
MONTH = 365.25 / 12 * DAY
POLICIES = ("binge", "goal_saver", "steady", "dormant", "new")


@dataclass(frozen=True)
class CatalogueItem:
    key: str
    name: str
    base_price: int


CATALOGUE = (
    CatalogueItem("coffee", "Coffee voucher", 25),
    CatalogueItem("cinema", "Cinema ticket", 45),
    CatalogueItem("lunch", "Lunch for two", 70),
    CatalogueItem("book", "Book of choice", 90),
    CatalogueItem("hoodie", "Company hoodie", 120),
    CatalogueItem("theatre", "Theatre evening", 180),
    CatalogueItem("spa", "Spa treatment", 240),
    CatalogueItem("massage", "Massage", 300),
    CatalogueItem("concert", "Concert tickets", 380),
    CatalogueItem("aalto", "Aalto vase", 800),
    CatalogueItem("christmas", "Christmas Eve shift swap", 1200),
    CatalogueItem("weekend", "Spa weekend", 1800),
    CatalogueItem("bike", "City bike", 2600),
    CatalogueItem("headphones", "Noise-cancelling headphones", 1500),
    CatalogueItem("unwanted", "Desk calendar", 60),
)


@dataclass
class Event:
    ts: float
    points: int  # > 0 award, < 0 redemption
    item: int | None = None  # index into CATALOGUE for a redemption


@dataclass
class History:
    policy: str
    monthly: float
    joined: float
    events: list[Event] = field(default_factory=list)
    employment_type: str = "permanent"


def _awards(rng: random.Random, start: float, end: float, monthly: float) -> list[Event]:
    """Irregular awards averaging `monthly` points a month, with holidays and busy spells."""
    per_month = rng.uniform(2.0, 8.0)
    size = monthly / per_month
    gaps = []
    t = start
    while t < end:
        if rng.random() < 0.35:  # a holiday or a quiet spell most years
            g0 = t + rng.uniform(0, 12 * MONTH)
            gaps.append((g0, g0 + rng.uniform(14, 45) * DAY))
        t += 12 * MONTH
    events = []
    t = start + rng.expovariate(per_month / MONTH)
    while t < end:
        if not any(a <= t < b for a, b in gaps):
            busy = rng.choice((0.6, 1.0, 1.0, 1.0, 1.5))
            pts = max(5, round(size * busy * rng.lognormvariate(0, 0.35)))
            events.append(Event(t, pts))
        t += rng.expovariate(per_month / MONTH)
    return events


def _price(rng: random.Random, item: int) -> int:
    """The market moves prices: what was paid drifts around the base price."""
    return max(1, round(CATALOGUE[item].base_price * rng.uniform(0.85, 1.25)))


def _items_between(lo: float, hi: float) -> list[int]:
    return [i for i, c in enumerate(CATALOGUE) if lo <= c.base_price <= hi and c.key != "unwanted"]


def _spend(
    rng: random.Random,
    awards: list[Event],
    end: float,
    choose_next: Callable[[], tuple[int, int]],
    delay: Callable[[], float],
    quiet: Sequence[tuple[float, float]] = (),
) -> list[Event]:
    """Walk the awards; buy the current target `delay()` after it becomes affordable.

    Purchases keep their order and never come before the award that made them affordable, so
    the balance at each purchase is at least what was counted here."""
    out: list[Event] = []
    balance = 0
    last = float("-inf")
    target, price = choose_next()
    for aw in awards:
        balance += aw.points
        out.append(aw)
        while balance >= price:
            when = max(aw.ts + delay(), last + rng.uniform(0.01, 0.5) * DAY)
            for a, b in quiet:
                if a <= when < b:
                    when = b + rng.uniform(0, 3) * DAY
            if when >= end:
                return sorted(out, key=lambda e: e.ts)
            balance -= price
            out.append(Event(when, -price, target))
            last = when
            target, price = choose_next()
    return sorted(out, key=lambda e: e.ts)


def history(rng: random.Random, policy: str, *, end: float, span_months: int = 24) -> History:
    monthly = rng.uniform(120, 450)
    start = end - span_months * MONTH * rng.uniform(0.8, 1.0)
    if policy == "new":
        start = end - rng.uniform(10, 75) * DAY
    h = History(policy, monthly, start)
    awards = _awards(rng, start, end, monthly)
    if policy == "new":
        h.events = awards[: rng.randint(1, 6)] if awards else []
        if h.events and rng.random() < 0.3:
            cheap = _items_between(0, 50)
            bal = sum(e.points for e in h.events)
            item = rng.choice(cheap)
            p = _price(rng, item)
            if bal >= p:
                h.events.append(Event(h.events[-1].ts + DAY, -p, item))
    elif policy == "binge":
        wanted = _items_between(0, max(1.2 * monthly, 60))
        quiet = []
        for _ in range(rng.randint(0, 2)):
            q0 = rng.uniform(start, end)
            quiet.append((q0, q0 + rng.uniform(25, 45) * DAY))

        def pick_binge() -> tuple[int, int]:
            item = rng.choice(wanted)
            return item, _price(rng, item)

        h.events = _spend(rng, awards, end, pick_binge, lambda: rng.uniform(0.02, 2.0) * DAY, quiet)
    elif policy == "goal_saver":
        big = [i for i, c in enumerate(CATALOGUE) if 3 * monthly <= c.base_price <= 8 * monthly]
        big = big or [max(range(len(CATALOGUE)), key=lambda i: CATALOGUE[i].base_price)]

        def pick_goal() -> tuple[int, int]:
            item = rng.choice(big)
            return item, _price(rng, item)

        events = _spend(rng, awards, end, pick_goal, lambda: rng.uniform(0.1, 7.0) * DAY)
        # The odd impulsive buy: a cheap thing now and then, when the savings allow.
        cheap = _items_between(0, 0.4 * monthly) or [0]
        impulses = sorted(rng.uniform(start, end) for _ in range(rng.randint(0, 2)))
        h.events = _with_impulses(rng, events, impulses, cheap)
    elif policy == "steady":
        every = rng.uniform(42, 70) * DAY
        mids = _items_between(0.25 * monthly, 1.3 * monthly) or _items_between(0, monthly)
        buys = []
        t = start + rng.uniform(20, 60) * DAY
        while t < end:
            buys.append(t)
            t += every + rng.uniform(-12, 12) * DAY
        h.events = _with_impulses(rng, awards, buys, mids)
    elif policy == "dormant":
        quiet_since = end - rng.uniform(13, 20) * MONTH
        if rng.random() < 0.25:  # stopped earning too, a while ago
            awards = [a for a in awards if a.ts < end - rng.uniform(4, 9) * MONTH]
        early = sorted(rng.uniform(start, quiet_since) for _ in range(rng.randint(0, 3)))
        early = [t for t in early if t < quiet_since]
        h.events = _with_impulses(rng, awards, early, _items_between(0, 300))
    else:
        raise ValueError(policy)
    return h


def _with_impulses(
    rng: random.Random, events: list[Event], moments: list[float], items: list[int]
) -> list[Event]:
    """Add purchases at `moments`, each of a random item from `items`, when affordable then."""
    out: list[Event] = []
    balance = 0
    queue = list(moments)
    for ev in sorted(events, key=lambda e: e.ts):
        while queue and queue[0] < ev.ts:
            at = queue.pop(0)
            item = rng.choice(items)
            p = _price(rng, item)
            if balance >= p:
                balance -= p
                out.append(Event(at, -p, item))
        balance += ev.points
        if balance < 0:  # a planned purchase after an impulse no longer fits: drop it
            balance -= ev.points
            continue
        out.append(ev)
    return out


def population(
    seed: int, counts: dict[str, int], *, end: float, span_months: int = 24
) -> list[History]:
    """`counts` people of each policy, shuffled; a fifth are agency staff."""
    rng = random.Random(seed)
    people = [
        history(rng, policy, end=end, span_months=span_months)
        for policy, n in counts.items()
        for _ in range(n)
    ]
    rng.shuffle(people)
    for h in people:
        h.employment_type = "agency" if rng.random() < 0.2 else "permanent"
    return people
