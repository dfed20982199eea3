"""Queueing Celery jobs from services, after the current transaction commits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from celery import current_app
from django.db import transaction


def job_send_on_commit(task_name: str, *, eta: datetime | None = None, **kwargs: Any) -> None:
    """Send the Celery task `task_name` with `kwargs` once the current transaction commits (never
    before: a rolled-back write must not start work), at `eta` if given.

    By name, so that a service never imports its app's task module, which imports the service:
    the registered task runs exactly as `task.apply_async` would (eager in tests), and an
    unknown name is a `NotRegistered` error, not a message that no worker takes.
    `robust`: a broker that is down is logged, never a failed request that already committed.
    """

    def send() -> None:
        task = current_app.tasks[task_name]
        if eta is None:
            task.apply_async(kwargs=kwargs)
        else:
            task.apply_async(kwargs=kwargs, eta=eta)

    transaction.on_commit(send, robust=True)
