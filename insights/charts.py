"""Server-side SVG charts: no script, no CDN, readable at phone width.

Each chart is an inline <svg role="img"> with a <title> and <desc> (aria-labelledby); the page
puts the same figures in a visually hidden table next to it.

Text in an SVG scales with its viewBox, so each chart is drawn twice: 360 units wide for a phone
and 720 units wide for a wider screen (insights.css shows one and hides the other with
display:none, so assistive technology meets one). Either is drawn close to 1:1, and its text stays
the size of the page's body text instead of doubling on a 1280 px screen.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

WIDTH = 360
WIDE = 720
_ids = itertools.count(1)


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # None: suppressed, drawn as a hatched placeholder
    text: str  # what is printed at the bar's end


def _frame(height: int, title: str, desc: str, body: str, width: int = WIDTH) -> SafeString:
    n = next(_ids)
    return format_html(
        '<svg class="chart chart--{}" viewBox="0 0 {} {}" role="img" '
        'aria-labelledby="chart-t{} chart-d{}" '
        'preserveAspectRatio="xMinYMin meet" focusable="false">'
        '<title id="chart-t{}">{}</title><desc id="chart-d{}">{}</desc>{}</svg>',
        "narrow" if width == WIDTH else "wide",
        width,
        height,
        n,
        n,
        n,
        title,
        n,
        desc,
        mark_safe(body),  # noqa: S308 (built escaped)
    )


def _both(draw: Callable[[int], SafeString]) -> SafeString:
    """The chart for a phone and for a wider screen, one after the other."""
    return format_html("{}{}", draw(WIDTH), draw(WIDE))


def bar_chart(bars: Sequence[Bar], *, title: str, desc: str) -> SafeString:
    """Horizontal bars, label above each bar (long Finnish labels fit on a phone)."""
    return _both(lambda width: _bar_chart(bars, title=title, desc=desc, width=width))


def _bar_chart(bars: Sequence[Bar], *, title: str, desc: str, width: int) -> SafeString:
    row = 40
    height = max(row * len(bars) + 8, 40)
    top = max((b.value or 0.0 for b in bars), default=0.0) or 1.0
    usable = width - 118  # room for "1234 · Gini 0.25" at the longest bar's end
    parts = []
    for i, b in enumerate(bars):
        y = 4 + i * row
        parts.append(f'<text class="chart__label" x="0" y="{y + 13}">{escape(b.label)}</text>')
        if b.value is None:
            parts.append(
                f'<rect class="chart__bar chart__bar--suppressed" x="0" y="{y + 18}" '
                f'width="{usable * 0.3:.1f}" height="14" rx="2"/>'
            )
            x = usable * 0.3 + 4
        else:
            w = max(usable * b.value / top, 1.0 if b.value else 0.0)
            parts.append(
                f'<rect class="chart__bar chart__bar--{i % 6}" x="0" y="{y + 18}" '
                f'width="{w:.1f}" height="14" rx="2"/>'
            )
            x = w + 4
        parts.append(f'<text class="chart__value" x="{x:.1f}" y="{y + 30}">{escape(b.text)}</text>')
    return _frame(height, title, desc, "".join(parts), width)


def _ticks(top: float) -> list[float]:
    if top <= 0:
        return [0.0]
    step = 10 ** (len(str(int(top))) - 1)
    for mult in (1, 2, 5, 10):
        if top / (step * mult) <= 4:
            step *= mult
            break
    return [step * k for k in range(int(top // step) + 2)]


def flows_chart(
    months: Sequence[str],
    issued: Sequence[int],
    redeemed: Sequence[int],
    *,
    title: str,
    desc: str,
    issued_label: str,
    redeemed_label: str,
) -> SafeString:
    """Issued vs redeemed per month, as paired columns."""
    return _both(
        lambda width: _flows_chart(
            months, issued, redeemed, title=title, desc=desc, issued_label=issued_label,
            redeemed_label=redeemed_label, width=width,
        )
    )  # fmt: skip


def _flows_chart(
    months: Sequence[str],
    issued: Sequence[int],
    redeemed: Sequence[int],
    *,
    title: str,
    desc: str,
    issued_label: str,
    redeemed_label: str,
    width: int,
) -> SafeString:
    height, left, bottom, top_pad = 210, 42, 176, 26
    top = max([*issued, *redeemed, 1])
    ticks = _ticks(top)
    scale = (bottom - top_pad) / ticks[-1]
    n = max(len(months), 1)
    slot = (width - left - 4) / n
    bar = max(slot * 0.38, 1.0)
    parts = [
        f'<rect class="chart__bar chart__bar--0" x="{left}" y="2" width="10" height="10"/>'
        f'<text class="chart__legend" x="{left + 14}" y="11">{escape(issued_label)}</text>'
        f'<rect class="chart__bar chart__bar--1" x="{left + 150}" y="2" width="10" height="10"/>'
        f'<text class="chart__legend" x="{left + 164}" y="11">{escape(redeemed_label)}</text>'
    ]
    for t in ticks:
        y = bottom - t * scale
        parts.append(
            f'<line class="chart__grid" x1="{left}" x2="{width}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="chart__axis" x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">'
            f"{_short(t)}</text>"
        )
    every = max(1, -(-n // (4 if width == WIDTH else 8)))  # room for "marras 2026"
    for i, (m, a, b) in enumerate(zip(months, issued, redeemed, strict=True)):
        x = left + i * slot + slot * 0.1
        parts.append(
            f'<rect class="chart__bar chart__bar--0" x="{x:.1f}" y="{bottom - a * scale:.1f}" '
            f'width="{bar:.1f}" height="{a * scale:.1f}"/>'
            f'<rect class="chart__bar chart__bar--1" x="{x + bar:.1f}" '
            f'y="{bottom - b * scale:.1f}" width="{bar:.1f}" height="{b * scale:.1f}"/>'
        )
        if i % every == 0:
            parts.append(
                f'<text class="chart__axis" x="{x:.1f}" y="{bottom + 16}">{escape(m)}</text>'
            )
    return _frame(height, title, desc, "".join(parts), width)


def line_chart(
    months: Sequence[str],
    values: Sequence[float | None],
    *,
    title: str,
    desc: str,
    baseline: float = 100.0,
) -> SafeString:
    """A line by month (gaps where a month has no value) against a dashed baseline."""
    return _both(
        lambda width: _line_chart(
            months, values, title=title, desc=desc, baseline=baseline, width=width
        )
    )


def _line_chart(
    months: Sequence[str],
    values: Sequence[float | None],
    *,
    title: str,
    desc: str,
    baseline: float,
    width: int,
) -> SafeString:
    height, left, bottom, top_pad = 190, 42, 160, 10
    known = [v for v in values if v is not None]
    lo = min([*known, baseline]) * 0.95
    hi = max([*known, baseline]) * 1.05
    span = (hi - lo) or 1.0
    n = max(len(months), 1)
    slot = (width - left - 8) / max(n - 1, 1)

    def y(v: float) -> float:
        return bottom - (v - lo) / span * (bottom - top_pad)

    parts = [
        f'<line class="chart__baseline" x1="{left}" x2="{width}" y1="{y(baseline):.1f}" '
        f'y2="{y(baseline):.1f}"/>'
        f'<text class="chart__axis" x="{left - 4}" y="{y(baseline) + 4:.1f}" '
        f'text-anchor="end">{_short(baseline)}</text>'
        f'<text class="chart__axis" x="{left - 4}" y="{y(hi) + 10:.1f}" text-anchor="end">'
        f"{_short(hi)}</text>"
        f'<text class="chart__axis" x="{left - 4}" y="{y(lo):.1f}" text-anchor="end">'
        f"{_short(lo)}</text>"
    ]
    path: list[str] = []
    for i, v in enumerate(values):
        if v is None:
            if len(path) > 1:
                parts.append(f'<polyline class="chart__line" points="{" ".join(path)}"/>')
            path = []
            continue
        px = left + i * slot
        path.append(f"{px:.1f},{y(v):.1f}")
        parts.append(f'<circle class="chart__dot" cx="{px:.1f}" cy="{y(v):.1f}" r="2.5"/>')
    if len(path) > 1:
        parts.append(f'<polyline class="chart__line" points="{" ".join(path)}"/>')
    every = max(1, -(-n // (4 if width == WIDTH else 8)))
    for i, m in enumerate(months):
        if i % every == 0:
            parts.append(
                f'<text class="chart__axis" x="{left + i * slot:.1f}" y="{bottom + 16}" '
                f'text-anchor="middle">{escape(m)}</text>'
            )
    return _frame(height, title, desc, "".join(parts), width)


def _short(v: float) -> str:
    if v >= 10_000:
        return f"{v / 1000:.0f}k"
    if v >= 1000:
        return f"{v / 1000:.1f}k"
    return f"{v:.0f}"
