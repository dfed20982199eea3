"""Everything one recomputation computes, from a loaded population, for every window."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

from people.models import Role

from ..models import Segment
from .economy import economy_for_window
from .fairness import fairness_for_window
from .features import MONTH, timeline, window_features
from .loading import Population
from .rules import BIG_MONTHS, QUICK_DAYS, classify, evidence
from .stats import MIN_GROUP, Months


@dataclass
class PersonResult:
    person_id: int
    segment: str
    rule: str
    evidence: dict[str, Any]


@dataclass
class WindowResult:
    months: int
    people: list[PersonResult] = field(default_factory=list)
    economy: dict[str, Any] = field(default_factory=dict)
    fairness: dict[str, Any] = field(default_factory=dict)
    segments: dict[str, Any] = field(default_factory=dict)


def _judged(role: str, has_events: bool) -> bool:
    # Agents are who the market is for; anyone else with a wallet history is judged as well.
    return role == Role.AGENT or has_events


def analyse(pop: Population, *, as_of: datetime, windows: tuple[int, ...]) -> list[WindowResult]:
    end = as_of.timestamp()
    tz = ZoneInfo(settings.TIME_ZONE)  # months are the company's calendar months
    timelines = {pk: timeline(p.events) for pk, p in pop.people.items()}
    results = []
    for months in windows:
        start = end - months * MONTH
        wr = WindowResult(months)
        rates: dict[int, float] = {}
        active: dict[int, float] = {}
        for pk, person in pop.people.items():
            if not _judged(person.role, bool(person.events)):
                continue
            f = window_features(
                person.events,
                timelines[pk],
                start=start,
                end=end,
                quick_days=QUICK_DAYS,
                big_months=BIG_MONTHS,
            )
            segment, rule = classify(f, now=end)
            wr.people.append(PersonResult(pk, segment, rule, evidence(f)))
            around_since = min(person.joined_ts, f.first_ts or person.joined_ts)
            present = (end - max(start, around_since)) / MONTH
            if present > 0:
                rates[pk] = f.earned / max(present, 1.0)
            if f.active_months > 0:
                active[pk] = f.active_months
        wr.economy = economy_for_window(
            pop,
            timelines,
            active,
            start=start,
            end=end,
            months=Months(start=start, end=end, tz=tz),
            today=as_of.astimezone(tz).date(),
        )
        wr.fairness = fairness_for_window(pop, rates)
        wr.segments = _segment_counts(pop, wr.people)
        results.append(wr)
    return results


def _segment_counts(pop: Population, people: list[PersonResult]) -> dict[str, Any]:
    counts = Counter(r.segment for r in people)
    per_team: dict[int | None, Counter[str]] = {}
    for r in people:
        per_team.setdefault(pop.people[r.person_id].team_id, Counter())[r.segment] += 1
    by_team = []
    for tid, c in sorted(per_team.items(), key=lambda kv: pop.teams.get(kv[0] or 0, "")):
        n = sum(c.values())
        small = n < MIN_GROUP
        by_team.append(
            {
                "team": tid,
                "label": pop.teams.get(tid or 0, ""),
                "people": None if small else n,
                "suppressed": small,
                "counts": None if small else {s.value: c.get(s.value, 0) for s in Segment},
            }
        )
    return {
        "people": len(people),
        "counts": {s.value: counts.get(s.value, 0) for s in Segment},
        "by_team": by_team,
    }
