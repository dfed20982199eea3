"""Reads of HR insights: always from the latest precomputed run (fast), never the ledger."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from core.errors import InvalidInputError
from people.models import EmploymentType, Team

from .errors import InsightsNotComputedError
from .models import DEFAULT_WINDOW, WINDOWS, InsightsRun, InsightsWindow, PersonSegment, Segment


def run_latest() -> InsightsRun | None:
    return InsightsRun.objects.order_by("-computed_at", "-id").first()


def run_latest_or_error() -> InsightsRun:
    run = run_latest()
    if run is None:
        raise InsightsNotComputedError()
    return run


@dataclass(frozen=True)
class PeopleFilter:
    months: int = DEFAULT_WINDOW
    team: Team | None = None
    segment: str | None = None
    employment_type: str | None = None


def people_filter_parse(params: Any) -> PeopleFilter:
    """`?months=&team=&segment=&employment_type=` → a filter, or a 400 naming the bad fields."""
    errors: dict[str, list[str]] = {}
    months = DEFAULT_WINDOW
    raw = (params.get("months") or "").strip()
    if raw:
        if raw.isdigit() and int(raw) in WINDOWS:
            months = int(raw)
        else:
            errors["months"] = [
                str(_("Choose one of: %(choices)s.") % {"choices": ", ".join(map(str, WINDOWS))})
            ]
    team = None
    raw = (params.get("team") or "").strip()
    if raw:
        team = Team.objects.filter(pk=int(raw)).first() if raw.isdigit() and len(raw) < 18 else None
        if team is None:
            errors["team"] = [str(_("No such team."))]
    segment = (params.get("segment") or "").strip() or None
    if segment is not None and segment not in Segment.values:
        errors["segment"] = [
            str(_("Choose one of: %(choices)s.") % {"choices": ", ".join(Segment.values)})
        ]
    etype = (params.get("employment_type") or "").strip() or None
    if etype is not None and etype not in EmploymentType.values:
        errors["employment_type"] = [
            str(_("Choose one of: %(choices)s.") % {"choices": ", ".join(EmploymentType.values)})
        ]
    if errors:
        raise InvalidInputError(fields=errors)
    return PeopleFilter(months=months, team=team, segment=segment, employment_type=etype)


def person_segment_list(*, run: InsightsRun, flt: PeopleFilter) -> QuerySet[PersonSegment]:
    """One window of a run's people, filtered; ordered by name (the index covers run+window)."""
    qs = PersonSegment.objects.filter(run=run, months=flt.months).select_related(
        "person", "person__team"
    )
    if flt.team is not None:
        qs = qs.filter(person__team=flt.team)
    if flt.segment:
        qs = qs.filter(segment=flt.segment)
    if flt.employment_type:
        qs = qs.filter(person__employment_type=flt.employment_type)
    return qs.order_by("person__display_name", "person__username", "person_id")


def window_get(run: InsightsRun, months: int) -> InsightsWindow | None:
    """One window's figures, read once per run object (a page asks for them many times)."""
    cache: dict[int, InsightsWindow | None] = run.__dict__.setdefault("_windows", {})
    if months not in cache:
        cache[months] = InsightsWindow.objects.filter(run=run, months=months).first()
    return cache[months]


def window_blob(run: InsightsRun, blob: str, months: int) -> dict[str, Any]:
    """`economy`, `fairness` or `segments` of one window of `run` ({} if absent)."""
    window = window_get(run, months)
    data: dict[str, Any] = getattr(window, blob) if window is not None else {}
    return data
