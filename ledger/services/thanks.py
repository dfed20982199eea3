"""Colleagues' thanks: anyone thanks anyone (no points); a supervisor of the thanked person may
turn one thanks into an award, through `award_create`, once."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from core.errors import InvalidInputError
from core.transactions import atomic
from notifications.events import ThanksAwarded, ThanksReceived
from notifications.services import notify_thanks_awarded, notify_thanks_received
from people.models import User

from ..errors import (
    NotASupervisorError,
    SelfThanksError,
    ThanksAlreadyAwardedError,
    ThanksRecipientInactiveError,
    UnknownReasonError,
)
from ..models import Award, AwardReason, Thanks, ThanksEmoji, ThanksReaction
from .awards import award_create, award_recipient


def thanks_suggested_points(reason: AwardReason) -> int:
    """The points a one-step award from a thanks gives: the middle of the reason's suggested
    range, rounded down to a multiple of 5, never outside the range nor above the cap."""
    middle = (reason.suggested_min + reason.suggested_max) // 2
    points = max(reason.suggested_min, middle - middle % 5)
    return min(points, reason.suggested_max, settings.AWARD_MAX_POINTS)


def thanks_award_message(thanks: Thanks) -> str:
    """The award's message: the thanks, with who said it (read by everyone, in any language; the
    pages put the quotation marks around it)."""
    return f"{thanks.message} — {thanks.giver.name}"


@atomic
def thanks_create(
    *,
    giver: User,
    recipient: User,
    reason: AwardReason,
    message: str,
    created_at: datetime | None = None,
) -> Thanks:
    """Thank a colleague for one of the published reasons, in a few words; no points move."""
    if giver.pk == recipient.pk:
        raise SelfThanksError(extra={"field": "recipient"})
    if not recipient.is_active:
        raise ThanksRecipientInactiveError(extra={"field": "recipient"})
    if not reason.active:
        raise UnknownReasonError(extra={"field": "reason"})
    message = (message or "").strip()
    if not message:
        raise InvalidInputError(fields={"message": [_("Say in a few words what you thank for.")]})
    if len(message) > Thanks.MESSAGE_MAX:
        raise InvalidInputError(
            fields={"message": [_("At most %(max)d characters.") % {"max": Thanks.MESSAGE_MAX}]},
            extra={"max": Thanks.MESSAGE_MAX},
        )
    thanks = Thanks.objects.create(
        giver=giver,
        recipient=recipient,
        reason=reason,
        message=message,
        **({"created_at": created_at} if created_at else {}),
    )
    notify_thanks_received(  # after commit, through Celery
        ThanksReceived(
            recipient_id=recipient.pk,
            giver_name=giver.name,
            reason_fi=reason.name_fi,
            reason_en=reason.name_en,
            message=message,
            at=thanks.created_at,
            link=reverse("thanks"),
        )
    )
    return thanks


def _emoji_checked(emoji: str) -> str:
    if emoji not in ThanksEmoji.values:
        raise InvalidInputError(
            fields={"emoji": [_("Choose one of the reactions offered.")]},
            extra={"choices": list(ThanksEmoji.values)},
        )
    return emoji


@atomic
def thanks_react(*, thanks: Thanks, user: User, emoji: str, on: bool = True) -> bool:
    """Add (`on`) or take back the user's reaction; idempotent both ways. Returns whether the
    reaction is there afterwards."""
    emoji = _emoji_checked(emoji)
    if on:
        # ON CONFLICT DO NOTHING: a double click (or two tabs) adds it once, without an error.
        ThanksReaction.objects.bulk_create(
            [ThanksReaction(thanks=thanks, user=user, emoji=emoji)], ignore_conflicts=True
        )
        return True
    ThanksReaction.objects.filter(thanks=thanks, user=user, emoji=emoji).delete()
    return False


@atomic
def thanks_award(
    *,
    thanks: Thanks,
    giver: User,
    points: int | None = None,
    message: str | None = None,
    idempotency_key: str | None = None,
) -> Award:
    """Turn a colleague's thanks into an award by a supervisor of the thanked person, in one
    step: `award_create` (budget, cap, who may award whom, idempotency) with the thanks linked.

    The thanks row is locked first (a domain row before the ledger's accounts, the project's lock
    order), so of two supervisors pressing at once one awards and the other is told it is done."""
    if not giver.is_supervisor:
        raise NotASupervisorError()
    locked = (
        Thanks.objects.select_for_update(of=("self",))
        .select_related("giver", "recipient", "reason")
        .get(pk=thanks.pk)
    )
    if Award.objects.filter(thanks=locked).exists():
        raise ThanksAlreadyAwardedError(extra={"thanks": locked.pk})
    recipient = award_recipient(giver=giver, recipient_id=locked.recipient_id)
    assert recipient is not None  # PROTECT: a thanked person is never deleted
    award = award_create(
        giver=giver,
        recipient=recipient,
        reason=locked.reason,
        points=thanks_suggested_points(locked.reason) if points is None else points,
        message=thanks_award_message(locked) if message is None else message,
        idempotency_key=idempotency_key,
        thanks=locked,
    )
    notify_thanks_awarded(
        ThanksAwarded(
            recipient_id=locked.giver_id,
            points=award.points,
            supervisor_name=giver.name,
            colleague_name=locked.recipient.name,
            at=award.created_at,
            link=reverse("thanks"),
        )
    )
    return award
