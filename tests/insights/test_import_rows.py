"""Every kind of bad row is named by line and column, and rejects the whole file."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.utils import translation

from insights.importing import ImportFileError, ImportRejectedError, history_import
from ledger.services import award_create
from tests.api_support import db_state
from tests.conftest import fund_budget
from tests.insights.conftest import award, csv_of, redemption

pytestmark = pytest.mark.django_db


def rejected(data: bytes) -> dict:
    before = db_state()
    with pytest.raises(ImportRejectedError) as info:
        history_import(data=data)
    assert db_state() == before  # all or nothing: not a person, team or entry was written
    report = info.value.report
    assert report["ok"] is False and report["imported"] == 0
    return report


def codes(report: dict) -> list[tuple[int, str, str]]:
    return [(e["row"], e["column"], e["code"]) for e in report["errors"]]


@pytest.mark.parametrize(
    ("bad", "column", "code"),
    [
        ({"timestamp": ""}, "timestamp", "required"),
        ({"timestamp": "4.3.2024 10:00"}, "timestamp", "invalid"),
        ({"timestamp": "2024-03-04T10:00:00"}, "timestamp", "no_offset"),
        ({"timestamp": "2999-01-01T00:00:00+00:00"}, "timestamp", "in_future"),
        ({"event": "bonus"}, "event", "unknown_event"),
        ({"event": ""}, "event", "required"),
        ({"points": "ten"}, "points", "invalid"),
        ({"points": "12.5"}, "points", "invalid"),
        ({"points": "-5"}, "points", "invalid"),
        ({"points": "0"}, "points", "out_of_range"),
        ({"points": "1000000001"}, "points", "out_of_range"),
        ({"points": ""}, "points", "required"),
        ({"employee": ""}, "employee", "required"),
        ({"employee": "aino virtanen"}, "employee", "invalid"),
        ({"employment_type": "contractor"}, "employment_type", "invalid"),
        ({"employment_type": ""}, "employment_type", "required"),
        ({"supervisor": ""}, "supervisor", "required"),
        ({"supervisor": "AINO"}, "supervisor", "self_award"),
        ({"reason": "x" * 501}, "reason", "too_long"),
        ({"team": "t" * 101}, "team", "too_long"),
        ({"id": "i" * 201}, "id", "too_long"),
    ],
)
def test_a_bad_award_value_names_its_row_and_column(bad, column, code):
    report = rejected(csv_of(award(id="ok", employee="eero"), award(**{"id": "bad", **bad})))
    assert codes(report) == [(3, column, code)]
    assert report["errors"][0]["message"]


def test_a_redemption_costs_at_most_a_market_price():
    report = rejected(csv_of(award(points=1_000_000_000), redemption(points=10_000_001)))
    assert codes(report) == [(3, "points", "out_of_range")]


def test_a_redemption_needs_a_reward():
    report = rejected(csv_of(award(id="1"), redemption(id="2", reward="")))
    assert codes(report) == [(3, "reward", "required")]


def test_every_bad_row_is_reported_at_once_in_line_order():
    report = rejected(
        csv_of(
            award(id="1", points="x"),
            award(id="2"),
            redemption(id="3", event="refund", timestamp="yesterday"),
        )
    )
    assert codes(report) == [(2, "points", "invalid"), (4, "event", "unknown_event"),
                             (4, "timestamp", "invalid")]  # fmt: skip
    assert report["rows"] == 3


def test_duplicated_ids_and_duplicated_rows_are_refused():
    report = rejected(
        csv_of(award(id="7"), award(id="7", points=5), award(points=3), award(points=3))
    )
    assert codes(report) == [(3, "id", "duplicate_id"), (5, "", "duplicate_row")]


def test_a_redemption_may_not_take_a_balance_below_zero_at_its_time():
    # In file order the award comes first, but in time the redemption is before it.
    report = rejected(
        csv_of(
            award(id="a", timestamp="2024-03-10T10:00:00+02:00", points=100),
            redemption(id="r", timestamp="2024-03-05T10:00:00+02:00", points=60),
            award(id="b", employee="eero", points=10),
            redemption(id="s", employee="eero", points=10),
            redemption(id="t", employee="eero", points=1, timestamp="2024-03-06T10:00:00+02:00"),
        )
    )
    assert codes(report) == [(3, "points", "insufficient_balance"),
                             (6, "points", "insufficient_balance")]  # fmt: skip
    assert "-60" in report["errors"][0]["message"]


def test_existing_points_count_towards_a_redemption(crew, reason):
    agent = crew.agents[0]
    fund_budget(crew.supervisor, 500)
    award_create(
        giver=crew.supervisor, recipient=agent, reason=reason, points=50,
        created_at=datetime(2024, 6, 1, tzinfo=UTC),
    )  # fmt: skip
    # The 50 existing points are not there yet in March 2024.
    report = rejected(csv_of(redemption(employee=agent.username, points=50)))
    assert codes(report) == [(2, "points", "insufficient_balance")]
    # After the existing award, they are.
    ok = history_import(
        data=csv_of(
            redemption(employee=agent.username, points=50, timestamp="2025-01-01T00:00:00Z")
        )
    )
    assert ok["imported"] == 1


def test_a_row_with_more_values_than_columns_is_malformed():
    data = (
        csv_of(award(id="1"))
        + b"2,2024-03-04T10:00:00+02:00,award,eero,E,T,permanent,5,,sanna,,extra\n"
    )
    assert codes(rejected(data)) == [(3, "", "malformed")]


def test_a_quoted_value_spanning_lines_is_named_by_its_first_line():
    data = csv_of(award(id="1")) + (
        b'2,2024-03-04T10:00:00+02:00,award,eero,E,T,permanent,zero,,sanna,"two\nlines"\n'
        b"3,2024-03-04T10:00:00+02:00,award,eero,E,T,permanent,-1,,sanna,\n"
    )
    assert codes(rejected(data)) == [(3, "points", "invalid"), (5, "points", "invalid")]


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (b"", "empty"),
        (b"timestamp;event\n", "employee"),
        (b"\xff\xfeid,timestamp\n", "UTF-8"),
        (b"id,timestamp,timestamp\n", "twice"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_with_a_clear_message(data, needle):
    before = db_state()
    with pytest.raises(ImportFileError) as info, translation.override("en"):
        history_import(data=data)
    assert needle in info.value.message
    assert db_state() == before


def test_missing_columns_are_named():
    data = csv_of(award(), columns=("timestamp", "event", "employee", "points"))
    with pytest.raises(ImportFileError) as info:
        history_import(data=data)
    assert info.value.extra["missing_columns"] == [
        "employee_name", "team", "employment_type", "reward", "supervisor",
    ]  # fmt: skip
