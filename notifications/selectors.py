"""Reads of notifications."""

from __future__ import annotations

from django.db.models import QuerySet

from people.models import User

from .models import Notification


def notifications_of(*, user: User) -> QuerySet[Notification]:
    """The user's own notifications, newest first."""
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


def unread_count(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
