"""The tables HR sees (and exports as CSV), built from one window of the latest run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from people.models import EmploymentType

from .models import InsightsRun, Segment
from .selectors import window_blob


@dataclass
class Table:
    slug: str
    title: str
    headers: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    numeric: set[int] = field(default_factory=set)  # column indexes right-aligned
    total: int | None = None  # set when only some rows are shown (the CSV has them all)

    def extremes(self, n: int, column: int) -> None:
        """Keep the n/2 highest and n/2 lowest rows by a numeric column (suppressed rows go)."""
        if len(self.rows) <= n:
            return
        self.total = len(self.rows)
        ranked = sorted(
            (r for r in self.rows if isinstance(r[column], int | float)), key=lambda r: -r[column]
        )
        half = n // 2
        self.rows = ranked[:half] + ranked[-half:] if len(ranked) > n else ranked

    def head(self, n: int) -> None:
        if len(self.rows) > n:
            self.total = len(self.rows)
            self.rows = self.rows[:n]


def suppressed() -> str:
    return _("suppressed (fewer than 5)")


def _or_suppressed(group: dict[str, Any], key: str) -> Any:
    return suppressed() if group.get("suppressed") else group.get(key)


def _reward_name(row: dict[str, Any]) -> str:
    english = (get_language() or "fi").startswith("en")
    return str(row["name_en"] if english else row["name_fi"])


def segment_label(value: str) -> str:
    try:
        return str(Segment(value).label)
    except ValueError:
        return value


def _segments(run: InsightsRun, months: int) -> Table:
    blob = window_blob(run, "segments", months)
    total = blob.get("people") or 0
    t = Table(
        "segments",
        _("Segment distribution"),
        [_("Segment"), _("People"), _("Share")],
        numeric={1, 2},
    )
    for seg in Segment:
        n = (blob.get("counts") or {}).get(seg.value, 0)
        t.rows.append([str(seg.label), n, f"{n / total * 100:.0f} %" if total else "–"])
    return t


def _segments_by_team(run: InsightsRun, months: int) -> Table:
    blob = window_blob(run, "segments", months)
    t = Table(
        "segments-by-team",
        _("Segments by team"),
        [_("Team"), _("People"), *[str(s.label) for s in Segment]],
        numeric=set(range(1, 2 + len(Segment))),
    )
    for g in blob.get("by_team") or []:
        label = g["label"] or _("No team")
        if g["suppressed"]:
            t.rows.append([label, suppressed(), *[""] * len(Segment)])
        else:
            t.rows.append([label, g["people"], *[g["counts"][s.value] for s in Segment]])
    return t


def _flows(run: InsightsRun, months: int) -> Table:
    eco = window_blob(run, "economy", months)
    t = Table(
        "flows",
        _("Points issued and redeemed per month"),
        [
            _("Month"),
            _("Issued"),
            _("Redeemed"),
            _("Net"),
            _("Basket price index"),
            _("Price index (paid vs base)"),
        ],
        numeric={1, 2, 3, 4, 5},
    )
    for f in eco.get("flows") or []:
        basket, paid = f["price_index"], f.get("paid_index")
        t.rows.append([f["month"], f["issued"], f["redeemed"], f["net"],
                       "–" if basket is None else basket, "–" if paid is None else paid])  # fmt: skip
    return t


def _most_wanted(run: InsightsRun, months: int) -> Table:
    eco = window_blob(run, "economy", months)
    t = Table(
        "most-wanted",
        _("Most wanted rewards"),
        [
            _("Reward"),
            _("Redemptions"),
            _("Points"),
            _("Share"),
            _("Base price"),
            _("Current price"),
        ],
        numeric={1, 2, 3, 4, 5},
    )
    for r in eco.get("most_wanted") or []:
        t.rows.append(
            [
                _reward_name(r),
                r["redemptions"],
                r["points"],
                f"{r['share'] * 100:.0f} %",
                r["base_price"],
                r["current_price"],
            ]
        )
    return t


def _unwanted(run: InsightsRun, months: int) -> Table:
    eco = window_blob(run, "economy", months)
    t = Table(
        "unwanted",
        _("Rewards nobody redeemed"),
        [_("Reward"), _("Base price"), _("Current price")],
        numeric={1, 2},
    )
    for r in eco.get("unwanted") or []:
        t.rows.append([_reward_name(r), r["base_price"], r["current_price"]])
    return t


def _fairness(slug: str, title: str, key: str, head: str) -> Callable[[InsightsRun, int], Table]:
    def build(run: InsightsRun, months: int) -> Table:
        fair = window_blob(run, "fairness", months)
        t = Table(
            slug,
            title,
            [head, _("Agents"), _("Mean points / month"), _("Median points / month"), _("Gini")],
            numeric={1, 2, 3, 4},
        )
        for g in fair.get(key) or []:
            label = g["label"] or _("No team")
            if key == "by_employment_type":
                label = str(EmploymentType(g["key"]).label)
            t.rows.append(
                [
                    label,
                    _or_suppressed(g, "people"),
                    _or_suppressed(g, "mean"),
                    _or_suppressed(g, "median"),
                    _or_suppressed(g, "gini"),
                ]
            )
        return t

    return build


def tables(run: InsightsRun, months: int) -> dict[str, Table]:
    """Every exportable table of one window, by slug."""
    builders: list[Callable[[InsightsRun, int], Table]] = [
        _segments,
        _segments_by_team,
        _flows,
        _most_wanted,
        _unwanted,
        _fairness("fairness-team", _("Points per agent by team"), "by_team", _("Team")),
        _fairness(
            "fairness-supervisor",
            _("Points per agent by supervisor"),
            "by_supervisor",
            _("Supervisor"),
        ),
        _fairness(
            "fairness-employment-type",
            _("Points per agent by employment type"),
            "by_employment_type",
            _("Employment type"),
        ),
    ]
    out = {}
    for build in builders:
        t = build(run, months)
        out[t.slug] = t
    return out
