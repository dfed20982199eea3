"""The provider's endpoints: from settings one by one, else from its discovery document
(`.well-known/openid-configuration`), read once and kept for an hour per process.

mozilla-django-oidc reads every endpoint through `get_settings`; our subclasses route that here.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from mozilla_django_oidc.utils import import_from_settings

from ..errors import SsoProviderUnavailableError

logger = logging.getLogger(__name__)

DISCOVERY_TTL_SECONDS = 3600

# Setting -> the discovery document's key (OpenID Connect Discovery 1.0, section 3).
_DISCOVERED = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
    "OIDC_OP_END_SESSION_ENDPOINT": "end_session_endpoint",
    "OIDC_OP_ISSUER": "issuer",
}

_lock = threading.Lock()
_documents: dict[str, tuple[float, dict[str, Any]]] = {}


def provider_metadata() -> dict[str, Any]:
    """The discovery document of OIDC_DISCOVERY_URL ({} without one)."""
    url = settings.OIDC_DISCOVERY_URL
    if not url:
        return {}
    with _lock:
        cached = _documents.get(url)
        if cached and cached[0] > time.monotonic():
            return cached[1]
    try:
        response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        document = response.json()
        if not isinstance(document, dict) or "authorization_endpoint" not in document:
            raise ValueError("not a discovery document")
    except (requests.RequestException, ValueError) as exc:
        logger.warning("OpenID Connect discovery at %s failed: %s", url, exc)
        raise SsoProviderUnavailableError() from exc
    with _lock:
        _documents[url] = (time.monotonic() + DISCOVERY_TTL_SECONDS, document)
    return document


def discovery_forget() -> None:
    """Read the discovery document again at next use (tests; a provider that moved)."""
    with _lock:
        _documents.clear()


def oidc_setting(attr: str, *default: Any) -> Any:
    """mozilla-django-oidc's `import_from_settings`, with endpoints filled from discovery."""
    if attr in _DISCOVERED:
        value = getattr(settings, attr, "")
        if not value:
            value = provider_metadata().get(_DISCOVERED[attr], "")
        if value:
            return value
        return default[0] if default else value
    return import_from_settings(attr, *default)


def sso_logout_url(request: HttpRequest, id_token: str) -> str | None:
    """Where to send the browser to end the provider's session too (RP-initiated logout), or
    None when the provider has no end_session_endpoint (or cannot be reached)."""
    try:
        endpoint = oidc_setting("OIDC_OP_END_SESSION_ENDPOINT", "")
    except SsoProviderUnavailableError:
        return None
    if not endpoint:
        return None
    query = urlencode(
        {
            "id_token_hint": id_token,
            "client_id": settings.OIDC_RP_CLIENT_ID,
            "post_logout_redirect_uri": request.build_absolute_uri(reverse("login")),
        }
    )
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"
