"""HR's history import page: upload the old system's CSV, read the report."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError
from people.models import User

from .import_apis import upload_read
from .importing import ImportRejectedError, history_import
from .importing.formatting import history_csv

SAMPLE_ROWS = [
    {"id": "old-1001", "timestamp": "2024-03-04T10:15:00+02:00", "event": "award",
     "employee": "aino.virtanen", "employee_name": "Aino Virtanen", "team": "Chat",
     "employment_type": "permanent", "points": "50", "supervisor": "sanna.laine",
     "reason": "Chatin vasteaika alle minuutin"},
    {"id": "old-1002", "timestamp": "2024-03-05T09:00:00+02:00", "event": "award",
     "employee": "eero.koskinen", "employee_name": "Eero Koskinen", "team": "Puhelin",
     "employment_type": "agency", "points": "30", "supervisor": "sanna.laine", "reason": ""},
    {"id": "old-1003", "timestamp": "2024-03-20T16:40:00+02:00", "event": "redemption",
     "employee": "aino.virtanen", "employee_name": "Aino Virtanen", "team": "Chat",
     "employment_type": "permanent", "points": "40", "reward": "Elokuvaliput kahdelle"},
]  # fmt: skip

COLUMN_HELP = [
    ("id", _("optional"), _("The old system's event id. Without it, a row is known by its content.")),
    ("timestamp", _("required"), _("ISO 8601 with a UTC offset, e.g. 2024-03-04T10:15:00+02:00.")),
    ("event", _("required"), _("award or redemption.")),
    ("employee", _("required"), _("Username. Unknown people are created (no password).")),
    ("employee_name", _("optional"), _("Display name of a new person.")),
    ("team", _("optional"), _("Team of a new person; unknown teams are created.")),
    ("employment_type", _("required"), _("permanent or agency.")),
    ("points", _("required"), _("A positive whole number.")),
    ("reward", _("redemptions"), _("Reward name. Unknown rewards are created inactive.")),
    ("supervisor", _("awards"), _("Username of the supervisor who gave the award.")),
    ("reason", _("optional"), _("Why the award was given (at most 500 characters).")),
]  # fmt: skip


class HistoryImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("UTF-8, header row first, at most 50 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )


def _hr(request: HttpRequest) -> None:
    if not getattr(request.user, "is_hr", False):
        raise PermissionDenied


@login_required
def history_import_view(request: HttpRequest) -> HttpResponse:
    _hr(request)
    context: dict[str, Any] = {"columns": COLUMN_HELP, "report": None, "problem": None}
    status = 200
    if request.method == "POST":
        form = HistoryImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                context["report"] = history_import(
                    data=upload_read(form.cleaned_data["file"]),
                    actor=request.user if isinstance(request.user, User) else None,
                )
            except ImportRejectedError as exc:
                context["report"], status = exc.report, 400
            except ApplicationError as exc:
                context["problem"], status = exc.message, 400
        else:
            status = 400
    else:
        form = HistoryImportForm()
    context["form"] = form
    return render(request, "insights/import.html", context, status=status)


@login_required
def history_import_sample_view(request: HttpRequest) -> HttpResponse:
    _hr(request)
    response = HttpResponse(history_csv(SAMPLE_ROWS), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="history-sample.csv"'
    return response
