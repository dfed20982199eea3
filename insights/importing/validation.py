"""The one check that needs the ledger: no redemption may take a wallet below zero at its time."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from .parsing import REDEMPTION, Row, error


def signed_points(row: Row) -> int:
    """What the row does to the employee's wallet."""
    return -row.points if row.event == REDEMPTION else row.points


def balance_errors(
    rows: Iterable[Row], existing: Mapping[str, Iterable[tuple[datetime, int]]]
) -> list[dict[str, Any]]:
    """Run each employee's wallet forward in time over their existing entries (`existing`: by
    lower-cased username, (time, amount)) and the file's rows; report, per employee, the first row
    after which the balance is below zero.

    Ties in time: the ledger's entries first (they happened), then the file in file order. If an
    existing entry is what goes below zero (a past redemption inserted before a later purchase),
    the file's latest redemption before it is the row to blame."""
    events: dict[str, list[tuple[datetime, int, int, int, Row | None]]] = defaultdict(list)
    for row in rows:
        events[row.employee_key].append((row.timestamp, 1, row.line, signed_points(row), row))
    errors = []
    for employee, timeline in events.items():
        timeline.extend((at, 0, 0, amount, None) for at, amount in existing.get(employee, ()))
        timeline.sort(key=lambda event: event[:3])
        balance = 0
        last_redemption: Row | None = None
        for at, _order, _line, amount, from_file in timeline:
            balance += amount
            if from_file is not None and from_file.event == REDEMPTION:
                last_redemption = from_file
            if balance < 0:
                culprit = from_file or last_redemption
                if culprit is None:  # the ledger's own history: not this file's doing
                    continue
                errors.append(
                    error(
                        culprit.line,
                        "points",
                        "insufficient_balance",
                        _(
                            "%(employee)s would have %(balance)d points after this at "
                            "%(at)s: a balance cannot go below zero."
                        )
                        % {
                            "employee": culprit.employee,
                            "balance": balance,
                            "at": at.isoformat(timespec="seconds"),
                        },
                    )
                )
                break
    errors.sort(key=lambda e: e["row"])
    return errors
