"""The server-side SVG charts: well-formed, inside their viewBox, with the band and base drawn."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pricing.charts import ChartBox, nice_ticks, price_chart, sparkline


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def view_box(root: ET.Element) -> tuple[float, float, float, float]:
    x, y, w, h = (float(v) for v in root.attrib["viewBox"].split())
    return x, y, w, h


def points(element: ET.Element) -> list[tuple[float, float]]:
    return [
        (float(x), float(y))
        for x, y in (pair.split(",") for pair in element.attrib["points"].split())
    ]


def inside(root: ET.Element, xy: tuple[float, float]) -> bool:
    x0, y0, w, h = view_box(root)
    return x0 <= xy[0] <= x0 + w and y0 <= xy[1] <= y0 + h


def history(prices: list[int]) -> list[tuple[date, int]]:
    start = date(2026, 11, 1)
    return [(start + timedelta(days=i), price) for i, price in enumerate(prices)]


# --- sparkline ----------------------------------------------------------------------------------


def test_sparkline_is_decoration_inside_its_box() -> None:
    root = parse(sparkline([100, 104, 98, 120, 110]))
    assert root.attrib["aria-hidden"] == "true"
    assert view_box(root) == (0, 0, 80, 24)
    line = root.find("polyline")
    assert line is not None
    drawn = points(line)
    assert len(drawn) == 5
    assert all(inside(root, p) for p in drawn)
    # The highest price is drawn highest (smallest y), the lowest lowest.
    ys = [y for _x, y in drawn]
    assert ys.index(min(ys)) == 3 and ys.index(max(ys)) == 2
    assert "spark--up" in root.attrib["class"]


def test_sparkline_trend_class_follows_first_and_last() -> None:
    assert "spark--down" in parse(sparkline([120, 100])).attrib["class"]
    assert "spark--flat" in parse(sparkline([100, 100, 100])).attrib["class"]


def test_sparkline_of_nothing_is_empty_and_of_one_value_is_a_level_line() -> None:
    assert sparkline([]) == ""
    root = parse(sparkline([42]))
    line = root.find("polyline")
    assert line is not None
    (x1, y1), (x2, y2) = points(line)
    assert y1 == y2 == 12 and x1 < x2


def test_a_one_point_wiggle_is_not_drawn_as_a_cliff() -> None:
    line = parse(sparkline([50, 51, 50])).find("polyline")
    assert line is not None
    ys = [y for _x, y in points(line)]
    assert max(ys) - min(ys) < 12  # less than half the height for a 2 % move


@given(st.lists(st.integers(min_value=1, max_value=100_000), min_size=1, max_size=400))
def test_sparkline_points_always_inside(values: list[int]) -> None:
    root = parse(sparkline(values))
    line = root.find("polyline")
    assert line is not None
    assert all(inside(root, p) for p in points(line))


# --- price chart --------------------------------------------------------------------------------


def chart(prices: list[int], base: int = 120, band: tuple[int, int] | None = (60, 240)) -> str:
    return price_chart(
        history=history(prices),
        base_price=base,
        band=band,
        title="Price history of <Spa & sauna>",
        description="Price over the last 30 days: from 120 to 131 points; base price 120",
    )


def test_chart_is_an_image_with_a_title_and_a_description() -> None:
    root = parse(chart([120, 125, 131]))
    assert root.attrib["role"] == "img"
    assert root.attrib["aria-label"].startswith("Price over the last 30 days")
    title = root.find("title")
    assert title is not None and title.text == "Price history of <Spa & sauna>"
    assert root.attrib["width"] == "100%"  # scales to a phone through the viewBox


def test_chart_draws_price_base_and_band_inside_the_view_box() -> None:
    svg = chart([120, 125, 131, 128])
    root = parse(svg)
    box = ChartBox()
    price = root.find("polyline[@class='chart__price']")
    assert price is not None
    drawn = points(price)
    assert len(drawn) == 4 and all(inside(root, p) for p in drawn)
    # Left to right in time, the last point at the right edge of the plot.
    assert drawn[0][0] == box.left and drawn[-1][0] == box.left + box.plot_w
    base = root.find("line[@class='chart__base']")
    assert base is not None and base.attrib["stroke-dasharray"]
    base_y = float(base.attrib["y1"])
    # The base (120) lies below the highest price (131): larger y.
    assert base_y > min(y for _x, y in drawn)
    assert base_y == pytest.approx(drawn[0][1])  # the first price equals the base
    band = root.find("rect[@class='chart__band']")
    assert band is not None
    top, height = float(band.attrib["y"]), float(band.attrib["height"])
    assert inside(root, (box.left, top)) and inside(root, (box.left, top + height))
    # The band (60..240) is wider than the zoomed plot: it fills the plot, clipped.
    assert top == box.top and top + height == pytest.approx(box.top + box.plot_h)


def test_band_edge_inside_the_plot_is_drawn_where_it_is() -> None:
    # Prices at the ceiling: the band's upper edge (240) is inside the plot, below its top.
    root = parse(chart([220, 230, 240], base=120, band=(60, 240)))
    band = root.find("rect[@class='chart__band']")
    price = root.find("polyline[@class='chart__price']")
    assert band is not None and price is not None
    assert float(band.attrib["y"]) == pytest.approx(points(price)[-1][1])


def test_chart_labels_name_prices_and_first_and_last_dates() -> None:
    root = parse(chart([120, 131]))
    labels = [t.text for t in root.iter("text")]
    assert "120" in labels
    assert any("2026" in (label or "") for label in labels)
    assert sum("2026" in (label or "") for label in labels) == 2


def test_chart_without_band_and_with_one_day() -> None:
    root = parse(chart([120], band=None))
    assert root.find("rect") is None
    price = root.find("polyline[@class='chart__price']")
    assert price is not None and all(inside(root, p) for p in points(price))


@given(
    st.lists(st.integers(min_value=1, max_value=50_000), min_size=1, max_size=366),
    st.integers(min_value=1, max_value=25_000),
)
def test_chart_points_always_inside(prices: list[int], base: int) -> None:
    root = parse(chart(prices, base=base, band=(max(1, base // 2), base * 2)))
    price = root.find("polyline[@class='chart__price']")
    assert price is not None
    assert all(inside(root, p) for p in points(price))


@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=0, max_value=10**6))
def test_nice_ticks_cover_the_range(a: int, b: int) -> None:
    low, high = min(a, b), max(a, b)
    ticks = nice_ticks(low, high)
    assert ticks[0] <= low and ticks[-1] >= high
    assert ticks == sorted(set(ticks)) and 2 <= len(ticks) <= 7
