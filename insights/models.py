"""Models of HR insights: precomputed results that pages and APIs read (never the ledger live).

One `InsightsRun` is a full recomputation as of one moment, for every precomputed window
(`WINDOWS`, in months): one `InsightsWindow` per window with the company-level figures
(economy, fairness, segment counts) as JSON, and one `PersonSegment` per person and window.
Pages read the latest run only.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

WINDOWS = (3, 6, 12, 24)
"""The windows (months) every run precomputes; `?months=` must be one of them."""
DEFAULT_WINDOW = 12


class Segment(models.TextChoices):
    BINGE = "binge", _("Binge redeemer")
    GOAL_SAVER = "goal_saver", _("Goal saver")
    STEADY = "steady", _("Steady")
    DORMANT = "dormant", _("Dormant")
    NEW = "new", _("New")


class InsightsRun(models.Model):
    """One recomputation of every insight, as of `as_of`."""

    as_of = models.DateTimeField()
    computed_at = models.DateTimeField(default=timezone.now, db_index=True)
    duration_ms = models.PositiveIntegerField(default=0)
    windows = models.JSONField(default=list)
    people = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("insights run")
        verbose_name_plural = _("insights runs")
        ordering = ["-computed_at", "-id"]

    def __str__(self) -> str:
        return f"insights {self.as_of:%Y-%m-%d %H:%M}"


class InsightsWindow(models.Model):
    """The company-level figures of one window of one run (built by insights.analysis).

    One row per window, so that a page reads only the window it shows: at 5,000 people the
    fairness and per-team figures of all windows together are around a megabyte of JSON."""

    run = models.ForeignKey(InsightsRun, on_delete=models.CASCADE, related_name="window_rows")
    months = models.PositiveSmallIntegerField()
    economy = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    fairness = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    segments = models.JSONField(default=dict, encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = _("insights window")
        verbose_name_plural = _("insights windows")
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["run", "months"], name="insights_window_once"),
        ]

    def __str__(self) -> str:
        return f"{self.run_id}: {self.months} mo"


class PersonSegment(models.Model):
    """Where one person falls in one window of one run, with the numbers behind it."""

    run = models.ForeignKey(InsightsRun, on_delete=models.CASCADE, related_name="people_segments")
    months = models.PositiveSmallIntegerField()
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="insight_segments"
    )
    segment = models.CharField(max_length=20, choices=Segment.choices)
    rule = models.CharField(max_length=40, help_text="Which rule placed the person.")
    evidence = models.JSONField(default=dict, encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = _("person's segment")
        verbose_name_plural = _("people's segments")
        ordering = ["person_id"]
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(
                fields=["run", "months", "person"], name="person_segment_once_per_run"
            ),
        ]
        # The people table and the API filter a run's window by segment and page by person.
        indexes: ClassVar[list[Any]] = [
            models.Index(fields=["run", "months", "segment", "person"], name="person_segment_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id}: {self.segment} ({self.months} mo)"


class IntegrityKind(models.TextChoices):
    RECIPROCAL = "reciprocal", _("Reciprocal awarding")
    CIRCULAR = "circular", _("Circular awarding")
    SUPERVISOR_OUTLIER = "supervisor_outlier", _("Supervisor far from peers")
    BURST = "burst", _("Burst of awards before a drawing or purchase")
    REPEATED_MESSAGE = "repeated_message", _("Repeated message")


class IntegrityStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DISMISSED = "dismissed", _("Dismissed")
    REVERSED = "reversed", _("Reversed")


class IntegrityFlag(models.Model):
    """One award integrity signal for HR to review, with its evidence (`insights.integrity`).

    `fingerprint` names the case (kind and the people or event concerned): one open flag per
    fingerprint, so a nightly run refreshes it instead of adding another; once reviewed, the case
    comes back as a new flag only with awards that were not evidence before."""

    kind = models.CharField(max_length=24, choices=IntegrityKind.choices)
    fingerprint = models.CharField(max_length=64)
    people = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="integrity_flags", blank=True
    )
    awards = models.ManyToManyField("ledger.Award", related_name="integrity_flags", blank=True)
    score = models.FloatField(default=0)
    params = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    detected_at = models.DateTimeField(default=timezone.now)
    refreshed_at = models.DateTimeField(default=timezone.now)
    window_start = models.DateTimeField(null=True, blank=True)
    window_end = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=12, choices=IntegrityStatus.choices, default=IntegrityStatus.OPEN
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    review_note = models.TextField(blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("integrity flag")
        verbose_name_plural = _("integrity flags")
        ordering = ["-score", "-id"]
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(
                fields=["fingerprint"],
                condition=models.Q(status="open"),
                name="integrity_flag_open_once",
            ),
            models.CheckConstraint(
                condition=models.Q(status="open") | models.Q(reviewed_at__isnull=False),
                name="integrity_flag_reviewed_has_time",
            ),
        ]
        indexes: ClassVar[list[Any]] = [
            models.Index(fields=["status", "-score"], name="integrity_flag_status_idx"),
            models.Index(fields=["fingerprint"], name="integrity_flag_fp_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()}"
