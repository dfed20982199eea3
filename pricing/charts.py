"""Price charts as inline SVG, drawn on the server: no JavaScript, no chart library, no internet.

Two drawings: the sparkline of a market card (decoration: the change text next to it carries the
meaning, so it is hidden from assistive technology) and the price history chart of a reward's page
(an image with a title and a description; the page adds the data as a table).

Every coordinate is computed here and rounded to one decimal; all text is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.utils.formats import date_format, number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


def _n(value: float) -> str:
    """A coordinate: one decimal, no trailing zeros, never "-0"."""
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text in {"-0", ""} else text


def _trend(values: Sequence[int]) -> str:
    if len(values) < 2 or values[-1] == values[0]:
        return "flat"
    return "up" if values[-1] > values[0] else "down"


# --- Sparkline ----------------------------------------------------------------------------------


def sparkline(values: Sequence[int], *, width: int = 80, height: int = 24) -> SafeString:
    """A small line of `values` (oldest first) filling width × height with a 2 px margin.

    Empty input draws nothing; a single value or a flat series draws a level line in the middle."""
    if not values:
        return SafeString("")
    pad = 2.0
    low, high = float(min(values)), float(max(values))
    # A move of one point on a price of 50 is not a cliff: show at least 10 % of the price.
    least = max(high, 1) * 0.1
    if 0 < high - low < least:
        middle = (high + low) / 2
        low, high = middle - least / 2, middle + least / 2
    inner_w, inner_h = width - 2 * pad, height - 2 * pad
    count = len(values)

    def x(i: int) -> float:
        return pad + (inner_w * i / (count - 1) if count > 1 else inner_w / 2)

    def y(v: float) -> float:
        if high == low:
            return height / 2
        return pad + inner_h * (high - v) / (high - low)

    if count == 1:
        points = f"{_n(pad)},{_n(y(values[0]))} {_n(width - pad)},{_n(y(values[0]))}"
    else:
        points = " ".join(f"{_n(x(i))},{_n(y(v))}" for i, v in enumerate(values))
    last_x, last_y = (x(count - 1), y(values[-1])) if count > 1 else (width - pad, y(values[0]))
    return mark_safe(  # noqa: S308 - numbers only
        f'<svg class="spark spark--{_trend(values)}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" aria-hidden="true" focusable="false">'
        f'<polyline points="{points}" fill="none" stroke="currentColor" stroke-width="1.5" '
        f'stroke-linejoin="round" stroke-linecap="round"/>'
        f'<circle cx="{_n(last_x)}" cy="{_n(last_y)}" r="2" fill="currentColor"/></svg>'
    )


# --- Price history chart ------------------------------------------------------------------------


@dataclass(frozen=True)
class ChartBox:
    width: int = 640
    height: int = 300
    left: int = 66  # room for the y labels (large on a phone, see pricing.css)
    right: int = 14
    top: int = 14
    bottom: int = 36  # room for the first and last dates

    @property
    def plot_w(self) -> int:
        return self.width - self.left - self.right

    @property
    def plot_h(self) -> int:
        return self.height - self.top - self.bottom


def nice_ticks(low: float, high: float, *, count: int = 5) -> list[int]:
    """Round whole-number y labels (steps of 1, 2 or 5 × 10ⁿ) from at or below `low` to at or
    above `high`: at least two, about `count`."""
    if high <= low:
        high = low + 1
    raw = (high - low) / max(1, count - 1)
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    ticks = [math.floor(low / step) * step]
    while ticks[-1] < high:
        ticks.append(ticks[-1] + step)
    return [int(t) for t in ticks]


def price_chart(
    *,
    history: Sequence[tuple[date, int]],
    base_price: int,
    band: tuple[int, int] | None,
    title: str,
    description: str,
    box: ChartBox | None = None,
) -> SafeString:
    """The price over time (a line), the base price (dashed) and the band (shaded), with y labels
    and the first and last dates. `title` and `description` name the image for screen readers."""
    box = box or ChartBox()
    prices = [price for _day, price in history] or [base_price]
    # Zoom on the prices and the base price (the band is usually far wider than any month's
    # moves); the band is shaded where it falls inside the plot and named in the legend.
    data_low, data_high = min(*prices, base_price), max(*prices, base_price)
    pad = max((data_high - data_low) * 0.15, base_price * 0.05, 1)
    ticks = nice_ticks(max(0, data_low - pad), data_high + pad)
    low, high = ticks[0], ticks[-1]
    span = high - low or 1
    count = len(history)

    def x(i: int) -> float:
        if count <= 1:
            return box.left + box.plot_w / 2
        return box.left + box.plot_w * i / (count - 1)

    def y(value: float) -> float:
        return box.top + box.plot_h * (high - value) / span

    parts: list[str] = [
        f'<svg class="chart" viewBox="0 0 {box.width} {box.height}" width="100%" '
        f'preserveAspectRatio="xMidYMid meet" role="img" aria-label="{escape(description)}">',
        f"<title>{escape(title)}</title>",
    ]
    if band is not None:
        band_low, band_high = max(band[0], low), min(band[1], high)
        if band_high > band_low:
            parts.append(
                f'<rect class="chart__band" x="{box.left}" y="{_n(y(band_high))}" '
                f'width="{box.plot_w}" height="{_n(y(band_low) - y(band_high))}" fill="#e3f1ee"/>'
            )
    for tick in ticks:
        parts.append(
            f'<line class="chart__grid" x1="{box.left}" x2="{box.left + box.plot_w}" '
            f'y1="{_n(y(tick))}" y2="{_n(y(tick))}" stroke="#dfe5e2"/>'
            f'<text class="chart__label" x="{box.left - 8}" y="{_n(y(tick))}" '
            f'text-anchor="end" dominant-baseline="middle">{escape(number_format(tick, force_grouping=True))}</text>'
        )
    parts.append(
        f'<line class="chart__base" x1="{box.left}" x2="{box.left + box.plot_w}" '
        f'y1="{_n(y(base_price))}" y2="{_n(y(base_price))}" stroke="#52605b" stroke-width="1.5" stroke-dasharray="6 4"/>'
    )
    if count:
        if count == 1:
            points = (
                f"{_n(box.left)},{_n(y(prices[0]))} {_n(box.left + box.plot_w)},{_n(y(prices[0]))}"
            )
        else:
            points = " ".join(f"{_n(x(i))},{_n(y(p))}" for i, p in enumerate(prices))
        parts.append(
            f'<polyline class="chart__price" points="{points}" fill="none" stroke="#0b5e55" '
            'stroke-width="2.5" stroke-linejoin="round" stroke-linecap="round"/>'
        )
        parts.append(
            f'<circle class="chart__last" cx="{_n(x(count - 1) if count > 1 else box.left + box.plot_w)}" '
            f'cy="{_n(y(prices[-1]))}" r="4" fill="#0b5e55"/>'
        )
        first_day, last_day = history[0][0], history[-1][0]
        label_y = box.height - 8
        parts.append(
            f'<text class="chart__label" x="{box.left}" y="{label_y}" text-anchor="start">'
            f"{escape(date_format(first_day, 'SHORT_DATE_FORMAT'))}</text>"
        )
        if count > 1:
            parts.append(
                f'<text class="chart__label" x="{box.left + box.plot_w}" y="{label_y}" '
                f'text-anchor="end">{escape(date_format(last_day, "SHORT_DATE_FORMAT"))}</text>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - numbers, and text through escape()
