"""The notifications page: everything the bell has said, and a button to mark it all read."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from people.models import User

from . import selectors, services

PAGE_SIZE = 30


def _me(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@login_required
def notification_list_view(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    page = Paginator(selectors.notifications_of(user=me), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "notifications/list.html",
        {"page": page, "unread": selectors.unread_count(user=me)},
    )


@login_required
@require_POST
def notification_read_view(request: HttpRequest) -> HttpResponse:
    services.notifications_mark_read(user=_me(request))
    return redirect("notifications")
