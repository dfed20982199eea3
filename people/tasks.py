"""Celery tasks of people: thin wrappers around services."""

from celery import shared_task

from .services import leavers_close as leavers_close_service


@shared_task(name="people.tasks.leavers_close", acks_late=True)
def leavers_close() -> int:
    """Close the accounts of people past their last working day (daily; idempotent)."""
    return len(leavers_close_service())
