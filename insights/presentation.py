"""Words and charts for the insights pages (shared by the dashboard, the people table and CSV)."""

from __future__ import annotations

from typing import Any

from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from people.models import EmploymentType

from . import charts
from .formatting import month_label
from .models import InsightsRun, PersonSegment, Segment
from .selectors import window_blob
from .tables import Table, segment_label, suppressed

MAX_BARS = 12
"""A fairness chart with more groups than this shows the highest and lowest halves."""

RULES = {
    "too_few_events": gettext_lazy("Fewer than 3 points events so far."),
    "recent_start": gettext_lazy("First points less than 90 days ago."),
    "no_redemptions": gettext_lazy("Earned points but redeemed nothing in the period."),
    "no_activity": gettext_lazy("No points earned or redeemed in the period."),
    "big_purchases": gettext_lazy("Most points went on rewards costing 2.5+ months of earnings."),
    "saving_up": gettext_lazy(
        "Few purchases, a long stretch without one, and a balance of 3+ months of earnings."
    ),
    "quick_small_purchases": gettext_lazy(
        "Most purchases within 3 days of affording them; small prices; low balance kept."
    ),
    "regular_purchases": gettext_lazy("Regular purchases that fit neither pattern above."),
}

SEGMENT_HELP = {
    Segment.BINGE: gettext_lazy("Redeems as soon as the points suffice: many, smaller rewards."),
    Segment.GOAL_SAVER: gettext_lazy(
        "Saves for long stretches towards a reward worth several months of points."
    ),
    Segment.STEADY: gettext_lazy("Redeems regularly, neither at once nor saving up."),
    Segment.DORMANT: gettext_lazy("Earns points but has not redeemed in the period."),
    Segment.NEW: gettext_lazy("Too little history to say yet."),
}

EVIDENCE_COLUMNS = (
    ("redemptions_per_year", gettext_lazy("Redemptions / year")),
    ("median_days_to_redeem", gettext_lazy("Median days from affordable to redeemed")),
    ("median_price_months", gettext_lazy("Median price (months of earnings)")),
    ("longest_saving_streak_days", gettext_lazy("Longest saving streak (days)")),
    ("balance_kept_months", gettext_lazy("Balance kept (months of earnings)")),
    ("monthly_earnings", gettext_lazy("Earnings / month")),
)


def people_table(rows: list[PersonSegment]) -> Table:
    t = Table(
        "people",
        _("People and their segments"),
        [
            _("Person"),
            _("Username"),
            _("Team"),
            _("Employment type"),
            _("Segment"),
            _("Why"),
            *[str(label) for _key, label in EVIDENCE_COLUMNS],
        ],
        numeric=set(range(6, 6 + len(EVIDENCE_COLUMNS))),
    )
    for ps in rows:
        p = ps.person
        t.rows.append(
            [
                p.name,
                p.username,
                p.team.name if p.team else "",
                p.get_employment_type_display(),
                segment_label(ps.segment),
                str(RULES.get(ps.rule, ps.rule)),
                *[_blank(ps.evidence.get(key)) for key, _label in EVIDENCE_COLUMNS],
            ]
        )
    return t


def _blank(v: Any) -> Any:
    return "–" if v is None else v


def dashboard_charts(run: InsightsRun, months: int) -> dict[str, SafeString]:
    seg = window_blob(run, "segments", months)
    eco = window_blob(run, "economy", months)
    fair = window_blob(run, "fairness", months)
    counts = seg.get("counts") or {}
    out = {
        "segments": charts.bar_chart(
            [
                charts.Bar(str(s.label), counts.get(s.value, 0), str(counts.get(s.value, 0)))
                for s in Segment
            ],
            title=_("Segment distribution"),
            desc=_("People per segment; the table below has the same figures."),
        )
    }
    flows = eco.get("flows") or []
    out["flows"] = charts.flows_chart(
        [month_label(f["month"]) for f in flows],
        [f["issued"] for f in flows],
        [f["redeemed"] for f in flows],
        title=_("Points issued and redeemed per month"),
        desc=_("Paired columns per month: issued, then redeemed."),
        issued_label=_("Issued"),
        redeemed_label=_("Redeemed"),
    )
    out["price_index"] = charts.line_chart(
        [month_label(f["month"]) for f in flows],
        [f["price_index"] for f in flows],
        title=_("Price index by month"),
        desc=_(
            "What a fixed basket of rewards (weighted by how often each was redeemed) cost at "
            "each month's closing prices, against its base prices (100 = base price)."
        ),
    )
    for key, title in (
        ("by_team", _("Points per agent per month by team")),
        ("by_supervisor", _("Points per agent per month by supervisor")),
        ("by_employment_type", _("Points per agent per month by employment type")),
    ):
        groups = list(fair.get(key) or [])
        if len(groups) > MAX_BARS:
            # Hundreds of teams make no chart: draw the extremes, the table has them all.
            shown = sorted((g for g in groups if not g["suppressed"]), key=lambda g: -g["mean"])
            half = MAX_BARS // 2
            groups = shown[:half] + shown[-half:] if len(shown) > MAX_BARS else shown
        bars = []
        for g in groups:
            label = g["label"] or _("No team")
            if key == "by_employment_type":
                label = str(EmploymentType(g["key"]).label)
            if g["suppressed"]:
                bars.append(charts.Bar(label, None, suppressed()))
            else:
                bars.append(charts.Bar(label, g["mean"], f"{g['mean']:.0f} · Gini {g['gini']:.2f}"))
        out[key] = charts.bar_chart(
            bars,
            title=title,
            desc=_(
                "Mean points per agent per month in each group, with the Gini coefficient "
                "of the spread inside it; groups under 5 people are suppressed. With many "
                "groups, the six highest and the six lowest are drawn; the table lists all."
            ),
        )
    return out
