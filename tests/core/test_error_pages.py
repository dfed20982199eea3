"""The site's own 403, 404, 500 and CSRF-failure pages, in Finnish and English, with a way back."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from rewards.models import Wish
from tests.people.factories import AgentFactory
from tests.rewards.factories import RewardFactory

pytestmark = pytest.mark.django_db

LANGUAGES = {
    "fi": {
        403: "Tämä sivu ei ole sinulle",
        404: "Sivua ei löytynyt",
        500: "Jokin meni vikaan",
        "csrf": "Lomake on vanhentunut",
        "retry": "Palaa takaisin ja yritä uudelleen",
        "home": "Takaisin etusivulle",
        "sign_in": "Kirjaudu sisään",
    },
    "en": {
        403: "This page is not for you",
        404: "Page not found",
        500: "Something went wrong",
        "csrf": "The form has expired",
        "retry": "Go back and try again",
        "home": "Back to the home page",
        "sign_in": "Sign in",
    },
}


def client_in(language: str, **kwargs) -> Client:
    client = Client(**kwargs)
    client.cookies["django_language"] = language
    return client


@pytest.mark.parametrize("language", ["fi", "en"])
def test_403_is_the_sites_page_with_the_layout_and_a_way_home(language):
    client = client_in(language)
    client.force_login(AgentFactory())  # an agent has no team page

    response = client.get(reverse("team"))

    assert response.status_code == 403
    page = response.content.decode()
    assert LANGUAGES[language][403] in page
    assert LANGUAGES[language]["home"] in page
    assert 'class="topbar"' in page  # the site's layout, header included
    assert f'<html lang="{language}">' in page


@pytest.mark.parametrize("language", ["fi", "en"])
def test_404_signed_out_offers_sign_in(language):
    response = client_in(language).get("/no-such-page/")

    assert response.status_code == 404
    page = response.content.decode()
    assert LANGUAGES[language][404] in page
    assert LANGUAGES[language]["sign_in"] in page
    assert f'href="{reverse("login")}"' in page


@pytest.mark.parametrize("language", ["fi", "en"])
def test_500_is_the_sites_page_not_a_traceback(language, settings):
    settings.ROOT_URLCONF = "tests.core.failing_urls"
    client = client_in(language, raise_request_exception=False)

    response = client.get("/boom/")

    assert response.status_code == 500
    page = response.content.decode()
    assert LANGUAGES[language][500] in page
    assert LANGUAGES[language]["home"] in page
    assert "Traceback" not in page and "RuntimeError" not in page


@pytest.mark.parametrize("language", ["fi", "en"])
def test_a_lost_csrf_cookie_shows_the_expired_form_page_and_writes_nothing(language):
    # given: a signed-in agent whose browser lost its CSRF cookie (or the page is stale)
    agent = AgentFactory()
    client = client_in(language, enforce_csrf_checks=True)
    client.force_login(agent)
    market = "http://testserver" + reverse("market")

    # when: the form is sent without a valid token
    response = client.post(
        reverse("wish-add", args=[RewardFactory().pk]),
        {"csrfmiddlewaretoken": "x" * 64},
        HTTP_REFERER=market,
    )

    # then: the site's page, in the person's language, offering to go back to the form's page
    assert response.status_code == 403
    page = response.content.decode()
    assert LANGUAGES[language]["csrf"] in page
    assert LANGUAGES[language]["retry"] in page
    assert f'href="{reverse("market")}"' in page
    assert 'class="topbar"' in page
    assert "CSRF verification failed" not in page  # not Django's own (English, debug) page
    assert not Wish.objects.exists()


def test_csrf_failure_back_link_ignores_a_foreign_referer():
    client = client_in("en", enforce_csrf_checks=True)

    response = client.post(reverse("login"), {}, HTTP_REFERER="https://evil.example/phish")

    assert response.status_code == 403
    page = response.content.decode()
    assert "evil.example" not in page
    assert f'href="{reverse("home")}"' in page


def test_csrf_failure_under_the_api_answers_json():
    client = Client(enforce_csrf_checks=True)
    client.force_login(AgentFactory())

    response = client.post("/api/v1/goal/", {}, content_type="application/json")

    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/json")
