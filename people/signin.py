"""Hooks django-axes calls (settings `AXES_*`): whose address a sign-in comes from, and what a
locked-out person sees."""

from __future__ import annotations

import math
from typing import Any

from axes.helpers import get_cool_off
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rest_framework.throttling import BaseThrottle

LOCKED_OUT_STATUS = 429


def client_ip(request: HttpRequest) -> str:
    """The address failed sign-ins count against: the one the API throttles count, so
    X-Forwarded-For is believed only behind NUM_PROXIES known proxies."""
    return BaseThrottle().get_ident(request) or "unknown"  # type: ignore[arg-type]


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any
) -> HttpResponse:
    """Too many failed sign-ins: a 429 saying when to try again, the same whether or not the
    username exists (axes counts unknown usernames too)."""
    cool_off = get_cool_off(request)
    seconds = max(1, math.ceil(cool_off.total_seconds())) if cool_off else 0
    minutes = max(1, math.ceil(seconds / 60))
    detail = ngettext(
        "Too many failed sign-in attempts. Try again in %(minutes)d minute.",
        "Too many failed sign-in attempts. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {"code": "locked_out", "detail": detail, "extra": {"retry_after_seconds": seconds}},
            status=LOCKED_OUT_STATUS,
        )
    else:
        response = render(
            request,
            "registration/locked_out.html",
            {
                "detail": detail,
                "retry_at": timezone.now() + cool_off if cool_off else None,
                "title": _("Sign-in is locked for a while"),
            },
            status=LOCKED_OUT_STATUS,
        )
    if seconds:
        response["Retry-After"] = str(seconds)
    return response
