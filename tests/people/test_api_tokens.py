"""API tokens (django-rest-knox): stored only as digests, expiring, one per sign-in, revoked by
signing out, by a new password and by leaving; their owner lists and revokes them."""

from __future__ import annotations

from datetime import timedelta

import pytest
import yaml
from django.contrib.auth.hashers import PBKDF2PasswordHasher, make_password
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from people.services import api_token_create, person_deactivate
from tests.api_support import assert_error, db_state, isolate_throttle_cache
from tests.people.factories import PASSWORD, AgentFactory, HRFactory

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
ME = "/api/v1/people/"  # any endpoint every signed-in person may read
TOKENS = "/api/v1/auth/tokens/"
PAGE = reverse("api-tokens-page")


@pytest.fixture(autouse=True)
def _own_throttle_cache(monkeypatch):
    isolate_throttle_cache(monkeypatch)


def sign_in(username: str, password: str = PASSWORD) -> str:
    response = APIClient().post(
        TOKEN_URL, {"username": username, "password": password}, format="json"
    )
    assert response.status_code == 200, response.content[:300]
    return response.json()["token"]


def client_for(key: str) -> APIClient:
    return APIClient(HTTP_AUTHORIZATION=f"Token {key}")


def works(key: str) -> bool:
    response = client_for(key).get(ME)
    assert response.status_code in (200, 401), response.content[:300]
    return response.status_code == 200


# --- at rest and in time ----------------------------------------------------------------------


def test_the_database_holds_no_token_only_its_digest():
    agent = AgentFactory()
    key = sign_in(agent.username)
    # when: every column of every stored token, as text
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM knox_authtoken")
        stored = repr(cursor.fetchall())
    # then
    assert len(key) == 64
    assert key not in stored
    assert AuthToken.objects.get(user=agent).digest != key
    assert works(key)


def test_a_token_expires_after_the_configured_hours(settings):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_TTL": timedelta(hours=2)}
    agent = AgentFactory()

    response = APIClient().post(
        TOKEN_URL, {"username": agent.username, "password": PASSWORD}, format="json"
    )

    expiry = AuthToken.objects.get(user=agent).expiry
    assert timedelta(hours=2) - timedelta(minutes=1) < expiry - timezone.now() <= timedelta(hours=2)
    assert (
        response.json()["expiry"] == expiry.astimezone(timezone.get_current_timezone()).isoformat()
    )


def test_an_expired_token_is_a_401_token_expired_and_is_deleted():
    agent = AgentFactory()
    key = sign_in(agent.username)
    AuthToken.objects.filter(user=agent).update(expiry=timezone.now() - timedelta(seconds=1))

    response = client_for(key).get(ME)

    assert_error(response, 401, "token_expired")
    assert response["WWW-Authenticate"] == "Token"
    assert not AuthToken.objects.filter(user=agent).exists()


def test_signing_in_sweeps_the_person_s_expired_tokens():
    agent = AgentFactory()
    sign_in(agent.username)
    AuthToken.objects.filter(user=agent).update(expiry=timezone.now() - timedelta(seconds=1))

    key = sign_in(agent.username)

    assert list(AuthToken.objects.filter(user=agent).values_list("token_key", flat=True)) == [
        key[:15]
    ]


def test_a_well_formed_unknown_token_and_a_malformed_one_are_401s():
    assert_error(client_for("a" * 64).get(ME), 401, "authentication_failed")
    assert_error(client_for("A" * 64).get(ME), 401, "authentication_failed")
    assert_error(client_for("abc").get(ME), 401, "authentication_failed")


# --- revoked ----------------------------------------------------------------------------------


def test_signing_out_ends_this_token_only():
    agent = AgentFactory()
    this, other = sign_in(agent.username), sign_in(agent.username)

    response = client_for(this).post("/api/v1/auth/logout/")

    assert response.status_code == 204
    assert_error(client_for(this).get(ME), 401, "authentication_failed")
    assert works(other)


def test_signing_out_needs_a_token_not_a_session():
    agent = AgentFactory()
    sign_in(agent.username)
    client = APIClient()
    client.force_login(agent)
    before = db_state()

    assert_error(client.post("/api/v1/auth/logout/"), 401, "not_authenticated")
    assert db_state() == before


