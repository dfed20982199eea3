"""Reading a history CSV into typed rows, and every check that needs no database.

Each row is checked on its own (types, required columns per event kind, lengths), then the file
as a whole (duplicated ids or rows). Errors name the CSV line (the header is line 1) and the
column, so that HR can fix the file in a spreadsheet.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from core.api import MAX_POINTS
from core.csv_import import cells, csv_records, csv_text, row_error
from people.models import EmploymentType
from rewards.services import MAX_PRICE

from .errors import ImportFileError

AWARD = "award"
REDEMPTION = "redemption"
EVENTS = (AWARD, REDEMPTION)

COLUMNS = (
    "id", "timestamp", "event", "employee", "employee_name", "team", "employment_type",
    "points", "reward", "supervisor", "reason",
)  # fmt: skip
OPTIONAL_COLUMNS = frozenset({"id", "reason"})
REQUIRED_COLUMNS = tuple(c for c in COLUMNS if c not in OPTIONAL_COLUMNS)

MAX_ID_LENGTH = 200  # the transaction's key is a varchar(255), "history:id:" included
MAX_LENGTHS = {
    "employee_name": 150,  # User.display_name
    "team": 100,  # Team.name
    "reward": 120,  # Reward.name_fi / name_en
    "reason": 500,  # Award.message
}
_USERNAME = re.compile(r"^[\w.@+-]{1,150}\Z")  # Django's UnicodeUsernameValidator and length
_DIGITS = re.compile(r"^[0-9]+\Z")
# C0 control characters and DEL: PostgreSQL stores no NUL in text, and none of the others
# belongs in a name either. An award's message may keep tabs and line breaks.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MULTILINE_COLUMNS = frozenset({"reason"})
_EMPLOYMENT_TYPES = frozenset(EmploymentType.values)


@dataclass(slots=True)
class Row:
    """One valid event of the file."""

    line: int
    key: str  # the ledger transaction's idempotency key: stable across imports of the same row
    timestamp: datetime
    event: str
    employee: str
    employee_name: str
    team: str
    employment_type: str
    points: int
    reward: str
    supervisor: str
    reason: str

    @property
    def employee_key(self) -> str:
        return self.employee.lower()

    @property
    def supervisor_key(self) -> str:
        return self.supervisor.lower()


@dataclass
class Parsed:
    rows: list[Row] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0  # data rows in the file, bad ones included
    bad_employees: set[str] = field(default_factory=set)  # lower-cased usernames with a bad row


error = row_error  # {row, column, code, message}: the shape every upload reports


def decode(data: bytes) -> str:
    return csv_text(data, refuse=ImportFileError)


def _header(reader: Any) -> dict[str, int]:
    try:
        names = next(reader)
    except StopIteration:
        raise ImportFileError(_("The file is empty.")) from None
    except csv.Error as exc:
        raise ImportFileError(_("The file is not valid CSV: %(error)s") % {"error": exc}) from exc
    positions: dict[str, int] = {}
    for index, name in enumerate(names):
        name = name.strip().lower()
        if name in positions:
            raise ImportFileError(_("The column “%(name)s” appears twice.") % {"name": name})
        if name:
            positions[name] = index
    missing = [c for c in REQUIRED_COLUMNS if c not in positions]
    if missing:
        raise ImportFileError(
            _("The header row lacks these columns: %(columns)s.") % {"columns": ", ".join(missing)},
            extra={"missing_columns": missing},
        )
    return positions


def _timestamp(text: str, now: datetime) -> tuple[datetime | None, str, str]:
    if not text:
        return None, "required", _("A timestamp is required.")
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None, "invalid", _("Not an ISO 8601 date and time: “%(value)s”.") % {"value": text}
    if value.tzinfo is None or value.utcoffset() is None:
        return None, "no_offset", _("The time needs a UTC offset, e.g. 2024-05-03T14:05:00+03:00.")
    if value > now:
        return None, "in_future", _("The time is in the future.")
    return value, "", ""


def _points(text: str) -> tuple[int | None, str, str]:
    if not text:
        return None, "required", _("Points are required.")
    if not _DIGITS.match(text):
        return (
            None,
            "invalid",
            _("Points must be a whole number, got “%(value)s”.") % {"value": text[:40]},
        )
    value = int(text)
    if not 1 <= value <= MAX_POINTS:
        return None, "out_of_range", _("Points must be from 1 to %(max)s.") % {"max": MAX_POINTS}
    return value, "", ""


def _row_key(ext_id: str, values: dict[str, Any]) -> str:
    if ext_id:
        return f"history:id:{ext_id}"
    # The event's own content, not the person's details (a re-export after a team change is the
    # same history). Unit separator between fields: no value can contain it and stay ambiguous.
    content = "\x1f".join(
        [
            values["timestamp"].astimezone(UTC).isoformat(),
            values["event"],
            values["employee"].lower(),
            str(values["points"]),
            values["reward"].lower(),
            values["supervisor"].lower(),
            values["reason"],
        ]
    )
    return f"history:sha256:{hashlib.sha256(content.encode()).hexdigest()}"


def _check_row(line: int, get: Any, now: datetime) -> tuple[Row | None, list[dict[str, Any]]]:
    errors: list[dict[str, Any]] = []
    values: dict[str, Any] = {}

    def bad(column: str, code: str, message: str) -> None:
        errors.append(error(line, column, code, message))

    for column in COLUMNS:
        control = _CONTROL_IN_TEXT if column in _MULTILINE_COLUMNS else _CONTROL
        found = control.search(get(column))
        if found:
            bad(column, "control_character",
                _("Contains a control character (code %(code)d): remove it.")
                % {"code": ord(found.group())})  # fmt: skip
    if errors:
        return None, errors  # the other checks would quote the control characters back
    ext_id = get("id")
    if len(ext_id) > MAX_ID_LENGTH:
        bad("id", "too_long", _("At most %(n)d characters.") % {"n": MAX_ID_LENGTH})
    values["timestamp"], code, message = _timestamp(get("timestamp"), now)
    if code:
        bad("timestamp", code, message)
    event = get("event").lower()
    values["event"] = event
    if not event:
        bad("event", "required", _("The event is required (award or redemption)."))
    elif event not in EVENTS:
        bad("event", "unknown_event", _("Unknown event “%(value)s”: use award or redemption.")
            % {"value": event[:40]})  # fmt: skip
    for column in ("employee", "supervisor"):
        name = get(column)
        values[column] = name
        if name and not _USERNAME.match(name):
            bad(column, "invalid", _("Not a valid username (letters, digits and @ . + - _)."))
    if not values["employee"]:
        bad("employee", "required", _("The employee's username is required."))
    employment_type = get("employment_type").lower()
    values["employment_type"] = employment_type
    if not employment_type:
        bad("employment_type", "required", _("Employment type is required (permanent or agency)."))
    elif employment_type not in _EMPLOYMENT_TYPES:
        bad("employment_type", "invalid", _("Use permanent or agency."))
    values["points"], code, message = _points(get("points"))
    if code:
        bad("points", code, message)
    elif event == REDEMPTION and values["points"] > MAX_PRICE:
        # A new reward is priced at its first redemption, and a price has the market's bounds.
        bad("points", "out_of_range", _("A redemption costs at most %(max)s points.")
            % {"max": MAX_PRICE})  # fmt: skip
    for column, limit in MAX_LENGTHS.items():
        values[column] = get(column)
        if len(values[column]) > limit:
            bad(column, "too_long", _("At most %(n)d characters.") % {"n": limit})
    if event == AWARD:
        if not values["supervisor"]:
            bad("supervisor", "required", _("An award needs the supervisor who gave it."))
        elif values["supervisor"].lower() == values["employee"].lower():
            bad("supervisor", "self_award", _("A supervisor cannot award points to themself."))
    if event == REDEMPTION and not values["reward"]:
        bad("reward", "required", _("A redemption needs the reward's name."))
    if errors:
        return None, errors
    if event == REDEMPTION:
        values["supervisor"] = values["reason"] = ""  # not part of a redemption
    else:
        values["reward"] = ""
    return Row(line=line, key=_row_key(ext_id, values), **values), []


def parse(data: bytes, *, now: datetime | None = None) -> Parsed:
    """Read and check every row; a file we cannot read at all raises `ImportFileError`."""
    now = now or timezone.now()
    reader = csv.reader(io.StringIO(decode(data), newline=""))
    positions = _header(reader)
    parsed = Parsed()
    first_line_of: dict[str, int] = {}
    for start, record in csv_records(reader, width=len(positions), errors=parsed.errors):
        parsed.total += 1
        if record is None:
            continue
        get = cells(positions, record)
        row, errors = _check_row(start, get, now)
        if row is None:
            parsed.errors.extend(errors)
            if get("employee"):
                parsed.bad_employees.add(get("employee").lower())
            continue
        first = first_line_of.setdefault(row.key, start)
        if first != start:
            if row.key.startswith("history:id:"):
                parsed.errors.append(
                    error(start, "id", "duplicate_id",
                          _("The same id as row %(row)d.") % {"row": first})
                )  # fmt: skip
            else:
                parsed.errors.append(
                    error(start, "", "duplicate_row",
                          _("The same event as row %(row)d; give both an id if both happened.")
                          % {"row": first})
                )  # fmt: skip
            parsed.bad_employees.add(row.employee_key)
            continue
        parsed.rows.append(row)
    return parsed
