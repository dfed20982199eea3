"""Signing in and out, the language of the pages, and the error pages."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from people.models import User
from tests.people.factories import PASSWORD, AgentFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("login")
LOGOUT = reverse("logout")
LANGUAGE = reverse("language-set")
HOME = reverse("home")
COOKIE = settings.LANGUAGE_COOKIE_NAME


def text(response) -> str:
    return response.content.decode()


def test_sign_in_page_is_finnish_by_default(client):
    response = client.get(LOGIN)
    assert response.status_code == 200
    page = text(response)
    assert '<html lang="fi">' in page
    assert "Kirjaudu Pojopörssiin" in page
    assert 'for="id_username"' in page and 'for="id_password"' in page
    assert 'href="#main"' in page  # skip link


def test_sign_in_with_the_real_form_lands_on_home(client):
    agent = AgentFactory(username="aino")
    response = client.post(LOGIN, {"username": "aino", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == HOME
    assert client.get(HOME).context["user"] == agent


def test_wrong_password_is_refused_with_a_message(client):
    AgentFactory(username="aino")
    response = client.post(LOGIN, {"username": "aino", "password": "wrong"})
    assert response.status_code == 200
    assert 'role="alert"' in text(response)
    assert "_auth_user_id" not in client.session


def test_sign_in_switches_to_the_person_s_language(client):
    # given: someone who reads English
    AgentFactory(username="emma", preferred_language="en")
    # when
    response = client.post(LOGIN, {"username": "emma", "password": PASSWORD})
    # then
    assert response.cookies[COOKIE].value == "en"
    home = client.get(HOME)
    assert '<html lang="en">' in text(home)
    assert "Your balance" in text(home)


def test_sign_in_keeps_finnish_for_a_finnish_speaker(client):
    client.cookies[COOKIE] = "en"  # left behind by someone else on this browser
    AgentFactory(username="matti", preferred_language="fi")
    response = client.post(LOGIN, {"username": "matti", "password": PASSWORD})
    assert response.cookies[COOKIE].value == "fi"
    assert "Saldosi" in text(client.get(HOME))


def test_pages_are_finnish_by_default_and_english_after_switching(client):
    agent = AgentFactory(preferred_language="fi")
    client.force_login(agent)
    before = text(client.get(HOME))
    assert '<html lang="fi">' in before and "Saldosi" in before
    # when
    response = client.post(LANGUAGE, {"language": "en", "next": HOME})
    # then
    assert response.status_code == 302 and response["Location"] == HOME
    after = text(client.get(HOME))
    assert '<html lang="en">' in after and "Your balance" in after
    agent.refresh_from_db()
    assert agent.preferred_language == "en"  # remembered for the next sign-in
    # and back
    client.post(LANGUAGE, {"language": "fi", "next": HOME})
    assert "Saldosi" in text(client.get(HOME))
    agent.refresh_from_db()
    assert agent.preferred_language == "fi"


def test_language_switch_works_before_signing_in(client):
    response = client.post(LANGUAGE, {"language": "en", "next": LOGIN})
    assert response["Location"] == LOGIN
    assert response.cookies[COOKIE].value == "en"
    assert "Sign in to Pojopörssi" in text(client.get(LOGIN))


def test_a_language_chosen_on_the_sign_in_page_wins_and_is_remembered(client):
    # given: a Finnish speaker's account, and English picked on the sign-in page
    agent = AgentFactory(username="aada", preferred_language="fi")
    client.post(LANGUAGE, {"language": "en", "next": LOGIN})
    # when
    response = client.post(LOGIN, {"username": "aada", "password": PASSWORD})
    # then: the pages stay English, and English is the preference from now on
    assert response.cookies[COOKIE].value == "en"
    assert "Your balance" in text(client.get(HOME))
    agent.refresh_from_db()
    assert agent.preferred_language == "en"
    # and a later sign-in without a choice on the sign-in page follows the stored preference
    client.post(LOGOUT)
    client.cookies[COOKIE] = "fi"
    response = client.post(LOGIN, {"username": "aada", "password": PASSWORD})
    assert response.cookies[COOKIE].value == "en"


def test_language_switch_ignores_unknown_languages_and_foreign_redirects(client):
    agent = AgentFactory(preferred_language="fi")
    client.force_login(agent)
    response = client.post(LANGUAGE, {"language": "sv", "next": "https://evil.example/"})
    assert response.status_code == 302
    assert response["Location"] == HOME
    assert COOKIE not in response.cookies
    agent.refresh_from_db()
    assert agent.preferred_language == "fi"


def test_language_switch_is_post_only(client):
    assert client.get(LANGUAGE, {"language": "en"}).status_code == 405


def test_sign_out_is_a_post_and_says_so(client):
    client.force_login(AgentFactory())
    assert client.get(LOGOUT).status_code == 405
    response = client.post(LOGOUT, follow=True)
    assert response.redirect_chain == [(LOGIN, 302)]
    assert "Olet kirjautunut ulos." in text(response)
    assert client.get(HOME).status_code == 302  # signed out for real


def test_header_has_the_language_switch_and_sign_out(client):
    agent = AgentFactory(display_name="Aino Nieminen")
    client.force_login(agent)
    page = text(client.get(HOME))
    assert "Aino Nieminen" in page
    assert f'action="{LANGUAGE}"' in page
    assert f'action="{LOGOUT}"' in page
    assert 'aria-current="page"' in page


def test_not_found_page_has_the_same_look(client):
    client.force_login(AgentFactory())
    response = client.get("/ei-ole/")
    assert response.status_code == 404
    page = text(response)
    assert "Sivua ei löytynyt" in page
    assert "/static/css/base.css" in page


def test_server_error_page_renders_without_a_request():
    # Django renders 500.html with no context at all: it must not need a user or a request.
    page = render_to_string("500.html")
    assert "Jokin meni vikaan" in page
    assert "/static/css/base.css" in page


def test_deactivated_people_cannot_sign_in(client):
    agent = AgentFactory(username="lahtija")
    User.objects.filter(pk=agent.pk).update(is_active=False)
    client.post(LOGIN, {"username": "lahtija", "password": PASSWORD})
    assert "_auth_user_id" not in client.session
