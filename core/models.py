"""The job outbox: Celery messages that could not be published after their commit (the broker
was down), kept until a sweep publishes them. See `core.jobs`."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class OutboxJob(models.Model):
    """One unpublished Celery message: its task, its arguments and its message id.

    The id is fixed when the job is first queued, so every (re)publication of it is the same
    message: a task that keys its effect on its message id applies it once however often the
    sweep or the broker delivers it."""

    task_id = models.CharField(max_length=64, unique=True)
    task_name = models.CharField(max_length=200)
    kwargs = models.JSONField(default=dict)
    eta = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.task_name} [{self.task_id}]"
