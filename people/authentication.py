"""API authentication by django-rest-knox tokens: only a hash of each token is stored."""

from __future__ import annotations

import re
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.crypto import hash_token
from knox.models import AuthToken
from knox.settings import CONSTANTS, knox_settings
from rest_framework import exceptions


class TokenExpired(exceptions.AuthenticationFailed):
    """An API token past its expiry: a 401 that tells the client to sign in again."""

    error_code = "token_expired"  # the API's stable code (core.errors)
    default_detail = _("The token has expired. Sign in again for a new one.")
    default_code = "token_expired"


_KEY = re.compile(rf"[0-9a-f]{{{knox_settings.AUTH_TOKEN_CHARACTER_LENGTH}}}")


class TokenAuthentication(KnoxTokenAuthentication):
    """Knox's `Authorization: Token <key>`, with three changes.

    - A malformed key (not ASCII hex of the right length) is refused before any query: knox
      would fail on non-UTF-8 bytes with a 500.
    - The token is found by its digest (the primary key): one indexed query. Knox also reads all
      of the user's other tokens on every request to sweep expired ones; that sweep happens at
      sign-in instead (`people.services.api_token_create`), off the hot path.
    - An expired token is a 401 with its own code, `token_expired`, so a client knows to sign in
      again; it is deleted then.
    """

    def authenticate_credentials(self, token: bytes) -> tuple[Any, AuthToken]:
        invalid = exceptions.AuthenticationFailed(_("Invalid token."))
        try:
            key = token.decode("ascii")
        except UnicodeDecodeError:
            raise invalid from None
        if not _KEY.fullmatch(key):
            raise invalid
        auth_token = (
            AuthToken.objects.select_related("user")
            .filter(digest=hash_token(key), token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH])
            .first()
        )
        if auth_token is None:
            raise invalid
        if auth_token.expiry is not None and auth_token.expiry <= timezone.now():
            auth_token.delete()
            raise TokenExpired
        user, auth = self.validate_user(auth_token)
        return user, auth


class TokenScheme(OpenApiAuthenticationExtension):
    """How the API's description tells clients to send the token."""

    target_class = TokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix=knox_settings.AUTH_HEADER_PREFIX
        )
