"""Celery tasks of notifications: thin wrappers around the services."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from people.models import User

from .services import notification_send


@shared_task(name="notifications.tasks.notify", acks_late=True)
def notify(*, recipient_id: int, kind: str, params: dict[str, Any], link: str = "") -> int | None:
    """Send one notification; a recipient deleted meanwhile is skipped."""
    recipient = User.objects.filter(pk=recipient_id).first()
    if recipient is None:
        return None
    return notification_send(recipient=recipient, kind=kind, params=params, link=link).pk


@shared_task(name="notifications.tasks.notify_many", acks_late=True)
def notify_many(*, items: list[dict[str, Any]]) -> int:
    """Send a batch of notifications (`notify`'s arguments each); recipients gone are skipped."""
    sent = 0
    for item in items:
        if notify(**item) is not None:
            sent += 1
    return sent
