"""The audit log page, for HR."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .describers import audit_describe
from .forms import AuditFilterForm
from .selectors import audit_events

PAGE_SIZE = 50

# An icon per kind of action (the part of the code before the dot), from includes/icon.html.
ICONS = {
    "ledger": "undo",
    "budget": "bars",
    "pricing": "chart",
    "import": "in",
    "people": "team",
    "team": "team",
    "drawing": "gift",
    "auth": "admin",
}


@login_required
def audit_event_list_view(request: HttpRequest) -> HttpResponse:
    # `is_hr` is the people app's notion; audit sits below it and reads the attribute only.
    if not getattr(request.user, "is_hr", False):
        raise PermissionDenied
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = audit_events(**{k: v for k, v in filters.items() if v})
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for event in page.object_list:
        event.description = audit_describe(event)
        event.icon = ICONS.get(event.action.partition(".")[0], "audit")
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(request, "audit/list.html", context, status=status)
