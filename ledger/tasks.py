"""Celery tasks of the ledger: thin wrappers around services."""

from celery import shared_task

from .services import budget_periods_open as _budget_periods_open


@shared_task(name="ledger.tasks.budget_periods_open", acks_late=True)
def budget_periods_open() -> int:
    """Open this month's budget period for every supervisor; safe to run any number of times."""
    return _budget_periods_open()
