"""Signing in and out, and choosing the language of the pages."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from core.errors import ApplicationError
from core.http import view_answers_get

from . import services
from .models import User
from .selectors import api_tokens_of

# Django's default (None) is a session cookie; the choice should outlive closing the browser.
_LANGUAGE_COOKIE_FALLBACK_AGE = 365 * 24 * 60 * 60


def _set_language_cookie(response: HttpResponseBase, language: str) -> None:
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


_CHOSEN_BEFORE_SIGN_IN = "language_chosen_before_sign_in"
"""Session key: the language a visitor picked before signing in."""


def _known_language(code: str | None) -> str | None:
    return code if code in dict(settings.LANGUAGES) else None


class LoginView(auth_views.LoginView):
    """Django's sign-in, then the pages switch to the person's own language."""

    redirect_authenticated_user = True

    def get_redirect_url(self) -> str:
        """`next`, unless it names an address that cannot be opened as a page (a form's POST-only
        target, from before this was caught): then the default landing page instead of a 405."""
        url = super().get_redirect_url()
        if url and not view_answers_get(urlsplit(url).path):
            return ""
        return url

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        # A language picked on the sign-in page itself is the person's choice now: it wins over
        # (and becomes) the stored preference; otherwise the stored preference applies.
        chosen = _known_language(self.request.session.get(_CHOSEN_BEFORE_SIGN_IN))
        response = super().form_valid(form)
        user = form.get_user()
        if chosen and user.preferred_language != chosen:
            services.person_update(person=user, preferred_language=chosen, actor=user)
        self.request.session.pop(_CHOSEN_BEFORE_SIGN_IN, None)
        language = chosen or _known_language(user.preferred_language)
        if language:
            translation.activate(language)
            _set_language_cookie(response, language)
        return response


class LogoutView(auth_views.LogoutView):
    """Django's sign-out (POST only), with a word that it happened."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("You have signed out."))
        return response


login_view = LoginView.as_view()
logout_view = LogoutView.as_view()


@require_POST
def language_set_view(request: HttpRequest) -> HttpResponse:
    """Switch the pages' language; a signed-in person keeps it as their preferred language."""
    next_url = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("home")
    response = redirect(next_url)
    language = _known_language(request.POST.get("language"))
    if language is None:
        return response
    user = request.user
    if isinstance(user, User):
        if user.preferred_language != language:
            services.person_update(person=user, preferred_language=language, actor=user)
    else:
        request.session[_CHOSEN_BEFORE_SIGN_IN] = language
    _set_language_cookie(response, language)
    return response


def _me(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@login_required
@require_GET
def api_tokens_view(request: HttpRequest) -> HttpResponse:
    """My API tokens (never their secrets), each with a button that revokes it."""
    return render(
        request, "people/api_tokens.html", {"tokens": list(api_tokens_of(user=_me(request)))}
    )


@login_required
@require_POST
def api_token_revoke_view(request: HttpRequest, token_id: str) -> HttpResponse:
    try:
        services.api_token_revoke(user=_me(request), token_id=token_id)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The token was revoked: it no longer works."))
    return redirect("api-tokens-page")


@login_required
@require_POST
def api_tokens_revoke_all_view(request: HttpRequest) -> HttpResponse:
    count = services.api_tokens_revoke_all(user=_me(request))
    messages.success(
        request,
        ngettext("%(count)d token was revoked.", "%(count)d tokens were revoked.", count)
        % {"count": count},
    )
    return redirect("api-tokens-page")