def test_signing_out_everywhere_ends_every_token_of_mine_only():
    agent, colleague = AgentFactory(), AgentFactory()
    mine = [sign_in(agent.username) for _ in range(2)]
    theirs = sign_in(colleague.username)

    response = client_for(mine[0]).post("/api/v1/auth/logout-all/")

    assert response.status_code == 204
    assert not any(works(key) for key in mine)
    assert works(theirs)


def test_a_new_password_ends_every_token():
    agent = AgentFactory()
    key = sign_in(agent.username)

    agent.set_password("a-whole-new-secret-2026")
    agent.save()

    assert not works(key)
    assert not AuthToken.objects.filter(user=agent).exists()


@pytest.mark.parametrize(
    "form",
    [
        {
            "usable_password": "true",
            "password1": "a-whole-new-secret-2026",
            "password2": "a-whole-new-secret-2026",
        },
        {"usable_password": "false", "unset-password": "1"},
    ],
    ids=["new-password", "password-sign-in-disabled"],
)
def test_a_password_changed_in_the_admin_ends_every_token(form):
    agent, hr = AgentFactory(), HRFactory(is_staff=True)  # HR works in the admin
    key = sign_in(agent.username)
    admin = Client()
    admin.force_login(hr)
    old_hash = agent.password

    response = admin.post(f"/admin/people/user/{agent.pk}/password/", form)

    assert response.status_code == 302, response.content[:500]
    agent.refresh_from_db()
    assert agent.password != old_hash
    assert not works(key)


class FastPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    iterations = 1_000  # a real upgrade path (MD5 to PBKDF2), without PBKDF2's real cost


