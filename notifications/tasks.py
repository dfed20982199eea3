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
