"""Sending notifications (in-app and e-mail) and marking them read."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.jobs import job_send_on_commit
from people.models import User

from .events import (
    AwardReceived,
    DrawingClosed,
    LeaverReminder,
    RedemptionDecided,
    RedemptionDecision,
    ThanksAwarded,
    ThanksReceived,
)
from .models import Notification, NotificationKind

logger = logging.getLogger(__name__)

# The tasks (`tasks.py`) call this module, so it queues them by name rather than import them.
NOTIFY_TASK = "notifications.tasks.notify"
NOTIFY_MANY_TASK = "notifications.tasks.notify_many"

_muted: ContextVar[bool] = ContextVar("notifications_muted", default=False)


@contextmanager
def notifications_muted() -> Iterator[None]:
    """Send nothing inside this block (e.g. while `seed_demo` writes a year of history)."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


def notifications_are_muted() -> bool:
    """Inside `notifications_muted()`: jobs that would only notify need not even be queued."""
    return _muted.get()


def notification_send(
    *,
    recipient: User,
    kind: str,
    params: dict[str, Any],
    link: str = "",
    dedup_key: str | None = None,
) -> Notification:
    """Write the in-app notification and e-mail it, in the recipient's language, if they have an
    address. The row is written first: a failing mail server must not lose the bell.

    With a `dedup_key` (the Celery message's id) it is sent once per key: a second call returns
    the first notification and e-mails nothing (so e-mail is sent at most once per message)."""
    if kind not in NotificationKind.values:
        raise ValueError(f"unknown notification kind {kind!r}")
    if dedup_key is None:
        notification = Notification.objects.create(
            recipient=recipient, kind=kind, params=params, link=link
        )
    else:
        # A concurrent delivery of the same message waits on the unique index, then finds it.
        notification, created = Notification.objects.get_or_create(
            dedup_key=dedup_key,
            defaults={"recipient": recipient, "kind": kind, "params": params, "link": link},
        )
        if not created:
            return notification
    if recipient.email:
        _email(notification).send()
    return notification


def _email(notification: Notification) -> EmailMessage:
    """The notification as an e-mail to its recipient, in their language."""
    recipient = notification.recipient
    language = recipient.preferred_language or settings.LANGUAGE_CODE
    with translation.override(language):
        title = notification.title
        lines = [_("Hello %(name)s,") % {"name": recipient.name}, "", title]
        if notification.detail:
            lines.append(notification.detail)
        if notification.link:
            lines += [
                "",
                _("See it in Pojopörssi: %(url)s") % {"url": settings.SITE_URL + notification.link},
            ]
        lines += ["", "— Pojopörssi"]
        return EmailMessage(
            subject=" ".join(f"Pojopörssi: {title}".split()),  # one line, always
            body="\n".join(lines),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[recipient.email],
        )


@dataclass(frozen=True)
class NotificationItem:
    """One notification of a batch; `dedup_key` says which event it announces."""

    recipient: User
    kind: str
    params: dict[str, Any]
    link: str
    dedup_key: str


def notifications_send_batch(items: list[NotificationItem]) -> list[Notification]:
    """Write many notifications in two queries and e-mail them after commit (one connection).

    Each is sent once per `dedup_key`: keys already written are skipped, so an event announced
    again (a job run twice) rings no second bell. The caller serialises concurrent batches of
    the same events (a second writer of the same key would fail on the unique index)."""
    if _muted.get() or not items:
        return []
    for item in items:
        if item.kind not in NotificationKind.values:
            raise ValueError(f"unknown notification kind {item.kind!r}")
    unique = {item.dedup_key: item for item in items}
    seen = set(
        Notification.objects.filter(dedup_key__in=list(unique)).values_list("dedup_key", flat=True)
    )
    now = timezone.now()
    created = Notification.objects.bulk_create(
        [
            Notification(
                recipient=item.recipient,
                kind=item.kind,
                params=item.params,
                link=item.link,
                dedup_key=key,
                created_at=now,
            )
            for key, item in unique.items()
            if key not in seen
        ]
    )
    mails = [_email(n) for n in created if n.recipient.email]
    if mails:

        def send() -> None:
            get_connection().send_messages(mails)

        transaction.on_commit(send, robust=True)
    return created


def notifications_mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    """Mark the user's unread notifications read (all, or those of `ids`); returns how many."""
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())


