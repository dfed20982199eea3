"""The one write to the audit log. Called by the service that does a sensitive action, inside its
transaction: the event commits with the action or not at all."""

from __future__ import annotations

import ipaddress
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models, transaction
from django.utils import timezone

from .models import AuditAction, AuditEvent

# The client address of the request being served, set by `AuditRequestMiddleware`; None outside a
# request (Celery, management commands). A service has no request, and should not need one.
request_ip: ContextVar[str | None] = ContextVar("audit_request_ip", default=None)


def ip_clean(value: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address(value)) if value else None
    except ValueError:
        return None


def audit_record(
    *,
    actor: AbstractBaseUser | None,
    action: str,
    subject: models.Model | None = None,
    details: dict[str, Any] | None = None,
    subject_label: str | None = None,
    ip: str | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Append one event; `actor` None means the system. Refuses to run outside a transaction."""
    if not transaction.get_connection().in_atomic_block:
        # Outside a transaction the event could commit without its action (or the reverse).
        raise RuntimeError("audit_record must run inside the transaction of the action it records")
    if action not in AuditAction.values:
        raise ValueError(f"unknown audit action {action!r}")
    if actor is not None and not actor.is_authenticated:
        actor = None
    label = subject_label if subject_label is not None else (str(subject) if subject else "")
    return AuditEvent.objects.create(
        at=at or timezone.now(),
        actor_id=actor.pk if actor is not None else None,
        action=action,
        subject_type=subject._meta.label_lower if subject is not None else "",
        subject_id=str(subject.pk) if subject is not None else "",
        subject_label=label[:200],
        details=details or {},
        ip=ip_clean(ip) if ip is not None else request_ip.get(),
    )
