"""Celery tasks of HR insights (thin: they call the service)."""

from __future__ import annotations

from celery import shared_task

from .services import insights_recompute as _recompute


@shared_task(acks_late=True, ignore_result=True)
def insights_recompute() -> int | None:
    """Recompute every insight (nightly, after an import, or when HR asks). Idempotent."""
    run = _recompute()
    return run.pk if run else None
