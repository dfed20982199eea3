"""Helpers of the roster tests: a CSV from rows, and the state a roster may change."""

from __future__ import annotations

import csv
import io
from typing import Any

from people.models import RosterImport, Team, User

HEADER = ("employee_id", "name", "email", "team", "supervisors", "employment_type",
          "start_date", "end_date")  # fmt: skip


def roster(
    *rows: tuple[str, ...] | dict[str, str], header: tuple[str, ...] = HEADER, delimiter: str = ","
) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(c, "") for c in header] if isinstance(row, dict) else row)
    return out.getvalue().encode()


def people_state() -> dict[str, Any]:
    """Everything about people and teams a roster could write, plus the imports stored."""
    return {
        "people": sorted(
            User.objects.values_list(
                "id",
                "username",
                "display_name",
                "email",
                "role",
                "employment_type",
                "team_id",
                "is_active",
                "employee_id",
                "employment_start",
                "employment_end",
                "password",
            )
        ),
        "teams": sorted(Team.objects.values_list("id", "name")),
        "leaders": sorted(Team.leaders.through.objects.values_list("team_id", "user_id")),
        "imports": sorted(RosterImport.objects.values_list("id", "status")),
    }
