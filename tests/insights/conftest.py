"""Fixtures of the insights tests: a small synthetic population, and CSV rows for the import."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone

from insights.importing.formatting import history_csv
from insights.importing.parsing import COLUMNS
from insights.models import InsightsRun
from insights.services import insights_recompute

from .synthetic.policies import POLICIES, population
from .synthetic.writer import histories_write


@pytest.fixture
def small_population(db: None) -> InsightsRun:
    """36 synthetic agents in teams of 12 (big enough groups), recomputed."""
    end = (timezone.now() - timedelta(minutes=1)).timestamp()
    histories_write(
        population(5, dict.fromkeys(POLICIES, 7), end=end)[:36], prefix="pop", checked=False
    )
    run = insights_recompute()
    assert run is not None
    return run


def csv_of(*rows: dict[str, str], columns: tuple[str, ...] = COLUMNS) -> bytes:
    """A CSV with the given columns; each row's missing columns are blank."""
    full = [{column: str(row.get(column, "")) for column in columns} for row in rows]
    if columns == COLUMNS:
        return history_csv(full)
    lines = [",".join(columns)] + [",".join(r[c] for c in columns) for r in full]
    return ("\n".join(lines) + "\n").encode()


def award(**values: object) -> dict[str, str]:
    row = {
        "timestamp": "2024-03-04T10:00:00+02:00",
        "event": "award",
        "employee": "aino",
        "employee_name": "Aino Virtanen",
        "team": "Chat",
        "employment_type": "permanent",
        "points": "100",
        "supervisor": "sanna",
        "reason": "Great NPS",
    }
    row.update({k: str(v) for k, v in values.items()})
    return row


def redemption(**values: object) -> dict[str, str]:
    row = {
        "timestamp": "2024-03-05T12:00:00+02:00",
        "event": "redemption",
        "employee": "aino",
        "employee_name": "Aino Virtanen",
        "team": "Chat",
        "employment_type": "permanent",
        "points": "60",
        "reward": "Teatteri-ilta",
    }
    row.update({k: str(v) for k, v in values.items()})
    return row


@pytest.fixture
def signals_received() -> Callable[[], list[dict[str, object]]]:
    from insights.signals import history_imported

    received: list[dict[str, object]] = []

    def receiver(sender: object, **kwargs: object) -> None:
        received.append(kwargs)

    history_imported.connect(receiver, weak=False)
    yield lambda: received
    history_imported.disconnect(receiver)
