"""The roster preview as plain text (the command) and the template CSV HR downloads."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import Any

from .parsing import COLUMNS
from .planning import plan_counts

TEMPLATE_ROWS = [
    {"employee_id": "E1001", "name": "Aino Virtanen", "email": "aino.virtanen@example.com",
     "team": "Chat", "supervisors": "E2001", "employment_type": "permanent",
     "start_date": "2023-02-01", "end_date": ""},
    {"employee_id": "E1002", "name": "Eero Koskinen", "email": "eero.koskinen@example.com",
     "team": "Puhelin", "supervisors": "E2001;E2002", "employment_type": "agency",
     "start_date": "2025-01-07", "end_date": "2025-06-30"},
    {"employee_id": "E2001", "name": "Sanna Laine", "email": "sanna.laine@example.com",
     "team": "", "supervisors": "", "employment_type": "permanent",
     "start_date": "2019-08-12", "end_date": ""},
    {"employee_id": "E2002", "name": "Mikko Nieminen", "email": "mikko.nieminen@example.com",
     "team": "", "supervisors": "", "employment_type": "permanent",
     "start_date": "2020-03-02", "end_date": ""},
]  # fmt: skip


def roster_csv(rows: Iterable[Mapping[str, str]]) -> bytes:
    """Rows (dicts keyed by the roster's columns) as the roster's UTF-8 CSV, header first."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def _changes(changes: dict[str, list[Any]]) -> str:
    return "; ".join(f"{name}: {old or '–'} → {new or '–'}" for name, (old, new) in changes.items())


def plan_text(plan: dict[str, Any]) -> list[str]:
    counts = plan_counts(plan)
    lines = [
        f"mode {plan['mode']}, rows {plan['rows']}: {counts['new']} new, {counts['changed']} "
        f"changed, {counts['leaving']} leaving, {counts['unchanged']} unchanged, "
        f"{counts['skipped']} skipped; {counts['teams_created']} new teams"
    ]
    for entry in plan["new"]:
        lines.append(
            f"  + {entry['employee_id']} {entry['name']} <{entry['email']}> as {entry['username']}"
            f" ({entry['role']}, team {entry['team'] or '–'})"
        )
    for entry in plan["changed"]:
        lines.append(f"  ~ {entry['employee_id']} {entry['name']}: {_changes(entry['changes'])}")
    for entry in plan["leaving"]:
        when = "closed now" if entry["closes_now"] else f"last day {entry['end_date']}"
        why = " (not in the file)" if entry["reason"] == "not_in_file" else ""
        lines.append(f"  - {entry['employee_id']} {entry['name']}: {when}{why}")
    for item in plan["leaders"]:
        removed = [label for label, _pk in item["remove"]]
        lines.append(f"  team {item['team']}: leaders +{item['add']} -{removed}")
    return lines
