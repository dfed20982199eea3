"""Refusals about people and their sign-in (core.errors)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import status

from core.errors import (
    ApplicationError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)


class UnknownTokenError(NotFoundError):
    """No API token of this person has that id (someone else's answers the same)."""

    code = "unknown_token"
    default_message = _("No such token of yours.")


class RosterInvalidError(ApplicationError):
    """At least one row of the roster is bad: nothing was stored or changed; `extra["rows"]` lists
    every problem (row number, column, code, message)."""

    code = "roster_invalid"
    http_status = status.HTTP_400_BAD_REQUEST
    default_message = _("The roster has errors; nothing was changed.")

    MAX_ROWS = 1_000  # a file of nonsense reports its first thousand problems

    def __init__(self, rows: list[dict[str, Any]], message: Any = None) -> None:
        omitted = max(0, len(rows) - self.MAX_ROWS)
        self.rows = rows[: self.MAX_ROWS]
        super().__init__(message, extra={"rows": self.rows, "rows_omitted": omitted})
        self.omitted = omitted


class RosterFileError(InvalidInputError):
    """The upload is not a roster we can read at all (encoding, header, size)."""

    code = "roster_file_invalid"
    default_message = _("The file is not a UTF-8 CSV roster with the expected columns.")

    def __init__(self, message: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("fields", {"file": [str(message or self.default_message)]})
        super().__init__(message, **kwargs)


class RosterPreviewStaleError(ConflictError):
    code = "roster_preview_stale"
    default_message = _(
        "People or teams changed since this preview was made: upload the file again to see "
        "what it would change now."
    )


class RosterAlreadyAppliedError(ConflictError):
    code = "roster_already_applied"
    default_message = _("This roster has already been applied.")


class RosterImportNotFoundError(NotFoundError):
    code = "roster_import_not_found"
    default_message = _("No such roster import.")


class PasswordLoginDisabledError(PermissionDeniedError):
    """PASSWORD_LOGIN_ENABLED is false: people sign in through single sign-on only."""

    code = "password_login_disabled"
    default_message = _(
        "Signing in with a password is switched off here: use single sign-on instead."
    )


class SsoRefusedError(PermissionDeniedError):
    """Single sign-on proved who someone is, but they may not sign in here (subclasses say why)."""

    code = "sso_refused"
    default_message = _("Single sign-on did not succeed. Try again, or ask HR for help.")


class SsoUnknownPersonError(SsoRefusedError):
    code = "sso_unknown_person"
    default_message = _(
        "Your account at the sign-in service is not linked to anyone here. Ask HR to add you "
        "(with your work e-mail address or employee id)."
    )


class SsoAccountClosedError(SsoRefusedError):
    code = "sso_account_closed"
    default_message = _(
        "Your account here is closed, so you cannot sign in. Ask HR if this is wrong."
    )


class SsoIdentityConflictError(SsoRefusedError):
    code = "sso_identity_conflict"
    default_message = _(
        "Your account at the sign-in service matches an account here that is linked to "
        "someone else, or more than one account. Ask HR to check your details."
    )


class SsoProviderUnavailableError(ApplicationError):
    """The identity provider did not answer (or answered nonsense): nothing the person did."""

    code = "sso_provider_unavailable"
    http_status = 503
    default_message = _("The sign-in service cannot be reached just now. Try again in a moment.")
