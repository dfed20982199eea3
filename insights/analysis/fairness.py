"""Fairness of awards in one window: points per agent per month by team, supervisor and
employment type, with the spread (Gini) within each group and the gap between groups."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from typing import Any

from people.models import EmploymentType, Role

from .loading import Population
from .stats import MIN_GROUP, gini


def _group(key: Any, label: str, values: list[float]) -> dict[str, Any]:
    n = len(values)
    if n < MIN_GROUP:
        # Privacy: a figure about fewer than MIN_GROUP people says too much about each of them.
        return {
            "key": key,
            "label": label,
            "people": None,
            "suppressed": True,
            "mean": None,
            "median": None,
            "gini": None,
        }
    return {
        "key": key,
        "label": label,
        "people": n,
        "suppressed": False,
        "mean": round(statistics.fmean(values), 1),
        "median": round(statistics.median(values), 1),
        "gini": round(gini(values), 3),
    }


def _gap(groups: Iterable[dict[str, Any]]) -> dict[str, Any]:
    shown = [g for g in groups if not g["suppressed"]]
    if len(shown) < 2:
        return {"groups": len(shown), "highest": None, "lowest": None, "gap": None, "ratio": None}
    hi = max(shown, key=lambda g: g["mean"])
    lo = min(shown, key=lambda g: g["mean"])
    return {
        "groups": len(shown),
        "highest": hi["label"],
        "lowest": lo["label"],
        "gap": round(hi["mean"] - lo["mean"], 1),
        "ratio": round(lo["mean"] / hi["mean"], 3) if hi["mean"] else None,
    }


def fairness_for_window(pop: Population, rates: dict[int, float]) -> dict[str, Any]:
    """`rates`: points earned per month present in the window, for every agent around in it."""
    agents = {pk: v for pk, v in rates.items() if pop.people[pk].role == Role.AGENT}
    by_team: dict[int | None, list[float]] = {}
    by_type: dict[str, list[float]] = {}
    for pk, v in agents.items():
        p = pop.people[pk]
        by_team.setdefault(p.team_id, []).append(v)
        by_type.setdefault(p.employment_type, []).append(v)
    teams = [
        _group(tid, pop.teams.get(tid, "") if tid is not None else "", vals)
        for tid, vals in sorted(by_team.items(), key=lambda kv: pop.teams.get(kv[0] or 0, ""))
    ]
    team_members: dict[int, list[float]] = {}
    for pk, v in agents.items():
        tid = pop.people[pk].team_id
        if tid is not None:
            team_members.setdefault(tid, []).append(v)
    sups = [
        _group(
            sid,
            pop.supervisors.get(sid, str(sid)),
            [v for tid in pop.leaders.get(sid, []) for v in team_members.get(tid, [])],
        )
        for sid in sorted(pop.leaders, key=lambda s: pop.supervisors.get(s, ""))
    ]
    types = [_group(t.value, str(t.label), by_type.get(t.value, [])) for t in EmploymentType]
    values = list(agents.values())
    overall = _group("all", "", values)
    typed = {g["key"]: g for g in types}
    agency, permanent = typed[EmploymentType.AGENCY], typed[EmploymentType.PERMANENT]
    type_gap = None
    if not agency["suppressed"] and not permanent["suppressed"] and permanent["mean"]:
        type_gap = {
            "agency_minus_permanent": round(agency["mean"] - permanent["mean"], 1),
            "agency_vs_permanent_percent": round(
                (agency["mean"] - permanent["mean"]) / permanent["mean"] * 100, 1
            ),
        }
    return {
        "unit": "points_per_agent_month",
        "min_group": MIN_GROUP,
        "overall": overall,
        "by_team": teams,
        "by_supervisor": sups,
        "by_employment_type": types,
        "gaps": {
            "team": _gap(teams),
            "supervisor": _gap(sups),
            "employment_type": _gap(types),
        },
        "employment_type_gap": type_gap,
    }
