"""Celery tasks of the market: thin wrappers around the drawing services.

Each is idempotent and safe to redeliver (acks_late): opening and closing lock the drawing row
and do nothing when it is already open or closed; a close is one database transaction."""

from __future__ import annotations

from celery import shared_task

from .drawings.services import drawing_close, drawing_open, drawings_sweep
from .errors import DrawingNotDueError
from .leavers.services import leavers_daily
from .models import Drawing


@shared_task(name="rewards.tasks.drawing_open", acks_late=True)
def drawing_open_task(*, drawing_id: int) -> str | None:
    drawing = Drawing.objects.filter(pk=drawing_id).first()
    if drawing is None:
        return None
    return str(drawing_open(drawing=drawing).state)


@shared_task(name="rewards.tasks.drawing_close", acks_late=True)
def drawing_close_task(*, drawing_id: int) -> str | None:
    """Close the drawing at its closing time; early (a clock skew) it leaves it to the sweeper."""
    drawing = Drawing.objects.filter(pk=drawing_id).first()
    if drawing is None:
        return None
    try:
        return str(drawing_close(drawing=drawing).state)
    except DrawingNotDueError:
        return "not_due"


@shared_task(name="rewards.tasks.drawings_sweep", acks_late=True)
def drawings_sweep_task() -> tuple[int, int]:
    """Every minute: open due drawings and close overdue ones."""
    return drawings_sweep()


@shared_task(name="rewards.tasks.leavers_daily", acks_late=True)
def leavers_daily_task() -> tuple[int, int]:
    """Daily: remind leavers to spend their points, then settle those past their last day."""
    run = leavers_daily()
    return run.reminded, run.settled
