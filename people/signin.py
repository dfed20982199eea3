"""Hooks django-axes calls (settings `AXES_*`): whose address a sign-in comes from, and what a
locked-out person sees; and the pages' language around signing in."""

from __future__ import annotations

import math
from typing import Any

from axes.helpers import get_cool_off
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rest_framework.throttling import BaseThrottle

from .models import User
from .services import person_update

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


# --- The pages' language around signing in (password and single sign-on alike) ---------------

# Django's default (None) is a session cookie; the choice should outlive closing the browser.
_LANGUAGE_COOKIE_FALLBACK_AGE = 365 * 24 * 60 * 60

CHOSEN_BEFORE_SIGN_IN = "language_chosen_before_sign_in"
"""Session key: the language a visitor picked before signing in."""


def language_cookie_set(response: HttpResponseBase, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE or _LANGUAGE_COOKIE_FALLBACK_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


def known_language(code: str | None) -> str | None:
    return code if code in dict(settings.LANGUAGES) else None


def chosen_before_sign_in(request: HttpRequest) -> str | None:
    """The language picked on the sign-in page, read before signing in changes the session."""
    return known_language(request.session.get(CHOSEN_BEFORE_SIGN_IN))


def language_after_sign_in(
    request: HttpRequest, response: HttpResponseBase, user: User, *, chosen: str | None
) -> None:
    """A language picked on the sign-in page itself is the person's choice now: it wins over (and
    becomes) the stored preference; otherwise the stored preference applies."""
    if chosen and user.preferred_language != chosen:
        person_update(person=user, preferred_language=chosen, actor=user)
    request.session.pop(CHOSEN_BEFORE_SIGN_IN, None)
    language = chosen or known_language(user.preferred_language)
    if language:
        translation.activate(language)
        language_cookie_set(response, language)
