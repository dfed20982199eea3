"""Celery tasks of notifications: thin wrappers around the services."""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task

from people.models import User

from . import chat_services
from .services import notification_send


def _send(
    *, key: str | None, recipient_id: int, kind: str, params: dict[str, Any], link: str = ""
) -> int | None:
    recipient = User.objects.filter(pk=recipient_id).first()
    if recipient is None:
        return None
    notification = notification_send(
        recipient=recipient, kind=kind, params=params, link=link, dedup_key=key
    )
    return notification.pk


@shared_task(name="notifications.tasks.notify", acks_late=True, bind=True)
def notify(
    self: Task[Any, Any],
    *,
    recipient_id: int,
    kind: str,
    params: dict[str, Any],
    link: str = "",
) -> int | None:
    """Send one notification, once per message id; a recipient deleted meanwhile is skipped."""
    return _send(
        key=self.request.id, recipient_id=recipient_id, kind=kind, params=params, link=link
    )


@shared_task(name="notifications.tasks.notify_many", acks_late=True, bind=True)
def notify_many(self: Task[Any, Any], *, items: list[dict[str, Any]]) -> int:
    """Send a batch of notifications (`notify`'s arguments each), each once per message id and
    place in the batch, so a redelivered batch sends only what it had not; recipients gone are
    skipped."""
    message = self.request.id
    sent = 0
    for index, item in enumerate(items):
        key = f"{message}:{index}" if message else None
        if _send(key=key, **item) is not None:
            sent += 1
    return sent


# --- Teams and Slack ----------------------------------------------------------------------------


@shared_task(name="notifications.tasks.chat_fanout", acks_late=True)
def chat_fanout(*, team_ids: list[int] | None, event_key: str, message: dict[str, Any]) -> int:
    """One announced event: a delivery per channel that hears it (once per key), each queued."""
    return chat_services.chat_fanout(team_ids=team_ids, event_key=event_key, message=message)


@shared_task(name="notifications.tasks.chat_deliver", acks_late=True, bind=True, max_retries=None)
def chat_deliver(self: Task[Any, Any], *, delivery_id: int) -> str:
    """Post one delivery. Connection errors, timeouts, 5xx and 429 are tried again with back-off
    (honouring Retry-After) until CHAT_MAX_ATTEMPTS, counted on the delivery row (so a
    redelivered message does not reset them); other 4xx fail at once. Retried by hand rather
    than `autoretry_for`, whose back-off cannot honour a Retry-After."""
    attempt = chat_services.chat_delivery_attempt(delivery_id=delivery_id)
    if attempt.retry_in is not None:
        raise self.retry(countdown=attempt.retry_in)
    return attempt.status