def notify_after_commit(
    *, recipient_id: int, kind: str, params: dict[str, Any], link: str = ""
) -> None:
    """Queue the notification for after the current transaction commits (never before: a rolled
    back award must not announce itself). A broker hiccup must not fail a committed request; it
    is logged instead (see `job_send_on_commit`)."""
    if _muted.get():
        return
    job_send_on_commit(NOTIFY_TASK, recipient_id=recipient_id, kind=kind, params=params, link=link)


# --- Events of the other apps, turned into notifications ---------------------------------------
# Each emitting app builds a small event (`events.py`) from its own models; nothing here reads
# theirs.

NEWS_WINDOW = timedelta(hours=1)
"""A record dated further back than this is history being written (the demo seed's year of
awards and redemptions), not news: it rings no bell and sends no e-mail."""


def _is_news(when: datetime | None) -> bool:
    return when is None or when >= timezone.now() - NEWS_WINDOW


def notify_award_received(event: AwardReceived) -> None:
    """An award's recipient hears about it, after commit."""
    if not _is_news(event.at):
        return
    notify_after_commit(
        recipient_id=event.recipient_id,
        kind=NotificationKind.AWARD_RECEIVED,
        params={
            "points": event.points,
            "giver": event.giver_name,
            "reason_fi": event.reason_fi,
            "reason_en": event.reason_en,
            "message": event.message,
        },
        link=event.link,
    )


def notify_thanks_received(event: ThanksReceived) -> None:
    """The thanked colleague hears about it, after commit."""
    if not _is_news(event.at):
        return
    notify_after_commit(
        recipient_id=event.recipient_id,
        kind=NotificationKind.THANKS_RECEIVED,
        params={
            "giver": event.giver_name,
            "reason_fi": event.reason_fi,
            "reason_en": event.reason_en,
            "message": event.message,
        },
        link=event.link,
    )


def notify_thanks_awarded(event: ThanksAwarded) -> None:
    """The thanker hears that a supervisor turned their thanks into points, after commit."""
    if not _is_news(event.at):
        return
    notify_after_commit(
        recipient_id=event.recipient_id,
        kind=NotificationKind.THANKS_AWARDED,
        params={
            "points": event.points,
            "supervisor": event.supervisor_name,
            "colleague": event.colleague_name,
        },
        link=event.link,
    )


_REDEMPTION_KINDS: dict[RedemptionDecision, NotificationKind] = {
    "approved": NotificationKind.REDEMPTION_APPROVED,
    "rejected": NotificationKind.REDEMPTION_REJECTED,
    "fulfilled": NotificationKind.REDEMPTION_FULFILLED,
}


def notify_redemption_decided(event: RedemptionDecided) -> None:
    """The buyer hears that an approver approved, rejected or fulfilled their redemption, after
    commit."""
    if not _is_news(event.at):
        return
    notify_after_commit(
        recipient_id=event.recipient_id,
        kind=_REDEMPTION_KINDS[event.decision],
        params={
            "redemption": event.redemption_id,
            "reward_fi": event.reward_fi,
            "reward_en": event.reward_en,
            "reason": event.reason,
        },
        link=event.link,
    )


def notify_drawing_closed(event: DrawingClosed) -> None:
    """Everyone who had a live bid or entry at a drawing's close hears how it went, after commit:
    one Celery message for all of them (a hot drawing has hundreds)."""
    if _muted.get() or not event.results:
        return
    items = [
        {
            "recipient_id": result.recipient_id,
            "kind": NotificationKind.DRAWING_WON if result.won else NotificationKind.DRAWING_LOST,
            "params": {
                "drawing": event.drawing_id,
                "reward_fi": event.reward_fi,
                "reward_en": event.reward_en,
                "price": event.price,
                "amount": result.amount,
            },
            "link": event.link,
        }
        for result in event.results
    ]
    job_send_on_commit(NOTIFY_MANY_TASK, items=items)


def notify_leaver_reminder(event: LeaverReminder) -> bool:
    """Remind a leaver to spend their points (in-app and e-mail), now: the daily job calls it.

    Once per person, end date and threshold (the dedup key holds all three), so a second run
    sends nothing and a moved end date reminds again. Returns whether it was sent now."""
    if _muted.get():
        return False
    key = f"leaver:{event.recipient_id}:{event.end_date.isoformat()}:{event.days}"
    if Notification.objects.filter(dedup_key=key).exists():
        return False
    recipient = User.objects.get(pk=event.recipient_id)
    notification_send(
        recipient=recipient,
        kind=NotificationKind.LEAVER_REMINDER,
        params={"end_date": event.end_date.isoformat(), "points": event.points, "days": event.days},
        link=event.link,
        dedup_key=key,
    )
    return True
