"""Refusals about people and their sign-in (core.errors)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.errors import NotFoundError


class UnknownTokenError(NotFoundError):
    """No API token of this person has that id (someone else's answers the same)."""

    code = "unknown_token"
    default_message = _("No such token of yours.")
