"""Refusals of pricing, each with a stable code."""

from django.utils.translation import gettext_lazy as _

from core.errors import ConflictError, NotFoundError


class ParametersInPastError(ConflictError):
    code = "parameters_in_past"
    default_message = _(
        "Parameters cannot take effect under prices already set; choose now or a later time."
    )


class SaleEndedError(ConflictError):
    code = "sale_ended"
    default_message = _("This sale has already ended or been cancelled.")


class UnknownTickError(NotFoundError):
    code = "unknown_tick"
    default_message = _("No such pricing tick.")
