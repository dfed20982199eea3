"""Writes of HR insights: the recomputation, the only thing that changes insights' state."""

from __future__ import annotations

import logging
import time
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from core.jobs import job_send_on_commit
from ledger.models import Transaction

from .analysis.loading import population_load
from .analysis.run import analyse
from .models import WINDOWS, InsightsRun, InsightsWindow, PersonSegment

logger = logging.getLogger(__name__)

KEEP_RUNS = 3
"""Older runs are deleted; a few are kept so a page being read keeps its run."""
_LOCK_KEY = 0x1_5B_0001  # pg advisory lock id: one recomputation at a time


def _try_lock() -> bool:
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_LOCK_KEY])
        return bool(cursor.fetchone()[0])


def _data_end() -> datetime:
    """Where the windows end: now, or the last ledger activity if that is earlier.

    In a live market the two are minutes apart. An imported history that ends in the past is
    judged as of its own last day, not as if everyone had gone quiet since."""
    now = timezone.now()
    last = Transaction.objects.aggregate(last=Max("created_at"))["last"]
    return min(now, last) if last else now


@transaction.atomic
def insights_recompute(*, as_of: datetime | None = None) -> InsightsRun | None:
    """Recompute segments, the economy and fairness for every window, as of `as_of` (now).

    Idempotent: it only adds a run and prunes old ones. If another recomputation is running, it
    returns None at once instead of doing the same work twice.
    """
    if not _try_lock():
        return None
    started = time.perf_counter()
    now = as_of or _data_end()
    pop = population_load()
    loaded = time.perf_counter()
    results = analyse(pop, as_of=now, windows=WINDOWS)
    computed = time.perf_counter()
    run = InsightsRun.objects.create(
        as_of=now,
        windows=list(WINDOWS),
        people=len(results[0].people) if results else 0,
    )
    InsightsWindow.objects.bulk_create(
        InsightsWindow(
            run=run, months=w.months, economy=w.economy, fairness=w.fairness, segments=w.segments
        )
        for w in results
    )
    PersonSegment.objects.bulk_create(
        (
            PersonSegment(
                run=run,
                months=w.months,
                person_id=r.person_id,
                segment=r.segment,
                rule=r.rule,
                evidence=r.evidence,
            )
            for w in results
            for r in w.people
        ),
        batch_size=5000,
    )
    stale = list(InsightsRun.objects.order_by("-computed_at", "-id").values_list("pk", flat=True))
    if len(stale) > KEEP_RUNS:
        PersonSegment.objects.filter(run_id__in=stale[KEEP_RUNS:]).delete()
        InsightsWindow.objects.filter(run_id__in=stale[KEEP_RUNS:]).delete()
        InsightsRun.objects.filter(pk__in=stale[KEEP_RUNS:]).delete()
    run.duration_ms = round((time.perf_counter() - started) * 1000)
    run.save(update_fields=["duration_ms"])
    logger.info(
        "insights recomputed: %d people, load %.1f s, compute %.1f s, write %.1f s",
        run.people, loaded - started, computed - loaded, time.perf_counter() - computed,
    )  # fmt: skip
    return run


def insights_recompute_request() -> None:
    """Queue a recomputation after the current transaction commits; a broker that is down is
    logged, never a failed request. By task name: the task module imports this one."""
    job_send_on_commit("insights.tasks.insights_recompute")
