"""Small statistics used by the insights: Gini, weighted median, month buckets."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

MIN_GROUP = 5
"""Group figures for fewer people than this are suppressed (privacy)."""


def gini(values: Sequence[float]) -> float:
    """The Gini coefficient of non-negative values: 0 all equal, towards 1 one has everything."""
    xs = sorted(max(v, 0.0) for v in values)
    n = len(xs)
    total = sum(xs)
    if n == 0 or total == 0:
        return 0.0
    weighted = sum((i + 1) * x for i, x in enumerate(xs))
    return 2 * weighted / (n * total) - (n + 1) / n


def weighted_median(pairs: Sequence[tuple[float, float]]) -> float | None:
    """Median of values weighted by weights: [(value, weight), ...]."""
    items = sorted(p for p in pairs if p[1] > 0)
    total = sum(w for _, w in items)
    if not total:
        return None
    acc = 0.0
    for value, w in items:
        acc += w
        if acc >= total / 2:
            return value
    return items[-1][0]


class Months:
    """Calendar months (in the site's time zone) from the one holding `start` to `end`'s."""

    def __init__(self, *, start: float, end: float, tz: ZoneInfo) -> None:
        first = datetime.fromtimestamp(start, tz)
        y, m = first.year, first.month
        self.keys: list[str] = []
        self.starts: list[float] = []
        while True:
            at = datetime(y, m, 1, tzinfo=tz).timestamp()
            if at > end:
                break
            self.keys.append(f"{y:04d}-{m:02d}")
            self.starts.append(at)
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)

    def index(self, ts: float) -> int:
        """Which month `ts` falls in, or -1 before the first."""
        return bisect_right(self.starts, ts) - 1
