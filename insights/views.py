"""HR insights pages: a dashboard, the people table, CSV exports and a recompute button.

Only HR: agents and supervisors get 403 on every page (individual segments are personal data)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.csv_export import SafeCsvWriter
from core.errors import InvalidInputError
from people.models import EmploymentType, Team
from rewards.leavers.selectors import points_at_risk

from .models import DEFAULT_WINDOW, WINDOWS, InsightsRun, Segment
from .presentation import SEGMENT_HELP, dashboard_charts, people_table
from .selectors import (
    PeopleFilter,
    people_filter_parse,
    person_segment_list,
    run_latest,
    window_blob,
)
from .services import insights_recompute_request
from .tables import Table, tables

PAGE_SIZE = 50
DASHBOARD_ROWS = 12


def _hr(request: HttpRequest) -> None:
    if not getattr(request.user, "is_hr", False):
        raise PermissionDenied


def _filter(request: HttpRequest) -> tuple[PeopleFilter, dict[str, list[str]]]:
    try:
        return people_filter_parse(request.GET), {}
    except InvalidInputError as exc:
        return PeopleFilter(), exc.fields


def _csv(table: Table, months: int, run: InsightsRun) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"insights-{table.slug}-{months}m-{run.as_of:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response.write("\ufeff")  # Excel reads UTF-8 (ä, ö) only with the BOM
    writer = SafeCsvWriter(response)  # no cell runs as a formula in HR's spreadsheet
    writer.writerow(table.headers)
    writer.writerows(table.rows)
    return response


def _base_context(run: InsightsRun | None, flt: PeopleFilter, errors: dict) -> dict:
    return {
        "run": run,
        "months": flt.months,
        "windows": WINDOWS,
        "default_window": DEFAULT_WINDOW,
        "filter_errors": errors,
    }


@login_required
def insights_dashboard_view(request: HttpRequest) -> HttpResponse:
    _hr(request)
    run = run_latest()
    flt, errors = _filter(request)
    context = _base_context(run, flt, errors)
    if run is not None:
        all_tables = {slug.replace("-", "_"): t for slug, t in tables(run, flt.months).items()}
        # Hundreds of teams make a page nobody reads (and a slow one): the dashboard shows the
        # groups its charts draw; the CSV export has every row.
        all_tables["fairness_team"].extremes(DASHBOARD_ROWS, column=2)
        all_tables["fairness_supervisor"].extremes(DASHBOARD_ROWS, column=2)
        all_tables["segments_by_team"].head(DASHBOARD_ROWS)
        eco = window_blob(run, "economy", flt.months)
        fair = window_blob(run, "fairness", flt.months)
        context.update(
            tables=all_tables,
            charts=dashboard_charts(run, flt.months),
            economy=eco,
            fairness=fair,
            segment_help=[(s.label, SEGMENT_HELP[s]) for s in Segment],
        )
    # Live, not precomputed: a leaver's points are at risk today, not as of the last run.
    context["at_risk"] = points_at_risk(within_days=max(settings.LEAVER_REMINDER_DAYS, default=30))
    return render(request, "insights/dashboard.html", context)


@login_required
def insights_people_view(request: HttpRequest) -> HttpResponse:
    _hr(request)
    run = run_latest()
    flt, errors = _filter(request)
    context = _base_context(run, flt, errors)
    context.update(
        teams=Team.objects.order_by("name"),
        segments=Segment.choices,
        employment_types=EmploymentType.choices,
        flt=flt,
        keep={k: v for k in ("team", "segment", "employment_type") if (v := request.GET.get(k))},
    )
    if run is not None:
        qs = person_segment_list(run=run, flt=flt)
        if request.GET.get("format") == "csv":
            return _csv(people_table(list(qs)), flt.months, run)
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        context.update(
            page=page, table=people_table(list(page.object_list)), query=query.urlencode()
        )
    return render(request, "insights/people.html", context)


@login_required
def insights_export_view(request: HttpRequest, slug: str) -> HttpResponse:
    _hr(request)
    run = run_latest()
    flt, errors = _filter(request)
    if run is None or errors:
        raise Http404
    table = tables(run, flt.months).get(slug)
    if table is None:
        raise Http404
    return _csv(table, flt.months, run)


@login_required
@require_POST
def insights_recompute_view(request: HttpRequest) -> HttpResponse:
    _hr(request)
    insights_recompute_request()
    messages.success(
        request,
        _("Recomputation started. It takes from seconds to a minute; reload the page then."),
    )
    return redirect("insights-dashboard")
