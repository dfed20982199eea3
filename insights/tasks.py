"""Celery tasks of HR insights (thin: they call the service)."""

from __future__ import annotations

from celery import shared_task

from .integrity.services import integrity_scan as _scan
from .services import insights_recompute as _recompute


@shared_task(acks_late=True, ignore_result=True)
def insights_recompute() -> int | None:
    """Recompute every insight (nightly, after an import, or when HR asks). Idempotent."""
    run = _recompute()
    return run.pk if run else None


@shared_task(acks_late=True, ignore_result=True)
def integrity_scan() -> int | None:
    """Scan the awards for integrity signals (nightly and after an import). Idempotent."""
    result = _scan()
    return result.created if result else None
