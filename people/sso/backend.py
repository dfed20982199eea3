"""The authentication backends: passwords (off for all but superusers when
PASSWORD_LOGIN_ENABLED is false) and OpenID Connect (mozilla-django-oidc's backend, matching
accounts by `people.sso.services`)."""

from __future__ import annotations

import logging
from typing import Any

import jwt
import requests
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from ..errors import SsoProviderUnavailableError, SsoRefusedError
from ..models import User
from .discovery import oidc_setting
from .services import sso_identity_from_claims, sso_sign_in

logger = logging.getLogger(__name__)

REFUSAL_ATTRIBUTE = "sso_refusal"
"""Set on the request when a callback is refused: the callback page says why."""


class PasswordBackend(ModelBackend):
    """Django's password check; with PASSWORD_LOGIN_ENABLED false only superusers pass (the
    break-glass way in through /admin/login/ when the provider is down)."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None and not settings.PASSWORD_LOGIN_ENABLED and not user.is_superuser:
            return None
        return user


class SsoBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's authorization-code backend, our way: endpoints from discovery,
    the ID token's audience and issuer checked, accounts matched by subject, employee id and then
    verified e-mail (never a second account), refusals kept for the page to explain."""

    get_settings = staticmethod(oidc_setting)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Django builds every backend for every sign-in, passwords included: the provider's
        # settings (and its discovery document) are read only for a single sign-on callback.
        self.UserModel = User

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> User | None:
        if (
            not settings.SSO_ENABLED
            or request is None
            or "username" in kwargs
            or "password" in kwargs
            or "nonce" not in kwargs
        ):
            return None
        try:
            super().__init__()
            return super().authenticate(request, **kwargs)
        except SsoRefusedError as exc:
            setattr(request, REFUSAL_ATTRIBUTE, exc)
        except SsoProviderUnavailableError as exc:
            setattr(request, REFUSAL_ATTRIBUTE, exc)
        except SuspiciousOperation as exc:
            logger.warning("single sign-on: refused a suspicious answer: %s", exc)
            setattr(request, REFUSAL_ATTRIBUTE, SsoRefusedError())
        except (requests.RequestException, jwt.PyJWTError, ValueError, KeyError) as exc:
            logger.warning("single sign-on: the provider's answer was refused: %s", exc)
            setattr(request, REFUSAL_ATTRIBUTE, SsoProviderUnavailableError())
        return None

    def get_user(self, user_id: Any) -> User | None:
        # The session's user, as Django's own backend gives it: a deactivated person's session
        # ends (mozilla-django-oidc's would keep them signed in).
        user = User._default_manager.filter(pk=user_id).first()
        return user if user is not None and user.is_active else None

    def get_or_create_user(
        self, access_token: str, id_token: str, payload: dict[str, Any]
    ) -> User | None:
        self._check_audience_and_issuer(payload)
        userinfo = (
            self.get_userinfo(access_token, id_token, payload) if self.OIDC_OP_USER_ENDPOINT else {}
        )
        if userinfo.get("sub", payload.get("sub")) != payload.get("sub"):
            # OpenID Connect Core 5.3.2: userinfo about someone else must not be used.
            raise SuspiciousOperation("userinfo sub differs from the ID token's")
        claims = {**payload, **userinfo}
        try:
            return sso_sign_in(identity=sso_identity_from_claims(claims))
        except SsoRefusedError as exc:
            logger.info("single sign-on refused (%s) for subject %s", exc.code, claims.get("sub"))
            raise

    def _check_audience_and_issuer(self, payload: dict[str, Any]) -> None:
        # mozilla-django-oidc checks the signature, expiry and nonce, not whom the token is for.
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("ID token is for another client")
        issuer = oidc_setting("OIDC_OP_ISSUER", "")
        if issuer and payload.get("iss") != issuer:
            raise SuspiciousOperation("ID token from another issuer")
