"""HR's roster page: upload the HR system's roster, read the preview, apply it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from audit.describers import FIELD_LABELS
from core.errors import ApplicationError

from ..errors import RosterInvalidError
from ..models import EmploymentType, Role, RosterImport, RosterImportMode, User
from .apis import upload_read
from .formatting import TEMPLATE_ROWS, roster_csv
from .planning import plan_counts
from .services import roster_import_apply, roster_preview_create

COLUMN_HELP = [
    ("employee_id", gettext_lazy("required"), gettext_lazy("The HR system's id of the person. People are matched by it; someone without one yet is matched by e-mail and gets it.")),
    ("name", gettext_lazy("required"), gettext_lazy("The name shown in the market.")),
    ("email", gettext_lazy("required"), gettext_lazy("A new person's username is made from it.")),
    ("team", gettext_lazy("optional"), gettext_lazy("Team name; a team that does not exist is created.")),
    ("supervisors", gettext_lazy("optional"), gettext_lazy("Employee ids of the person's supervisors, separated by ; or |. They become supervisors and leaders of the person's team.")),
    ("employment_type", gettext_lazy("optional"), gettext_lazy("permanent or agency (empty: permanent).")),
    ("start_date", gettext_lazy("optional"), gettext_lazy("First working day: 2025-03-31 or 31.3.2025.")),
    ("end_date", gettext_lazy("optional"), gettext_lazy("Last working day. The next night the account is closed; the points history stays.")),
]  # fmt: skip

FIELD_NAMES = {
    **FIELD_LABELS,
    "employment_type": gettext_lazy("employment"),
    "is_active": gettext_lazy("account"),
}


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Roster file (CSV)"),
        help_text=gettext_lazy(
            "UTF-8, comma or semicolon separated, header row first, at most 5 MB."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    mode = forms.ChoiceField(
        label=gettext_lazy("What the file covers"),
        choices=RosterImportMode.choices,
        initial=RosterImportMode.PARTIAL,
        widget=forms.RadioSelect,
    )


def _hr(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not user.is_hr:
        raise PermissionDenied
    return user


def _shown(field: str, value: Any) -> str:
    if value is None or value == "":
        return "–"
    if field == "role" and value in Role.values:
        return str(Role(value).label)
    if field == "employment_type" and value in EmploymentType.values:
        return str(EmploymentType(value).label)
    if field == "is_active":
        return _("open") if value else _("closed")
    return str(value)


def _changes(changes: dict[str, list[Any]]) -> list[tuple[str, str, str]]:
    return [
        (str(FIELD_NAMES.get(field, field)), _shown(field, old), _shown(field, new))
        for field, (old, new) in changes.items()
    ]


def _preview(roster_import: RosterImport) -> dict[str, Any]:
    plan = roster_import.plan
    changed = [{**entry, "shown": _changes(entry["changes"])} for entry in plan["changed"]]
    leaving = [{**entry, "shown": _changes(entry["changes"])} for entry in plan["leaving"]]
    new = [
        {**entry, "role_label": _shown("role", entry["role"]),
         "employment_label": _shown("employment_type", entry["employment_type"])}
        for entry in plan["new"]
    ]  # fmt: skip
    return {
        "counts": plan_counts(plan),
        "new": new,
        "changed": changed,
        "leaving": leaving,
        "plan": plan,
    }


@login_required
def roster_view(request: HttpRequest) -> HttpResponse:
    """Upload a roster (stored as a preview) and see the uploads so far."""
    actor = _hr(request)
    status = 200
    errors: list[dict[str, Any]] = []
    omitted = 0
    problem = ""
    if request.method == "POST":
        form = RosterUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                roster_import = roster_preview_create(
                    data=upload_read(upload),
                    mode=form.cleaned_data["mode"],
                    filename=upload.name or "",
                    actor=actor,
                )
            except RosterInvalidError as exc:
                errors, omitted, status = exc.rows, exc.omitted, 400
            except ApplicationError as exc:
                problem, status = exc.message, 400
            else:
                return redirect("hr-roster-detail", pk=roster_import.pk)
        else:
            status = 400
    else:
        form = RosterUploadForm()
    imports = [
        {"item": item, "counts": plan_counts(item.plan)}
        for item in RosterImport.objects.select_related("created_by", "applied_by")[:20]
    ]
    context = {
        "form": form,
        "errors": errors,
        "omitted": omitted,
        "problem": problem,
        "columns": COLUMN_HELP,
        "imports": imports,
    }
    return render(request, "people/roster.html", context, status=status)


@login_required
def roster_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The preview of one upload: who joins, changes, leaves; the button that applies it."""
    _hr(request)
    roster_import = (
        RosterImport.objects.select_related("created_by", "applied_by").filter(pk=pk).first()
    )
    if roster_import is None:
        raise Http404
    context = {"roster_import": roster_import, **_preview(roster_import)}
    return render(request, "people/roster_detail.html", context)


@login_required
@require_POST
def roster_apply_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _hr(request)
    roster_import = RosterImport.objects.filter(pk=pk).first()
    if roster_import is None:
        raise Http404
    try:
        roster_import_apply(roster_import=roster_import, actor=actor)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The roster was applied."))
    return redirect("hr-roster-detail", pk=pk)


@login_required
def roster_template_view(request: HttpRequest) -> HttpResponse:
    _hr(request)
    response = HttpResponse(roster_csv(TEMPLATE_ROWS), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="roster-template.csv"'
    return response
