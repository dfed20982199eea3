"""Refusals about people and their sign-in (core.errors)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError, NotFoundError, PermissionDeniedError


class UnknownTokenError(NotFoundError):
    """No API token of this person has that id (someone else's answers the same)."""

    code = "unknown_token"
    default_message = _("No such token of yours.")


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
