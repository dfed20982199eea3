"""Typed refusals of the integrity review."""

from django.utils.translation import gettext_lazy as _

from core.errors import ConflictError, NotFoundError


class FlagReviewedError(ConflictError):
    code = "flag_already_reviewed"
    default_message = _("This flag has already been reviewed.")


class UnknownFlagError(NotFoundError):
    code = "unknown_flag"
    default_message = _("No such integrity flag.")
