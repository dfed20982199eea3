"""Refusals of the ledger, each with a stable code."""

from django.utils.translation import gettext_lazy as _
from rest_framework import status

from core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError


class InsufficientPointsError(ConflictError):
    code = "insufficient_points"
    default_message = _("Not enough points in the wallet.")


class BudgetExceededError(ConflictError):
    code = "budget_exceeded"
    default_message = _("Not enough points left in your award budget.")


class AlreadyReversedError(ConflictError):
    code = "already_reversed"
    default_message = _("This transaction has already been reversed.")


class NotReversibleError(ConflictError):
    code = "not_reversible"
    default_message = _("This transaction cannot be reversed.")


class SelfAwardError(PermissionDeniedError):
    code = "self_award"
    default_message = _("You cannot award points to yourself.")


class NotInYourTeamError(PermissionDeniedError):
    code = "not_in_your_team"
    default_message = _("You can only award points to members of your own teams.")


class RecipientNotAwardableError(PermissionDeniedError):
    code = "recipient_not_awardable"
    default_message = _(
        "You cannot award points to a team leader or to HR; only HR can award them."
    )


class ReversalNotAllowedError(ConflictError):
    code = "reversal_not_allowed"
    default_message = _(
        "This transaction belongs to a redemption or a drawing and cannot be reversed here: "
        "reject or cancel the redemption instead, which refunds the points and returns the stock."
    )


class NotASupervisorError(PermissionDeniedError):
    code = "not_a_supervisor"
    default_message = _("Only supervisors can award points.")


class AwardCapExceededError(ApplicationError):
    code = "award_cap_exceeded"
    http_status = status.HTTP_400_BAD_REQUEST
    default_message = _("That is more points than a single award may give.")


class RecipientInactiveError(ConflictError):
    code = "recipient_inactive"
    default_message = _("This person has left and cannot receive awards.")


class UnknownPersonError(NotFoundError):
    code = "unknown_person"
    default_message = _("No such person.")


class UnknownReasonError(ApplicationError):
    code = "unknown_reason"
    http_status = status.HTTP_400_BAD_REQUEST
    default_message = _("No such published award reason.")


class SelfThanksError(ApplicationError):
    code = "thanks_self"
    http_status = status.HTTP_400_BAD_REQUEST
    default_message = _("You cannot thank yourself. Thank a colleague instead.")


class ThanksRecipientInactiveError(RecipientInactiveError):
    default_message = _("This person has left and cannot be thanked.")


class ThanksAlreadyAwardedError(ConflictError):
    code = "thanks_already_awarded"
    default_message = _("This thanks has already been turned into points.")
