"""Celery tasks of what every app shares: the job outbox's sweep."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from celery.signals import worker_ready

from .jobs import outbox_sweep


@shared_task(name="core.tasks.outbox_sweep", acks_late=True)
def outbox_sweep_task() -> int:
    """Publish the jobs the broker refused while it was down (beat, and each worker's start)."""
    return outbox_sweep()


@worker_ready.connect
def _sweep_at_worker_start(**_: Any) -> None:
    # A worker starting is often the broker coming back: publish what waited, without waiting
    # for beat. Through the broker, so the worker's own pool runs it like any task.
    outbox_sweep_task.delay()
