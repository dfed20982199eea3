"""Signing in and out, and choosing the language of the pages."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from core.errors import ApplicationError
from core.http import view_answers_get

from . import services
from .errors import PasswordLoginDisabledError
from .models import User
from .selectors import api_tokens_of
from .signin import (
    CHOSEN_BEFORE_SIGN_IN,
    chosen_before_sign_in,
    known_language,
    language_after_sign_in,
    language_cookie_set,
)
from .sso.discovery import sso_logout_url


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

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {
            **super().get_context_data(**kwargs),
            "sso_enabled": settings.SSO_ENABLED,
            "sso_provider_name": settings.OIDC_PROVIDER_NAME,
            "password_login_enabled": settings.PASSWORD_LOGIN_ENABLED,
        }

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not settings.PASSWORD_LOGIN_ENABLED:
            # Single sign-on only; superusers still have /admin/login/ (break-glass).
            error = PasswordLoginDisabledError()
            messages.error(request, error.message)
            response = self.render_to_response(self.get_context_data())
            response.status_code = error.http_status
            return response
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        chosen = chosen_before_sign_in(self.request)
        response = super().form_valid(form)
        language_after_sign_in(self.request, response, form.get_user(), chosen=chosen)
        return response


class LogoutView(auth_views.LogoutView):
    """Django's sign-out (POST only), with a word that it happened."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # Signed in through the provider: its session ends too (RP-initiated logout), and it
        # sends the browser back to our sign-in page.
        id_token = request.session.get("oidc_id_token") if settings.SSO_ENABLED else None
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("You have signed out."))
        provider_logout = sso_logout_url(request, id_token) if id_token else None
        if provider_logout is None:
            return response
        # A page that moves on by itself, not a redirect: the Content-Security-Policy's
        # form-action 'self' (rightly) stops a form's POST from being redirected to another site.
        return render(
            request,
            "registration/sso_signing_out.html",
            {"provider_logout_url": provider_logout, "provider": settings.OIDC_PROVIDER_NAME},
        )


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
    language = known_language(request.POST.get("language"))
    if language is None:
        return response
    user = request.user
    if isinstance(user, User):
        if user.preferred_language != language:
            services.person_update(person=user, preferred_language=language, actor=user)
    else:
        request.session[CHOSEN_BEFORE_SIGN_IN] = language
    language_cookie_set(response, language)
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
