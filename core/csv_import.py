"""What every CSV upload shares (the history import, the roster): its text and its row errors.

Both uploads answer a bad file the same way: a file that is not UTF-8 is refused as a whole with
the byte where it went wrong; a bad row is reported as {row, column, code, message}, every row's
problems together, and nothing is written."""

from __future__ import annotations

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
