"""HR's pricing page: the parameters in force, a preview of the next tick under proposed ones,
saving a new version, the version history and the tick log with each tick's lines."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from core.errors import ApplicationError, InvalidInputError
from people.models import User

from .. import selectors, services
from ..forms import ParametersForm
from . import describe

TICKS_PER_PAGE = 25
LINES_PER_PAGE = 100
VERSIONS_SHOWN = 50


def hr_only(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not user.is_hr:
        raise PermissionDenied
    return user


def _field_errors(form: ParametersForm, error: InvalidInputError) -> None:
    """Put a service's field errors next to the fields (unknown names go on top)."""
    for name, problems in (error.fields or {}).items():
        for problem in problems:
            form.add_error(name if name in form.fields else None, str(problem))


def _when(moment: Any) -> str:
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


@login_required
def pricing_view(request: HttpRequest) -> HttpResponse:
    me = hr_only(request)
    current = services.parameters_current()
    preview = None
    if request.method == "POST":
        form = ParametersForm(request.POST, current=current)
        action = request.POST.get("action")
        if form.is_valid():
            try:
                values = services.parameters_validate(form.values())
                if action == "save":
                    version = services.parameters_set(
                        actor=me, values=values, note=form.cleaned_data["note"]
                    )
                    messages.success(
                        request,
                        _(
                            "Saved as version %(version)s; applies from the next window, "
                            "which starts at %(start)s."
                        )
                        % {"version": version.pk, "start": _when(selectors.next_repricing())},
                    )
                    return redirect("hr-pricing")
                preview = selectors.pricing_preview(proposed=values)
            except InvalidInputError as error:
                _field_errors(form, error)
            except ApplicationError as error:
                messages.error(request, error.message)
    else:
        form = ParametersForm(current=current)
    window = selectors.next_window()
    ticks = Paginator(selectors.tick_log(), TICKS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "current": current,
        "described": describe.parameters_described(current),
        "form": form,
        "preview": preview,
        "changed": _changed(form, current) if preview is not None else set(),
        "window": window,
        "versions": [
            (version, describe.values_text(version))
            for version in selectors.parameter_versions()[:VERSIONS_SHOWN]
        ],
        "ticks": ticks,
    }
    return render(request, "pricing/hr_pricing.html", context, status=200)


def _changed(form: ParametersForm, current: Any) -> set[str]:
    data = getattr(form, "cleaned_data", {})
    return {name for name in services.PARAMETER_FIELDS if data.get(name) != getattr(current, name)}


@login_required
def tick_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    hr_only(request)
    tick = get_object_or_404(selectors.tick_log(), pk=pk)
    page = Paginator(selectors.tick_lines(tick=tick), LINES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    lines = [(line, describe.line_explanation(line, tick)) for line in page.object_list]
    context = {"tick": tick, "page": page, "lines": lines}
    return render(request, "pricing/tick_detail.html", context)
