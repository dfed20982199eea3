"""Reading the audit log: newest first, filtered the same way for the page and the API."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils import timezone

from .models import AuditEvent

SYSTEM = "system"  # the actor filter's value for events with no actor


def audit_events(
    *,
    action: str = "",
    actor: str = "",
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[AuditEvent]:
    """Events newest first; `actor` is a user's id, or "system"; the dates are inclusive days in
    the project's time zone."""
    qs = AuditEvent.objects.select_related("actor").order_by("-at", "-id")
    if action:
        qs = qs.filter(action=action)
    if actor == SYSTEM:
        qs = qs.filter(actor__isnull=True)
    elif actor:
        qs = qs.filter(actor_id=int(actor))
    tz = timezone.get_current_timezone()
    if since:
        qs = qs.filter(at__gte=datetime.combine(since, time.min, tzinfo=tz))
    if until:
        qs = qs.filter(at__lte=datetime.combine(until, time.max, tzinfo=tz))
    return qs


def audit_actors() -> list[Any]:
    """Everyone who appears as an actor in the log, by name."""
    ids = AuditEvent.objects.filter(actor__isnull=False).values("actor_id").distinct()
    users = list(get_user_model().objects.filter(pk__in=ids))
    return sorted(users, key=lambda user: (actor_name(user).lower(), user.pk))


def actor_name(user: Any) -> str:
    if user is None:
        return ""
    return str(getattr(user, "name", "") or user.get_username())
