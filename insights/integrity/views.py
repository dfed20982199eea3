"""HR's integrity pages: the open flags, and one flag with its evidence and the review."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import ApplicationError, InvalidInputError

from ..models import IntegrityFlag, IntegrityStatus
from .selectors import integrity_flag_awards, integrity_flag_list
from .services import integrity_flag_dismiss, integrity_flag_reverse
from .text import flag_reason

PAGE_SIZE = 25


def _hr(request: HttpRequest) -> Any:
    if not getattr(request.user, "is_hr", False):
        raise PermissionDenied
    return request.user


def _status(request: HttpRequest) -> str:
    status = request.GET.get("status") or IntegrityStatus.OPEN
    return status if status in IntegrityStatus.values else IntegrityStatus.OPEN


@login_required
def integrity_flag_list_view(request: HttpRequest) -> HttpResponse:
    _hr(request)
    status = _status(request)
    page = Paginator(integrity_flag_list(status=status), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    items = [(flag, flag_reason(flag)) for flag in page.object_list]
    return render(
        request,
        "insights/integrity_list.html",
        {
            "page": page,
            "items": items,
            "status": status,
            "statuses": IntegrityStatus.choices,
            "query": f"status={status}",
        },
    )


@login_required
def integrity_flag_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    _hr(request)
    flag = IntegrityFlag.objects.filter(pk=pk).select_related("reviewer").first()
    if flag is None:
        raise Http404
    awards = list(integrity_flag_awards(flag=flag))
    return render(
        request,
        "insights/integrity_detail.html",
        {
            "flag": flag,
            "reason": flag_reason(flag),
            "awards": awards,
            "people": list(flag.people.order_by("username")),
            "total": sum(a.points for a in awards),
            "reversible": any(not hasattr(a.transaction, "reversed_by") for a in awards),
        },
    )


def _message_for(exc: ApplicationError) -> str:
    if isinstance(exc, InvalidInputError) and exc.fields:
        return " ".join(str(m) for msgs in exc.fields.values() for m in msgs)
    return exc.message


@login_required
@require_POST
def integrity_flag_dismiss_view(request: HttpRequest, pk: int) -> HttpResponse:
    me = _hr(request)
    try:
        integrity_flag_dismiss(flag_id=pk, actor=me, note=request.POST.get("note", ""))
    except ApplicationError as exc:
        if exc.http_status == 404:
            raise Http404 from exc
        messages.error(request, _message_for(exc))
    else:
        messages.success(request, _("Flag dismissed. The note is in the audit log."))
    return redirect("integrity-flag", pk=pk)


@login_required
@require_POST
def integrity_flag_reverse_view(request: HttpRequest, pk: int) -> HttpResponse:
    me = _hr(request)
    try:
        ids = [int(v) for v in request.POST.getlist("award")]
    except ValueError:
        ids = []
    try:
        integrity_flag_reverse(
            flag_id=pk, actor=me, award_ids=ids, note=request.POST.get("note", "")
        )
    except ApplicationError as exc:
        if exc.http_status == 404:
            raise Http404 from exc
        messages.error(request, _message_for(exc))
    else:
        messages.success(
            request, _("The chosen awards were reversed and the flag closed; see the audit log.")
        )
    return redirect("integrity-flag", pk=pk)
