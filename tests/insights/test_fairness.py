"""Gini, group figures, suppression under 5 people and the gaps between groups."""

from __future__ import annotations

import pytest

from insights.analysis.fairness import fairness_for_window
from insights.analysis.loading import Person, Population
from insights.analysis.stats import gini, weighted_median


def test_gini() -> None:
    assert gini([5, 5, 5, 5]) == 0
    assert gini([0, 0, 0, 10]) == pytest.approx(0.75)
    assert gini([]) == 0 and gini([0, 0]) == 0
    assert 0 < gini([1, 2, 3, 4]) < 0.5


def test_weighted_median() -> None:
    assert weighted_median([(1, 1), (10, 3)]) == 10
    assert weighted_median([(1, 3), (10, 1)]) == 1
    assert weighted_median([]) is None


def _population(sizes: dict[tuple[int, str], list[float]]) -> tuple[Population, dict[int, float]]:
    people, rates = {}, {}
    pk = 0
    for (team, etype), values in sizes.items():
        for v in values:
            pk += 1
            people[pk] = Person(pk, f"u{pk}", f"U{pk}", "agent", etype, team, 0.0)
            rates[pk] = v
    pop = Population(
        people,
        {},
        {1: "Alpha", 2: "Beta", 3: "Gamma"},
        {100: [1, 2], 101: [3]},
        {100: "Sue", 101: "Sam"},
    )
    return pop, rates


def test_groups_and_gaps() -> None:
    pop, rates = _population(
        {
            (1, "permanent"): [100, 100, 100, 100, 100],
            (2, "permanent"): [50, 50, 50, 50, 50, 50],
            (3, "agency"): [80, 80, 80, 80],  # 4 people: suppressed as a team
            (2, "agency"): [60],
        }
    )
    out = fairness_for_window(pop, rates)
    teams = {g["label"]: g for g in out["by_team"]}
    assert teams["Alpha"]["mean"] == 100 and teams["Alpha"]["gini"] == 0
    assert teams["Beta"]["people"] == 7 - 0 and teams["Beta"]["suppressed"] is False
    assert teams["Gamma"] == {
        "key": 3,
        "label": "Gamma",
        "people": None,
        "suppressed": True,
        "mean": None,
        "median": None,
        "gini": None,
    }
    assert out["gaps"]["team"]["highest"] == "Alpha" and out["gaps"]["team"]["lowest"] == "Beta"
    assert out["gaps"]["team"]["gap"] == pytest.approx(100 - (50 * 6 + 60) / 7, abs=0.1)
    sups = {g["label"]: g for g in out["by_supervisor"]}
    assert sups["Sue"]["people"] == 12 and sups["Sam"]["suppressed"] is True
    types = {g["key"]: g for g in out["by_employment_type"]}
    assert types["agency"]["people"] == 5 and types["permanent"]["people"] == 11
    assert out["employment_type_gap"]["agency_minus_permanent"] == pytest.approx(
        (80 * 4 + 60) / 5 - (500 + 300) / 11, abs=0.1
    )
