"""The integrity detectors as pure functions over award rows (no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from insights.analysis.integrity import (
    BURST,
    CIRCULAR,
    OUTLIER,
    RECIPROCAL,
    REPEATED,
    AwardRow,
    Target,
    Thresholds,
    burst_find,
    circular_find,
    integrity_analyse,
    message_normalise,
    outlier_find,
    reciprocal_find,
    repeated_find,
    robust_z,
)

T0 = datetime(2025, 3, 3, 9, tzinfo=UTC)
T = Thresholds()


class Rows:
    def __init__(self) -> None:
        self.rows: list[AwardRow] = []

    def add(self, giver: int, to: int, points: int = 20, days: float = 0.0, msg: str = "") -> None:
        at = T0 + timedelta(days=days)
        self.rows.append(AwardRow(len(self.rows) + 1, giver, to, points, msg, at))


def normal_company(rows: Rows, supervisors: int = 8, team: int = 10) -> None:
    """Supervisor 100+s awards members 1000+s·100+m, a little unevenly: no signal at all."""
    for s in range(supervisors):
        for m in range(team):
            for k in range(3 + (s + m) % 3):
                rows.add(100 + s, 1000 + s * 100 + m, 20 + 5 * ((s + k) % 4), days=k * 9 + m)


def test_normal_awarding_raises_nothing():
    rows = Rows()
    normal_company(rows)

    found = integrity_analyse(rows=rows.rows, targets=[], members={}, thresholds=T,
                              lookback_hours=730 * 24)  # fmt: skip

    assert found == []


def test_reciprocal_needs_both_directions_repeated_within_the_window():
    rows = Rows()
    rows.add(1, 2, days=0)
    rows.add(2, 1, days=1)
    assert reciprocal_find(rows.rows, T) == []  # once each way: below the threshold

    rows.add(1, 2, days=10)
    rows.add(2, 1, days=12, points=50)
    [found] = reciprocal_find(rows.rows, T)

    assert found.kind == RECIPROCAL
    assert found.people == [1, 2]
    assert found.params["awards_ab"] == 2 and found.params["points_ba"] == 70
    assert len(found.awards) == 4


def test_reciprocal_far_apart_in_time_is_not_a_pair():
    rows = Rows()
    rows.add(1, 2, days=0)
    rows.add(1, 2, days=1)
    rows.add(2, 1, days=300)
    rows.add(2, 1, days=301)

    assert reciprocal_find(rows.rows, T) == []


def test_a_ring_of_three_and_one_of_four_are_one_flag_each():
    rows = Rows()
    for a, b in ((1, 2), (2, 3), (3, 1), (11, 12), (12, 13), (13, 14), (14, 11)):
        rows.add(a, b, days=1)
        rows.add(a, b, days=5)
    rows.add(20, 21, days=1)  # a chain, not a ring
    rows.add(21, 22, days=2)

    found = sorted(circular_find(rows.rows, T), key=lambda f: f.people)

    assert [f.people for f in found] == [[1, 2, 3], [11, 12, 13, 14]]
    assert all(f.kind == CIRCULAR for f in found)
    assert found[1].params["length"] == 4 and found[1].params["weakest"] == 2


def test_a_ring_stepped_only_once_per_edge_is_below_the_threshold():
    rows = Rows()
    for a, b in ((1, 2), (2, 3), (3, 1)):
        rows.add(a, b)

    assert circular_find(rows.rows, T) == []
    assert len(circular_find(rows.rows, Thresholds(cycle_min_awards=1))) == 1


def test_robust_z_uses_median_and_mad():
    z, median, scale = robust_z({1: 10.0, 2: 11.0, 3: 9.0, 4: 10.0, 5: 40.0})

    assert median == 10.0
    assert scale == pytest.approx(1 / 0.6745)
    assert z[5] == pytest.approx(0.6745 * 30)
    assert z[1] == 0


def test_robust_z_falls_back_to_mean_absolute_deviation_when_mad_is_zero():
    z, _median, scale = robust_z({1: 10.0, 2: 10.0, 3: 10.0, 4: 10.0, 5: 20.0})

    assert scale == pytest.approx(1.2533 * 2.0)
    assert z[5] > 3.5


def test_supervisor_far_above_peers_per_award_is_flagged_with_its_figures():
    rows = Rows()
    normal_company(rows)
    for m in range(10):  # supervisor 99 gives 5x the points per award
        for k in range(4):
            rows.add(99, 9000 + m, points=125, days=k * 9 + m)

    [found] = outlier_find(rows.rows, {}, T)

    assert found.kind == OUTLIER and found.params["giver"] == 99
    metrics = {m["metric"]: m for m in found.params["metrics"]}
    assert metrics["per_award"]["ratio"] >= 4 and metrics["per_award"]["z"] >= 3.5
    assert found.people[0] == 99 or 99 in found.people


def test_outliers_need_enough_peers():
    rows = Rows()
    normal_company(rows, supervisors=3)
    for m in range(10):
        rows.add(99, 9000 + m, points=200, days=m)
        rows.add(99, 9000 + m, points=200, days=m + 1)

    assert outlier_find(rows.rows, {}, T) == []


def test_burst_before_a_big_purchase_and_before_a_drawing():
    rows = Rows()
    for k in range(30):  # a normal trickle, 20 pts every ten days
        rows.add(5, 7, points=20, days=k * 10)
    buy_at = T0 + timedelta(days=200)
    rows.add(5, 7, points=400, days=199)
    rows.add(5, 7, points=400, days=199.5)
    targets = [
        Target("purchase", 1, 7, buy_at, 900, "Spa"),
        Target("purchase", 2, 7, T0 + timedelta(days=100), 900, "Spa"),  # no burst before it
        Target("purchase", 3, 7, buy_at, 300, "Mug"),  # not a big reward
        Target("drawing", 4, 7, buy_at, 1000, "Bike"),
    ]

    found = burst_find(rows.rows, targets, T, lookback_hours=730 * 24)

    assert {(f.kind, f.params["target"], f.params["ref"]) for f in found} == {
        (BURST, "purchase", 1),
        (BURST, "drawing", 4),
    }
    assert all(f.params["points"] == 800 for f in found)


def test_repeated_message_but_not_a_stock_phrase_nor_a_short_thanks():
    rows = Rows()
    normal_company(rows)
    pasted = "Kiitos hienosta työstä tällä viikolla, jatka samaan malliin!"
    for m in range(6):
        rows.add(100, 1000 + m, msg=pasted if m % 2 else pasted.upper() + "  ")
    for s in range(8):  # every supervisor uses the reason's words: a label, not a copy
        for m in range(3):
            rows.add(100 + s, 1000 + s * 100 + m, msg="Erinomainen asiakaspalaute tänään")
    for m in range(9):
        rows.add(101, 1100 + m, msg="Kiitos!")

    [found] = repeated_find(rows.rows, T)

    assert found.kind == REPEATED
    assert found.params["repeats"] == 6 and found.params["givers"] == 1
    assert message_normalise(pasted) == message_normalise(pasted.upper() + "  ")


def test_thresholds_can_be_overridden_and_unknown_names_are_refused():
    assert Thresholds.with_overrides({"outlier_z": "4"}).outlier_z == 4.0
    with pytest.raises(ValueError, match="unknown"):
        Thresholds.with_overrides({"outlier_zz": 4})


def test_a_flag_names_its_key_people_first_when_it_names_many():
    rows = Rows()
    normal_company(rows)
    for m in range(40):  # supervisor 5000 (a high id) awards 40 people lavishly
        rows.add(5000, 100 + m, points=300, days=m)

    [found] = outlier_find(rows.rows, {}, T)

    assert found.people[0] == 5000 and len(found.people) == 30
