"""Password guessing is cut off: django-axes locks a username, and an address, out for a while
after repeated failures, on the sign-in page and on the API's token endpoint alike. The counts
live in the cache the suite runs on (Redis, through scripts/test.sh)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.api_support import assert_error, db_state, isolate_throttle_cache
from tests.people.factories import PASSWORD, AgentFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("login")
HOME = reverse("home")
TOKEN_URL = "/api/v1/auth/token/"
LIMIT = 3
COOLOFF = timedelta(minutes=15)


@pytest.fixture(autouse=True)
def _lockout_settings(settings, monkeypatch):
    isolate_throttle_cache(monkeypatch)  # the per-address API throttle is not under test here
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.AXES_COOLOFF_TIME = COOLOFF


def html_sign_in(username: str, password: str, ip: str = "10.0.0.1", client=None, **extra):
    client = client or Client()
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip, **extra)


def api_sign_in(username: str, password: str, ip: str = "10.0.0.1", **extra):
    return APIClient().post(
        TOKEN_URL, {"username": username, "password": password}, format="json", REMOTE_ADDR=ip,
        **extra,
    )  # fmt: skip


def assert_html_locked_out(response) -> str:
    assert response.status_code == 429, response.status_code
    assert int(response["Retry-After"]) == COOLOFF.total_seconds()
    page = response.content.decode()
    assert 'data-testid="locked-out"' in page
    assert 'href="#main"' in page  # the site's layout
    return page


def assert_api_locked_out(response) -> dict:
    body = assert_error(response, 429, "locked_out")
    assert int(response["Retry-After"]) == COOLOFF.total_seconds()
    assert body["extra"]["retry_after_seconds"] == COOLOFF.total_seconds()
    return body


# --- the sign-in page -------------------------------------------------------------------------


def test_page_locks_a_username_out_after_the_limit_and_then_refuses_the_right_password():
    AgentFactory(username="aino")
    # given: failures up to one short of the limit are answered as usual
    for _ in range(LIMIT - 1):
        assert html_sign_in("aino", "guess").status_code == 200
    # when: the last failure the limit allows
    locked = html_sign_in("aino", "guess")
    # then: a page in the site's layout, in Finnish, that says when to try again
    page = assert_html_locked_out(locked)
    assert '<html lang="fi">' in page
    assert "Liian monta epäonnistunutta kirjautumisyritystä" in page
    assert "15 minuutin kuluttua" in page
    # and the right password is refused too, with no session
    client = Client()
    assert_html_locked_out(html_sign_in("aino", PASSWORD, client=client))
    assert "_auth_user_id" not in client.session


def test_lockout_page_is_in_english_for_an_english_reader():
    AgentFactory(username="emma")
    client = Client()
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    for _ in range(LIMIT - 1):
        html_sign_in("emma", "guess", client=client)

    page = assert_html_locked_out(html_sign_in("emma", "guess", client=client))

    assert '<html lang="en">' in page
    assert "Too many failed sign-in attempts. Try again in 15 minutes." in page
    assert "You can try again at" in page


def test_page_locks_out_an_address_that_guesses_many_usernames():
    # given: one address fails once each on as many usernames as the limit
    AgentFactory(username="ville")
    for n in range(LIMIT):
        html_sign_in(f"someone{n}", "guess", ip="10.0.0.7")
    # when: someone else signs in correctly from that address
    response = html_sign_in("ville", PASSWORD, ip="10.0.0.7")
    # then: refused; from another address the same person gets in
    assert_html_locked_out(response)
    assert html_sign_in("ville", PASSWORD, ip="10.0.0.8").status_code == 302


def test_a_username_locked_from_many_addresses_stays_locked_from_a_new_one():
    AgentFactory(username="aino")
    for n in range(LIMIT):
        html_sign_in("aino", "guess", ip=f"10.0.1.{n}")

    assert_html_locked_out(html_sign_in("aino", PASSWORD, ip="10.0.2.1"))


def test_a_successful_sign_in_resets_the_username_s_failures():
    AgentFactory(username="aino")
    for _ in range(LIMIT - 1):
        html_sign_in("aino", "guess")
    assert html_sign_in("aino", PASSWORD).status_code == 302
    # when: as many failures again as were forgiven
    for _ in range(LIMIT - 1):
        assert html_sign_in("aino", "guess").status_code == 200
    # then: still not locked
    assert html_sign_in("aino", PASSWORD).status_code == 302


def test_sign_in_works_again_after_the_cool_off(settings):
    settings.AXES_COOLOFF_TIME = timedelta(seconds=1)
    AgentFactory(username="aino")
    for _ in range(LIMIT):
        html_sign_in("aino", "guess")
    assert html_sign_in("aino", PASSWORD).status_code == 429
    # when: the cool-off passes (the counters expire in Redis by themselves)
    time.sleep(2.2)
    # then
    client = Client()
    response = html_sign_in("aino", PASSWORD, client=client)
    assert response.status_code == 302 and response["Location"] == HOME
    assert "_auth_user_id" in client.session


def test_the_page_s_lockout_does_not_tell_whether_the_username_exists():
    AgentFactory(username="aino")
    pages = {}
    for n, username in enumerate(["aino", "nobody-by-this-name"]):
        for _ in range(LIMIT - 1):
            html_sign_in(username, "guess", ip=f"10.0.3.{n}")
        pages[username] = assert_html_locked_out(html_sign_in(username, "guess", ip=f"10.0.3.{n}"))

    # The pages differ only by their CSRF tokens.
    def without_csrf(page: str) -> list[str]:
        return [line for line in page.splitlines() if "csrfmiddlewaretoken" not in line]

    assert without_csrf(pages["aino"]) == without_csrf(pages["nobody-by-this-name"])


def test_the_admin_sign_in_is_locked_out_too():
    AgentFactory(username="aino")
    for _ in range(LIMIT):
        Client().post(
            "/admin/login/", {"username": "aino", "password": "guess"}, REMOTE_ADDR="10.0.4.1"
        )

    response = Client().post(
        "/admin/login/", {"username": "aino", "password": PASSWORD}, REMOTE_ADDR="10.0.4.2"
    )

    assert_html_locked_out(response)


# --- the API's token endpoint -----------------------------------------------------------------


def test_token_endpoint_locks_a_username_out_and_then_refuses_the_right_password():
    agent = AgentFactory(username="aino")
    for _ in range(LIMIT - 1):
        assert_error(api_sign_in("aino", "guess"), 400, "invalid")
    assert_api_locked_out(api_sign_in("aino", "guess"))
    before = db_state()
    # when
    response = api_sign_in("aino", PASSWORD)
    # then: no token
    body = assert_api_locked_out(response)
    assert "token" not in body
    assert db_state() == before
    assert not AuthToken.objects.filter(user=agent).exists()


def test_token_endpoint_locks_out_an_address_that_guesses_many_usernames():
    AgentFactory(username="ville")
    for n in range(LIMIT):
        api_sign_in(f"someone{n}", "guess", ip="10.0.5.1")
    before = db_state()

    assert_api_locked_out(api_sign_in("ville", PASSWORD, ip="10.0.5.1"))

    assert db_state() == before
    assert api_sign_in("ville", PASSWORD, ip="10.0.5.2").status_code == 200


def test_failures_on_the_page_and_the_api_add_up():
    AgentFactory(username="aino")
    html_sign_in("aino", "guess", ip="10.0.6.1")
    for _ in range(LIMIT - 2):
        api_sign_in("aino", "guess", ip="10.0.6.2")

    assert_api_locked_out(api_sign_in("aino", "guess", ip="10.0.6.3"))
    assert_html_locked_out(html_sign_in("aino", PASSWORD, ip="10.0.6.4"))


def test_a_token_sign_in_resets_the_username_s_failures():
    AgentFactory(username="aino")
    for _ in range(LIMIT - 1):
        api_sign_in("aino", "guess")
    assert api_sign_in("aino", PASSWORD).status_code == 200
    for _ in range(LIMIT - 1):
        assert_error(api_sign_in("aino", "guess"), 400, "invalid")

    assert api_sign_in("aino", PASSWORD).status_code == 200


def test_token_endpoint_works_again_after_the_cool_off(settings):
    settings.AXES_COOLOFF_TIME = timedelta(seconds=1)
    AgentFactory(username="aino")
    for _ in range(LIMIT):
        api_sign_in("aino", "guess")
    assert api_sign_in("aino", PASSWORD).status_code == 429

    time.sleep(2.2)

    response = api_sign_in("aino", PASSWORD)
    assert response.status_code == 200
    assert APIClient(HTTP_AUTHORIZATION=f"Token {response.json()['token']}").get(
        "/api/v1/me/"
    ).status_code in (200, 404)  # signed in (an agent with no wallet yet may get a 404)


def test_the_api_s_lockout_does_not_tell_whether_the_username_exists():
    AgentFactory(username="aino")
    answers = {}
    for n, username in enumerate(["aino", "nobody-by-this-name"]):
        ip = f"10.0.7.{n}"
        before = [api_sign_in(username, "guess", ip=ip) for _ in range(LIMIT - 1)]
        locked = api_sign_in(username, "guess", ip=ip)
        answers[username] = (
            [(r.status_code, r.json()) for r in before],
            locked.status_code,
            locked.json(),
            locked["Retry-After"],
        )

    assert answers["aino"] == answers["nobody-by-this-name"]


# --- which address counts ---------------------------------------------------------------------


def test_x_forwarded_for_is_ignored_without_a_known_proxy():
    # given: NUM_PROXIES=0 (the default): a client cannot pick a fresh address per guess
    AgentFactory(username="ville")
    for n in range(LIMIT):
        html_sign_in(f"someone{n}", "guess", ip="10.0.8.1", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")

    response = html_sign_in("ville", PASSWORD, ip="10.0.8.1", HTTP_X_FORWARDED_FOR="192.0.2.99")

    assert_html_locked_out(response)


def test_behind_a_known_proxy_the_forwarded_address_counts(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    AgentFactory(username="ville")
    # given: one client behind the proxy guesses enough to lock its address out
    for n in range(LIMIT):
        html_sign_in(f"someone{n}", "guess", ip="10.0.9.1", HTTP_X_FORWARDED_FOR="192.0.2.1")
    assert_html_locked_out(
        html_sign_in("ville", PASSWORD, ip="10.0.9.1", HTTP_X_FORWARDED_FOR="192.0.2.1")
    )
    # when: another client comes through the same proxy
    response = html_sign_in("ville", PASSWORD, ip="10.0.9.1", HTTP_X_FORWARDED_FOR="192.0.2.2")
    # then: only the guessing client was locked out
    assert response.status_code == 302


def test_an_operator_can_lift_a_lockout_early():
    AgentFactory(username="aino")
    for _ in range(LIMIT):
        html_sign_in("aino", "guess", ip="10.0.10.1")
    assert_html_locked_out(html_sign_in("aino", PASSWORD, ip="10.0.10.2"))

    call_command("axes_reset_username", "aino")
    call_command("axes_reset_ip", "10.0.10.1")

    assert html_sign_in("aino", PASSWORD, ip="10.0.10.1").status_code == 302
