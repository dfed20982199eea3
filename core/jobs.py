"""Queueing Celery jobs from services, after the current transaction commits, without losing
them when the broker is down.

The happy path costs no database write: after commit the message is published. Only when the
publication fails (the broker is down or unreachable) is the job written to the outbox
(`core.models.OutboxJob`) in its own short transaction; `outbox_sweep` (beat, every
`OUTBOX_SWEEP_SECONDS`, and each worker at its start) publishes those rows again with the
message id they were first given. Tasks that must act once key their effect on that id (a
notification's `dedup_key`) or are idempotent by their own state (closing a drawing, a tick).

What this does not cover: a web process killed between its commit and the publication loses the
message as before; the beat-driven sweeps of drawings, ticks and budgets catch those jobs, a
notification is then not sent.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

from celery import Task, current_app
from django.db import transaction
from kombu.exceptions import OperationalError

BROKER_DOWN = (OperationalError, OSError)
"""What publishing raises when the broker is down or unreachable (kombu wraps the transport's
connection errors); anything else is a bug, logged by `on_commit(robust=True)`, not kept."""

logger = logging.getLogger(__name__)

OUTBOX_BATCH = 200


def job_task(task_name: str) -> Task[Any, Any]:
    """The Celery task registered as `task_name`; `NotRegistered` if no app's `tasks.py` has it.

    Celery's autodiscovery is lazy: a worker (or `celery shell`) imports every app's `tasks.py`
    at start, but a web process or a management command has registered only the tasks whose
    modules something happened to import. So a miss first runs the discovery, once."""
    if task_name not in current_app.tasks:
        current_app.autodiscover_tasks(force=True)
    return current_app.tasks[task_name]


def _publish(task_name: str, *, task_id: str, eta: datetime | None, kwargs: dict[str, Any]) -> None:
    task = job_task(task_name)
    # The message's printable copy of its arguments (shown by `celery inspect`, Flower, logs):
    # the names only. Celery would otherwise `saferepr` every value on each publish (a third of
    # the publication's CPU in issue 11's profile) and copy an award's message into the broker.
    shown = "{" + ", ".join(sorted(kwargs)) + "}"
    # (Celery documents `argsrepr`/`kwargsrepr` for hiding arguments; its stubs lack them.)
    options: dict[str, Any] = {"argsrepr": "()", "kwargsrepr": shown}
    if eta is not None:
        options["eta"] = eta
    if task_name in _declared:
        # Kombu declares the task's queue before each message, a sixth of the publication's CPU.
        # Once this process has declared it (and every worker declares its queues at start), a
        # message to the default direct exchange goes straight to the queue by its name.
        options["declare"] = []
    task.apply_async(kwargs=kwargs, task_id=task_id, **options)
    _declared.add(task_name)


_declared: set[str] = set()
"""Tasks whose queue this process has declared (by publishing one of them)."""


def job_send_on_commit(task_name: str, *, eta: datetime | None = None, **kwargs: Any) -> None:
    """Send the Celery task `task_name` with `kwargs` once the current transaction commits (never
    before: a rolled-back write must not start work), at `eta` if given.

    By name, so that a service never imports its app's task module, which imports the service:
    the registered task runs exactly as `task.apply_async` would (eager in tests), and an
    unknown name is a `NotRegistered` error, not a message that no worker takes.
    A broker that is down never fails a request that already committed: the job goes to the
    outbox and a sweep publishes it when the broker is back (module docstring).
    """
    task_id = str(uuid.uuid4())
    job_task(task_name)  # a typo fails the caller now, not a worker later

    def send() -> None:
        if current_app.conf.task_always_eager:
            # Inline (tests): the task runs here; its own errors are no broker failure.
            _publish(task_name, task_id=task_id, eta=eta, kwargs=kwargs)
            return
        try:
            _publish(task_name, task_id=task_id, eta=eta, kwargs=kwargs)
        except BROKER_DOWN as exc:
            _outbox_add(task_name, task_id=task_id, eta=eta, kwargs=kwargs, error=exc)

    transaction.on_commit(send, robust=True)


def _outbox_add(
    task_name: str,
    *,
    task_id: str,
    eta: datetime | None,
    kwargs: dict[str, Any],
    error: Exception,
) -> None:
    from .models import OutboxJob

    logger.warning(
        "broker unavailable (%s): %s [%s] kept in the outbox", error.__class__.__name__,
        task_name, task_id,
    )  # fmt: skip
    OutboxJob.objects.create(
        task_id=task_id,
        task_name=task_name,
        kwargs=kwargs,
        eta=eta,
        attempts=1,
        last_error=f"{error.__class__.__name__}: {error}"[:300],
    )


def outbox_sweep(*, limit: int = OUTBOX_BATCH) -> int:
    """Publish the outbox's jobs, oldest first, each under its first message id; returns how many.

    Rows are locked with SKIP LOCKED, so two sweeps never publish the same row at once; a row is
    deleted in the transaction that published it. A sweep killed between the publication and
    its commit publishes the row again later: the same message id, so the task acts once.
    The first failure stops the sweep (the broker is still down) and leaves the rest."""
    from .models import OutboxJob

    sent = 0
    with transaction.atomic():
        jobs = list(OutboxJob.objects.select_for_update(skip_locked=True).order_by("id")[:limit])
        for job in jobs:
            try:
                _publish(job.task_name, task_id=job.task_id, eta=job.eta, kwargs=job.kwargs)
            except BROKER_DOWN as exc:  # the broker is still down: try again next sweep
                OutboxJob.objects.filter(pk=job.pk).update(
                    attempts=job.attempts + 1,
                    last_error=f"{exc.__class__.__name__}: {exc}"[:300],
                )
                logger.warning("outbox sweep: broker still unavailable (%s)", exc)
                break
            OutboxJob.objects.filter(pk=job.pk).delete()
            sent += 1
    if sent:
        logger.info("outbox sweep published %d job(s)", sent)
    return sent
