"""Queueing Celery jobs from services, after the current transaction commits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from celery import Task, current_app
from django.db import transaction


def job_task(task_name: str) -> Task[Any, Any]:
    """The Celery task registered as `task_name`; `NotRegistered` if no app's `tasks.py` has it.

    Celery's autodiscovery is lazy: a worker (or `celery shell`) imports every app's `tasks.py`
    at start, but a web process or a management command has registered only the tasks whose
    modules something happened to import. So a miss first runs the discovery, once."""
    if task_name not in current_app.tasks:
        current_app.autodiscover_tasks(force=True)
    return current_app.tasks[task_name]


def job_send_on_commit(task_name: str, *, eta: datetime | None = None, **kwargs: Any) -> None:
    """Send the Celery task `task_name` with `kwargs` once the current transaction commits (never
    before: a rolled-back write must not start work), at `eta` if given.

    By name, so that a service never imports its app's task module, which imports the service:
    the registered task runs exactly as `task.apply_async` would (eager in tests), and an
    unknown name is a `NotRegistered` error, not a message that no worker takes.
    `robust`: a broker that is down is logged, never a failed request that already committed.
    """

    def send() -> None:
        task = job_task(task_name)
        if eta is None:
            task.apply_async(kwargs=kwargs)
        else:
            task.apply_async(kwargs=kwargs, eta=eta)

    transaction.on_commit(send, robust=True)