def test_a_stronger_hash_of_the_same_password_keeps_the_tokens(settings):
    # given: a password stored with a hasher that is no longer the first choice
    agent = AgentFactory()
    key = sign_in(agent.username)
    settings.PASSWORD_HASHERS = [
        f"{__name__}.FastPBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    # when: signing in re-hashes it (Django does, on a successful check)
    sign_in(agent.username)
    # then: the same password, so the earlier token still works
    agent.refresh_from_db()
    assert agent.password.startswith("pbkdf2_sha256$1000$")
    assert works(key)


def test_leaving_ends_every_token():
    agent = AgentFactory()
    key = sign_in(agent.username)

    person_deactivate(person=agent)

    assert not works(key)
    assert not AuthToken.objects.filter(user=agent).exists()


def test_a_person_made_with_a_password_by_hr_can_sign_in_for_a_token():
    # The revocation on a new password must not trip over someone who is only being created.
    HRFactory()
    person = AgentFactory.build(username="uusi")
    person.password = make_password(PASSWORD)
    person.team.save()
    person.team_id = person.team.pk
    person.save()

    assert works(sign_in("uusi"))


# --- listing and revoking one's own -----------------------------------------------------------


def test_listing_shows_only_my_valid_tokens_and_never_a_secret():
    agent, colleague = AgentFactory(), AgentFactory()
    first, current = sign_in(agent.username), sign_in(agent.username)
    sign_in(colleague.username)
    expired = api_token_create(user=agent)
    AuthToken.objects.filter(digest=expired.token.digest).update(
        expiry=timezone.now() - timedelta(seconds=1)
    )

    response = client_for(current).get(TOKENS)

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [current[:15], first[:15]]
    assert [row["current"] for row in rows] == [True, False]
    assert set(rows[0]) == {"id", "created", "expiry", "current"}
    text = response.content.decode()
    assert first not in text and current not in text


def test_revoking_my_token_by_its_id_ends_it():
    agent = AgentFactory()
    current, other = sign_in(agent.username), sign_in(agent.username)

    response = client_for(current).delete(f"{TOKENS}{other[:15]}/")

    assert response.status_code == 204
    assert not works(other)
    assert works(current)


@pytest.mark.parametrize("token_id", ["someone-else-s", "0" * 15, "x" * 300])
def test_revoking_someone_else_s_token_or_an_unknown_one_is_a_404_and_writes_nothing(token_id):
    agent, colleague = AgentFactory(), AgentFactory()
    mine = sign_in(agent.username)
    theirs = sign_in(colleague.username)
    if token_id == "someone-else-s":
        token_id = theirs[:15]
    before = db_state()

    response = client_for(mine).delete(f"{TOKENS}{token_id}/")

    assert_error(response, 404, "unknown_token")
    assert db_state() == before
    assert works(theirs)


def test_the_schema_documents_the_token_endpoints(api):
    schema = yaml.safe_load(api(AgentFactory()).get("/api/v1/schema/").content)

    paths = schema["paths"]
    assert paths["/api/v1/auth/token/"]["post"]["responses"]["200"]["content"] == {
        "application/json": {"schema": {"$ref": "#/components/schemas/TokenCreated"}}
    }
    assert set(schema["components"]["schemas"]["TokenCreated"]["properties"]) == {
        "token",
        "expiry",
    }
    assert "429" in paths["/api/v1/auth/token/"]["post"]["responses"]
    assert "204" in paths["/api/v1/auth/logout/"]["post"]["responses"]
    assert "204" in paths["/api/v1/auth/logout-all/"]["post"]["responses"]
    assert "get" in paths["/api/v1/auth/tokens/"]
    assert "404" in paths["/api/v1/auth/tokens/{token_id}/"]["delete"]["responses"]
    listed = schema["components"]["schemas"]["ApiToken"]["properties"]
    assert set(listed) == {"id", "created", "expiry", "current"}


# --- the page ---------------------------------------------------------------------------------


def test_the_page_lists_my_tokens_and_is_linked_from_the_main_menu():
    agent, colleague = AgentFactory(), AgentFactory()
    mine = sign_in(agent.username)
    theirs = sign_in(colleague.username)
    client = Client()
    client.force_login(agent)

    page = client.get(PAGE).content.decode()

    assert "API-tunnisteet" in page
    assert f'href="{PAGE}"' in page
    assert mine[:15] in page
    assert mine not in page
    assert theirs[:15] not in page


def test_the_page_is_in_english_for_an_english_reader():
    agent = AgentFactory(preferred_language="en")
    sign_in(agent.username)
    client = Client()
    client.force_login(agent)
    client.cookies["django_language"] = "en"

    page = client.get(PAGE).content.decode()

    assert "API tokens" in page and "Revoke all" in page


def test_revoking_from_the_page_ends_the_token():
    agent = AgentFactory()
    key = sign_in(agent.username)
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    page = client.get(PAGE)
    csrf = page.context["csrf_token"]

    response = client.post(
        reverse("api-token-revoke-page", args=[key[:15]]), {"csrfmiddlewaretoken": str(csrf)}
    )

    assert response.status_code == 302 and response["Location"] == PAGE
    assert not works(key)
    assert "Tunniste peruttiin" in client.get(PAGE).content.decode()


def test_revoking_from_the_page_without_csrf_is_refused_and_writes_nothing():
    agent = AgentFactory()
    key = sign_in(agent.username)
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    before = db_state()

    response = client.post(reverse("api-token-revoke-page", args=[key[:15]]))

    assert response.status_code == 403
    assert db_state() == before


def test_revoking_someone_else_s_token_from_the_page_writes_nothing():
    agent, colleague = AgentFactory(), AgentFactory()
    theirs = sign_in(colleague.username)
    client = Client()
    client.force_login(agent)
    before = db_state()

    response = client.post(reverse("api-token-revoke-page", args=[theirs[:15]]), follow=True)

    assert db_state() == before
    assert "Sinulla ei ole tällaista tunnistetta." in response.content.decode()
    assert works(theirs)


def test_revoke_all_from_the_page():
    agent = AgentFactory()
    keys = [sign_in(agent.username) for _ in range(2)]
    client = Client()
    client.force_login(agent)

    response = client.post(reverse("api-tokens-revoke-all"), follow=True)

    assert "2 tunnistetta peruttiin." in response.content.decode()
    assert not any(works(key) for key in keys)


def test_the_page_needs_a_sign_in_and_revoking_needs_a_post():
    agent = AgentFactory()
    key = sign_in(agent.username)

    assert Client().get(PAGE).status_code == 302
    client = Client()
    client.force_login(agent)
    assert client.get(reverse("api-token-revoke-page", args=[key[:15]])).status_code == 405
    assert works(key)
