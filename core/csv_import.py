"""What every CSV upload shares (the history import, the roster): its text and its row errors.

Both uploads answer a bad file the same way: a file that is not UTF-8 is refused as a whole with
the byte where it went wrong; a bad row is reported as {row, column, code, message}, every row's
problems together, and nothing is written."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from typing import Any

from django.utils.translation import gettext as _

from core.errors import ApplicationError


def row_error(line: int, column: str, code: str, message: str) -> dict[str, Any]:
    """One problem of one row: the line number in the file, the column, a stable code, the text."""
    return {"row": line, "column": column, "code": code, "message": message}


def csv_text(data: bytes, *, refuse: type[ApplicationError]) -> str:
    """The upload's text; a byte-order mark is allowed (spreadsheets write one). A file that is
    not UTF-8 raises `refuse` (the upload's own error) with the byte where it went wrong."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise refuse(
            _("The file is not UTF-8 text (byte %(at)d). Save it as “CSV UTF-8”.")
            % {"at": exc.start + 1}
        ) from exc


def csv_records(
    reader: Any, *, width: int, errors: list[dict[str, Any]]
) -> Iterator[tuple[int, list[str] | None]]:
    """Every non-blank row after the header, as (the line it starts on, its values): a quoted
    value may span lines, so a row is named by its first. A row with more values than the
    header's `width` is reported into `errors` and comes as None; a CSV syntax error is reported
    and ends the rows (nothing after it can be read reliably)."""
    line = reader.line_num
    while True:
        start = line + 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            errors.append(row_error(reader.line_num, "", "malformed", str(exc)))
            return
        line = reader.line_num
        if not any(value.strip() for value in record):
            continue  # blank lines (a trailing one, most often) are not rows
        if len(record) > width and any(value.strip() for value in record[width:]):
            errors.append(
                row_error(start, "", "malformed", _("More values than the header has columns."))
            )
            yield start, None
            continue
        yield start, record


def cells(positions: dict[str, int], record: list[str]) -> Callable[[str], str]:
    """The row's value of a column, stripped ("" for a column the file does not have)."""

    def get(column: str) -> str:
        index = positions.get(column)
        return record[index].strip() if index is not None and index < len(record) else ""

    return get
