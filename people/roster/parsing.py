"""Reading a roster CSV into typed rows, with every check that needs no database.

Errors name the CSV line (the header is line 1), the column and a stable code, as the history
import's do, so that HR can fix the file in a spreadsheet.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from core.csv_import import cells, csv_records, csv_text, row_error

from ..errors import RosterFileError
from ..models import EmploymentType

COLUMNS = (
    "employee_id", "name", "email", "team", "supervisors", "employment_type", "start_date",
    "end_date",
)  # fmt: skip
REQUIRED_COLUMNS = ("employee_id", "name", "email")
"""The other columns may be left out of the header: a column that is not there is not managed
(nobody's value of it changes). A column that is there is the truth: an empty cell empties it."""

# Finnish headers, as an HR system's Finnish export names them.
ALIASES = {
    "henkilönumero": "employee_id",
    "työntekijänumero": "employee_id",
    "nimi": "name",
    "sähköposti": "email",
    "tiimi": "team",
    "esihenkilöt": "supervisors",
    "esihenkilö": "supervisors",
    "työsuhde": "employment_type",
    "alkupäivä": "start_date",
    "loppupäivä": "end_date",
}
EMPLOYMENT_TYPES = {
    "permanent": EmploymentType.PERMANENT,
    "vakituinen": EmploymentType.PERMANENT,
    "agency": EmploymentType.AGENCY,
    "vuokratyö": EmploymentType.AGENCY,
}
MAX_LENGTHS = {"employee_id": 64, "name": 150, "email": 254, "team": 100}
MAX_ROWS = 50_000
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SUPERVISOR_SEPARATOR = re.compile(r"[;|]")
_FINNISH_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})\Z")


@dataclass(slots=True)
class RosterRow:
    line: int
    employee_id: str
    name: str
    email: str
    team: str = ""
    supervisors: tuple[str, ...] = ()
    employment_type: str = EmploymentType.PERMANENT
    start_date: date | None = None
    end_date: date | None = None


@dataclass
class ParsedRoster:
    columns: frozenset[str]  # the managed columns (those in the header)
    rows: list[RosterRow] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0


error = row_error  # {row, column, code, message}: the shape every upload reports


def _decode(data: bytes) -> str:
    return csv_text(data, refuse=RosterFileError)


def _delimiter(text: str) -> str:
    """A comma or a semicolon (a Finnish spreadsheet's CSV), whichever the header has more of."""
    header = text.split("\n", 1)[0]
    return ";" if header.count(";") > header.count(",") else ","


def _header(names: list[str]) -> dict[str, int]:
    positions: dict[str, int] = {}
    for index, raw in enumerate(names):
        name = raw.strip().lower().replace(" ", "_")
        name = ALIASES.get(name, name)
        if not name:
            continue
        if name in positions:
            raise RosterFileError(_("The column “%(name)s” appears twice.") % {"name": name})
        if name in COLUMNS:
            positions[name] = index
    missing = [c for c in REQUIRED_COLUMNS if c not in positions]
    if missing:
        raise RosterFileError(
            _("The header row lacks these columns: %(columns)s.") % {"columns": ", ".join(missing)},
            extra={"missing_columns": missing},
        )
    return positions


def parse_date(text: str) -> date:
    """2025-03-01 or 1.3.2025; ValueError otherwise."""
    found = _FINNISH_DATE.match(text)
    if found:
        day, month, year = (int(part) for part in found.groups())
        return date(year, month, day)
    return date.fromisoformat(text)


def _check_row(line: int, get: Any, columns: frozenset[str]) -> tuple[RosterRow | None, list]:
    errors: list[dict[str, Any]] = []

    def bad(column: str, code: str, message: str) -> None:
        errors.append(error(line, column, code, message))

    for column in columns:
        found = _CONTROL.search(get(column))
        if found:
            bad(column, "control_character",
                _("Contains a control character (code %(code)d): remove it.")
                % {"code": ord(found.group())})  # fmt: skip
    if errors:
        return None, errors
    for column, limit in MAX_LENGTHS.items():
        if len(get(column)) > limit:
            bad(column, "too_long", _("At most %(n)d characters.") % {"n": limit})
    for column in REQUIRED_COLUMNS:
        if not get(column):
            bad(column, "required", _("This column is required."))
    email = get("email").lower()
    if email and len(email) <= MAX_LENGTHS["email"]:
        try:
            validate_email(email)
        except ValidationError:
            bad("email", "invalid_email", _("Not a valid e-mail address."))
    supervisors = tuple(
        dict.fromkeys(
            s.strip() for s in _SUPERVISOR_SEPARATOR.split(get("supervisors")) if s.strip()
        )
    )
    if get("employee_id") in supervisors:
        bad("supervisors", "self_supervisor", _("A person cannot be their own supervisor."))
    if supervisors and not get("team") and "team" in columns:
        bad("team", "team_required", _("Supervisors lead a team: name the team."))
    kind = get("employment_type").lower()
    employment_type = EmploymentType.PERMANENT
    if kind:
        if kind not in EMPLOYMENT_TYPES:
            bad("employment_type", "invalid_choice", _("Use permanent or agency."))
        else:
            employment_type = EMPLOYMENT_TYPES[kind]
    dates: dict[str, date | None] = {}
    for column in ("start_date", "end_date"):
        text = get(column)
        dates[column] = None
        if text:
            try:
                dates[column] = parse_date(text)
            except ValueError:
                bad(column, "invalid_date",
                    _("Not a date: “%(value)s”. Use 2025-03-31 or 31.3.2025.")
                    % {"value": text[:40]})  # fmt: skip
    start, end = dates["start_date"], dates["end_date"]
    if start and end and end < start:
        bad("end_date", "end_before_start", _("The last working day is before the first."))
    if errors:
        return None, errors
    return (
        RosterRow(
            line=line,
            employee_id=get("employee_id"),
            name=get("name"),
            email=email,
            team=get("team"),
            supervisors=supervisors,
            employment_type=employment_type,
            start_date=start,
            end_date=end,
        ),
        [],
    )


def parse(data: bytes) -> ParsedRoster:
    """Read and check every row; a file we cannot read at all raises `RosterFileError`."""
    text = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        names = next(reader)
    except StopIteration:
        raise RosterFileError(_("The file is empty.")) from None
    except csv.Error as exc:
        raise RosterFileError(_("The file is not valid CSV: %(error)s") % {"error": exc}) from exc
    positions = _header(names)
    parsed = ParsedRoster(columns=frozenset(positions))
    first_line: dict[tuple[str, str], int] = {}
    for start, record in csv_records(reader, width=len(names), errors=parsed.errors):
        parsed.total += 1
        if parsed.total > MAX_ROWS:
            raise RosterFileError(_("At most %(n)d rows in one file.") % {"n": MAX_ROWS})
        if record is None:
            continue
        get = cells(positions, record)
        row, errors = _check_row(start, get, parsed.columns)
        if row is None:
            parsed.errors.extend(errors)
            continue
        duplicate = False
        for column, value in (("employee_id", row.employee_id), ("email", row.email)):
            first = first_line.setdefault((column, value.lower()), start)
            if first != start:
                duplicate = True
                parsed.errors.append(
                    error(start, column, f"duplicate_{'id' if column == 'employee_id' else column}",
                          _("The same value as row %(row)d.") % {"row": first})
                )  # fmt: skip
        if not duplicate:
            parsed.rows.append(row)
    return parsed
