"""The single sign-on pages and switches without a provider: off by default, a provider that
cannot be reached, a callback without a sign-in under way, and password sign-in switched off
(on the page, on the API, and the superusers' break-glass through the admin)."""

from __future__ import annotations

from typing import Any

import pytest
from knox.models import AuthToken

from people.sso.discovery import discovery_forget
from tests.people.factories import PASSWORD, AgentFactory, UserFactory
from tests.people.sso_support import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def sso(settings: Any) -> Any:
    settings.OIDC_CLIENT_ID = settings.OIDC_RP_CLIENT_ID = "pojo"
    settings.OIDC_RP_CLIENT_SECRET = "secret"
    settings.SSO_ENABLED = True
    settings.OIDC_PROVIDER_NAME = "Microsoft"
    # Nothing listens there: discovery fails.
    settings.OIDC_DISCOVERY_URL = f"http://127.0.0.1:{free_port()}/.well-known/openid-configuration"
    settings.OIDC_TIMEOUT = 2
    discovery_forget()
    yield settings
    discovery_forget()


def test_off_by_default(client) -> None:
    page = client.get("/login/").content.decode()
    assert 'data-testid="sso-sign-in"' not in page
    assert 'name="password"' in page
    assert client.get("/sso/login/").status_code == 404
    assert client.get("/sso/callback/?code=x&state=y").status_code == 404


def test_the_button_names_the_provider_and_keeps_next(client, sso) -> None:
    page = client.get("/login/?next=/market/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'href="/sso/login/?next=/market/"' in page
    assert "Sign in with Microsoft" in page
    assert 'name="password"' in page  # both, unless password sign-in is off


def test_an_unreachable_provider_is_a_503_page(client, sso) -> None:
    response = client.get("/sso/login/")

    assert response.status_code == 503
    assert 'data-code="sso_provider_unavailable"' in response.content.decode()


def test_a_callback_without_a_sign_in_under_way_is_refused(client, sso) -> None:
    response = client.get("/sso/callback/?code=forged&state=forged")

    assert response.status_code == 403
    assert 'data-code="sso_refused"' in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.fixture
def sso_only(sso: Any) -> Any:
    sso.PASSWORD_LOGIN_ENABLED = False
    return sso


def test_password_sign_in_off_hides_the_form_and_refuses_a_post(client, sso_only) -> None:
    AgentFactory(username="aino")

    page = client.get("/login/").content.decode()
    response = client.post("/login/", {"username": "aino", "password": PASSWORD})

    assert 'name="password"' not in page and 'data-testid="sso-sign-in"' in page
    assert response.status_code == 403
    assert "Salasanalla kirjautuminen on poistettu käytöstä" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_password_sign_in_off_refuses_the_api_token(api, sso_only) -> None:
    AgentFactory(username="aino")

    response = api().post("/api/v1/auth/token/", {"username": "aino", "password": PASSWORD})

    assert response.status_code == 403
    assert response.json()["code"] == "password_login_disabled"
    assert not AuthToken.objects.exists()


def test_password_sign_in_off_leaves_superusers_the_admin(client, sso_only) -> None:
    UserFactory(username="root", is_superuser=True, is_staff=True)
    UserFactory(username="hr", role="hr", is_staff=True)

    response = client.post("/admin/login/?next=/admin/", {"username": "hr", "password": PASSWORD})
    assert response.status_code == 200  # the form again: refused
    assert "_auth_user_id" not in client.session

    response = client.post("/admin/login/?next=/admin/", {"username": "root", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/admin/"


def test_a_deactivated_persons_sso_session_ends(client, sso) -> None:
    from people.services import person_deactivate

    person = AgentFactory()
    client.force_login(person, backend="people.sso.backend.SsoBackend")
    assert client.get("/").status_code == 200

    person_deactivate(person=person)

    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
