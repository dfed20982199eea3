"""The two pages of a single sign-on: off to the provider, and back from it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from core.errors import ApplicationError

from ..errors import SsoProviderUnavailableError, SsoRefusedError
from ..signin import chosen_before_sign_in, language_after_sign_in
from .backend import REFUSAL_ATTRIBUTE
from .discovery import oidc_setting


def sso_refused_page(request: HttpRequest, error: ApplicationError) -> HttpResponse:
    """Why single sign-on did not sign this person in, with the way back."""
    return render(
        request,
        "registration/sso_refused.html",
        {"title": _("Single sign-on did not succeed"), "error": error},
        status=error.http_status,
    )


class SsoStartView(OIDCAuthenticationRequestView):
    """To the provider's authorization endpoint (code flow with PKCE, state and nonce)."""

    get_settings = staticmethod(oidc_setting)

    def __init__(self, **kwargs: Any) -> None:
        # The library reads the endpoint when the view is built; we read it in `get`, where a
        # provider that cannot be reached becomes a page rather than a 500.
        super(OIDCAuthenticationRequestView, self).__init__(**kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        if not settings.SSO_ENABLED:
            raise Http404
        try:
            self.OIDC_OP_AUTH_ENDPOINT = oidc_setting("OIDC_OP_AUTHORIZATION_ENDPOINT")
        except SsoProviderUnavailableError as exc:
            return sso_refused_page(request, exc)
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        return super().get(request)


class SsoCallbackView(OIDCAuthenticationCallbackView):
    """Back from the provider: the code is exchanged, the identity matched, the person signed in
    in their own language, or told why not."""

    get_settings = staticmethod(oidc_setting)

    def get(self, request: HttpRequest) -> HttpResponse:
        if not settings.SSO_ENABLED:
            raise Http404
        return super().get(request)

    def login_failure(self) -> HttpResponse:
        error = getattr(self.request, REFUSAL_ATTRIBUTE, None) or SsoRefusedError()
        return sso_refused_page(self.request, error)

    def login_success(self) -> HttpResponse:
        chosen = chosen_before_sign_in(self.request)
        response = super().login_success()
        language_after_sign_in(self.request, response, self.user, chosen=chosen)
        return response


sso_start_view = SsoStartView.as_view()
sso_callback_view = SsoCallbackView.as_view()
