"""Who may call /scim/v2/: only the holder of the provisioning token, never a session or an
ordinary user's API token. The token's SHA-256 is configured (SCIM_TOKEN_SHA256) and compared
in constant time; with no token configured SCIM is off and answers 404."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from people.signin import client_ip

SCIM_CONTENT_TYPE = "application/scim+json"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"


def scim_error(status: int, detail: str, scim_type: str | None = None) -> HttpResponse:
    """An error in SCIM's own shape (RFC 7644 section 3.12)."""
    body: dict[str, Any] = {"schemas": [ERROR_SCHEMA], "status": str(status), "detail": detail}
    if scim_type:
        body["scimType"] = scim_type
    return HttpResponse(json.dumps(body), status=status, content_type=SCIM_CONTENT_TYPE)


def token_matches(presented: str) -> bool:
    expected = settings.SCIM_TOKEN_SHA256
    digest = hashlib.sha256(presented.encode("utf-8", "surrogatepass")).hexdigest()
    return bool(expected) and hmac.compare_digest(digest, expected)


def _failures_key(request: HttpRequest) -> str:
    return f"scim-auth-failures:{client_ip(request)}"


def scim_refusal(request: HttpRequest) -> HttpResponse | None:
    """None if `request` carries the provisioning token, else the response that refuses it."""
    if not settings.SCIM_TOKEN_SHA256:
        return scim_error(404, "SCIM provisioning is not enabled here.")
    key = _failures_key(request)
    if (cache.get(key) or 0) >= settings.SCIM_AUTH_FAILURES_PER_MINUTE:
        response = scim_error(429, "Too many requests with a wrong token; try again in a minute.")
        response["Retry-After"] = "60"
        return response
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip() and token_matches(token.strip()):
        return None
    if cache.add(key, 1, timeout=60) is False:
        try:
            cache.incr(key)
        except ValueError:  # expired between the two calls
            cache.add(key, 1, timeout=60)
    response = scim_error(401, "A valid provisioning bearer token is required.")
    response["WWW-Authenticate"] = 'Bearer realm="scim"'
    return response


class ScimTokenCheck:
    """django-scim2's AUTH_CHECK_MIDDLEWARE: wraps its views' dispatch with the token check."""

    def __init__(self, get_response: Callable[..., HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return scim_refusal(request) or self.get_response(request, *args, **kwargs)
