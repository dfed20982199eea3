"""Middleware every app shares: session time limits, and sign-in that never lands on a POST URL."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import resolve_url
from django.utils.translation import gettext as _

from core.http import referer_path, view_answers_get

SESSION_SIGNED_IN_AT = "_signed_in_at"
SESSION_SEEN_AT = "_seen_at"
# The session is written (to move its last-seen time) at most this often, not on every request.
SEEN_REFRESH_SECONDS = 60


class SessionTimeoutMiddleware:
    """Signs a person out after SESSION_IDLE_MINUTES without a request, and SESSION_COOKIE_AGE
    seconds after signing in whatever they do.

    The last-seen time is stored at most once a minute, so an active person costs one session
    write a minute rather than one per request; the idle limit is therefore exact to a minute."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.user.is_authenticated:
            self._check(request)
        return self.get_response(request)

    def _check(self, request: HttpRequest) -> None:
        now = int(time.time())
        session = request.session
        signed_in_at = session.get(SESSION_SIGNED_IN_AT)
        seen_at = session.get(SESSION_SEEN_AT)
        idle_limit = settings.SESSION_IDLE_MINUTES * 60
        if (signed_in_at is not None and now - signed_in_at >= settings.SESSION_COOKIE_AGE) or (
            seen_at is not None and now - seen_at >= idle_limit
        ):
            logout(request)  # flushes the session; the view then sees an anonymous user
            messages.info(request, _("Your session has ended: please sign in again."))
            return
        if signed_in_at is None:
            session[SESSION_SIGNED_IN_AT] = now
        if seen_at is None or now - seen_at >= SEEN_REFRESH_SECONDS:
            session[SESSION_SEEN_AT] = now


def session_timeout_start(sender: Any, request: HttpRequest | None, **kwargs: Any) -> None:
    """On signing in (Django's `user_logged_in`): both clocks start now."""
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[SESSION_SIGNED_IN_AT] = now
        request.session[SESSION_SEEN_AT] = now


class LoginRedirectAfterPostMiddleware:
    """A signed-out POST (an expired session submitting a form) is sent to sign in with `next`
    set to the page the form was on, not to the POST-only address it was sent to: after signing
    in, the browser GETs `next`, and a GET of a POST-only view is a dead end (405)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if (
            request.method in ("GET", "HEAD", "OPTIONS")
            or request.user.is_authenticated
            or response.status_code != 302
        ):
            return response
        # login_required's redirect: to the sign-in page, with the address to come back to.
        location = urlsplit(response.get("Location", ""))
        if location.path != urlsplit(resolve_url(settings.LOGIN_URL)).path or (
            REDIRECT_FIELD_NAME not in parse_qs(location.query)
        ):
            return response
        page = referer_path(request)
        if page is None or not view_answers_get(urlsplit(page).path):
            page = resolve_url(settings.LOGIN_REDIRECT_URL)
        return redirect_to_login(page)
