"""Refusals of the history import, with stable codes (rendered by the project's error handler)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import status

from core.errors import ApplicationError, ConflictError, InvalidInputError


class ImportFileError(InvalidInputError):
    """The upload is not a CSV we can read at all (encoding, header, size): no row was looked at."""

    code = "invalid_file"
    default_message = _("The file is not a UTF-8 CSV file with the expected columns.")

    def __init__(self, message: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("fields", {"file": [str(message or self.default_message)]})
        super().__init__(message, **kwargs)


class ImportRejectedError(ApplicationError):
    """At least one row is bad: nothing was imported; `extra` is the whole report."""

    code = "invalid_import"
    http_status = status.HTTP_400_BAD_REQUEST
    default_message = _("The file has errors; nothing was imported.")

    def __init__(self, report: dict[str, Any]) -> None:
        super().__init__(extra=report)
        self.report = report


class ImportConflictError(ConflictError):
    code = "import_conflict"
    default_message = _(
        "Someone added a person or a team with a name from the file during the import. Try again."
    )
