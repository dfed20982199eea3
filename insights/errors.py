"""Typed refusals of HR insights."""

from django.utils.translation import gettext_lazy as _

from core.errors import ConflictError


class InsightsNotComputedError(ConflictError):
    code = "insights_not_computed"
    default_message = _(
        "Insights have not been computed yet. Ask for a recomputation and try again in a minute."
    )
