"""Refusals of the market, each with a stable code."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from core.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError

if TYPE_CHECKING:
    from .models import Quote


class OutOfStockError(ConflictError):
    code = "out_of_stock"
    default_message = _("Sorry, this reward is sold out.")


class PriceChangedError(ConflictError):
    """The quote expired and the price has risen since; `extra["quote"]` is a fresh quote."""

    code = "price_changed"
    default_message = _("The price has changed since your quote. Here is a new quote.")

    fresh_quote: Quote | None = None
    """Written after the refused request rolled back (`redemption_purchase`), so it outlives it."""

    @property
    def reward_id(self) -> int:
        return int(self.extra["reward"])


class QuoteUsedError(ConflictError):
    code = "quote_used"
    default_message = _("This quote has already been used. Ask for a new quote.")


class RewardInactiveError(ConflictError):
    code = "reward_inactive"
    default_message = _("This reward is no longer available.")


class InvalidStateTransitionError(ConflictError):
    code = "invalid_state_transition"
    default_message = _("This redemption cannot be changed that way any more.")


class NotYourRedemptionError(NotFoundError):
    """Another person's redemption: answered as 404, so its existence is not revealed."""

    code = "not_found"
    default_message = _("Not found.")


class NotYourQuoteError(NotFoundError):
    code = "unknown_quote"
    default_message = _("No such quote.")


class NotAnApproverError(PermissionDeniedError):
    code = "not_an_approver"
    default_message = _(
        "Only a supervisor of this person's team, or HR, can decide on this redemption."
    )


class UnknownRewardError(NotFoundError):
    code = "unknown_reward"
    default_message = _("No such reward.")


class RewardInDrawingError(ConflictError):
    code = "reward_in_drawing"
    default_message = _("This reward is being given out in a drawing: bid or enter there.")


class DrawingClosedError(ConflictError):
    code = "drawing_closed"
    default_message = _("This drawing has closed; bids and entries are no longer accepted.")


class DrawingNotOpenError(ConflictError):
    code = "drawing_not_open"
    default_message = _("This drawing has not opened yet.")


class DrawingNotDueError(ConflictError):
    code = "drawing_not_due"
    default_message = _("This drawing closes later; it cannot be closed before its closing time.")


class NoBidError(NotFoundError):
    code = "no_bid"
    default_message = _("You have no bid or entry in this drawing.")


class UnknownDrawingError(NotFoundError):
    code = "unknown_drawing"
    default_message = _("No such drawing.")


class WishLimitError(InvalidInputError):
    code = "wish_limit"
    default_message = _("You can wish for at most %(limit)d rewards. Remove one first.")


class WishExistsError(ConflictError):
    code = "wish_exists"
    default_message = _("This reward is already on your wish list.")


class UnknownWishError(NotFoundError):
    """Another person's wish is answered as 404, so its existence is not revealed."""

    code = "unknown_wish"
    default_message = _("No such wish.")


class LeaverNoEndDateError(ConflictError):
    code = "leaver_no_end_date"
    default_message = _("This person has no last working day; there is nothing to settle.")


class LeaverNotEndedError(ConflictError):
    code = "leaver_not_ended"
    default_message = _(
        "This person's last working day has not passed yet; their points are still theirs."
    )


class LeaverAlreadySettledError(ConflictError):
    code = "leaver_already_settled"
    default_message = _(
        "This leaver's points have already been settled and no free points are left."
    )


class UnknownLeaverError(NotFoundError):
    code = "unknown_leaver"
    default_message = _("No such person.")
