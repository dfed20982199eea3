"""Against the real test provider, without a browser: discovery fills the endpoints (once), and
the sign-in starts the authorization code flow with PKCE (S256), state and nonce."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from people.sso import discovery
from tests.people.sso_support import CLIENT_ID, Provider, oidc_provider

pytestmark = pytest.mark.django_db
__all__ = ["oidc_provider"]


@pytest.fixture
def sso(settings: Any, oidc_provider: Provider) -> Any:
    settings.OIDC_CLIENT_ID = settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.SSO_ENABLED = True
    settings.OIDC_DISCOVERY_URL = oidc_provider.discovery_url
    discovery.discovery_forget()
    yield settings
    discovery.discovery_forget()


def test_discovery_fills_the_endpoints_and_is_read_once(sso, oidc_provider, monkeypatch) -> None:
    assert discovery.oidc_setting("OIDC_OP_ISSUER") == oidc_provider.issuer
    assert discovery.oidc_setting("OIDC_OP_TOKEN_ENDPOINT") == f"{oidc_provider.issuer}/token/"
    assert discovery.oidc_setting("OIDC_OP_JWKS_ENDPOINT").startswith(oidc_provider.issuer)
    assert discovery.oidc_setting("OIDC_OP_END_SESSION_ENDPOINT") == (
        f"{oidc_provider.issuer}/logout/"
    )

    # read once: later look-ups do not ask the provider again
    def no_http(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("discovery asked again")

    monkeypatch.setattr(discovery.requests, "get", no_http)
    assert discovery.oidc_setting("OIDC_OP_USER_ENDPOINT") == f"{oidc_provider.issuer}/userinfo/"


def test_an_explicit_endpoint_wins_over_discovery(sso) -> None:
    sso.OIDC_OP_TOKEN_ENDPOINT = "https://idp.example.com/token"
    assert discovery.oidc_setting("OIDC_OP_TOKEN_ENDPOINT") == "https://idp.example.com/token"


def test_sign_in_starts_the_code_flow_with_pkce(client, sso, oidc_provider) -> None:
    response = client.get("/sso/login/?next=/market/")

    assert response.status_code == 302
    url = urlsplit(response["Location"])
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{oidc_provider.issuer}/authorize/"
    query = {key: values[0] for key, values in parse_qs(url.query).items()}
    assert query["response_type"] == "code"
    assert query["client_id"] == CLIENT_ID
    assert query["redirect_uri"] == "http://testserver/sso/callback/"
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert set(query["scope"].split()) == {"openid", "email", "profile"}
    states = client.session["oidc_states"]
    assert set(states) == {query["state"]}
    assert states[query["state"]]["nonce"] == query["nonce"]
    assert client.session["oidc_login_next"] == "/market/"
