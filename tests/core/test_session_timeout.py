"""Sessions end after SESSION_IDLE_MINUTES without a request, and SESSION_MAX_HOURS after
signing in; an active person's session is written at most once a minute, not on every request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.urls import reverse

from tests.people.factories import PASSWORD, AgentFactory

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
HOME = reverse("home")
LOGIN = reverse("login")


def signed_in(client) -> None:
    AgentFactory(username="aino")
    response = client.post(LOGIN, {"username": "aino", "password": PASSWORD})
    assert response.status_code == 302


def test_the_settings_are_30_idle_minutes_and_12_hours(settings):
    assert settings.SESSION_IDLE_MINUTES == 30
    assert settings.SESSION_COOKIE_AGE == 12 * 3600


def test_an_idle_session_ends_and_the_page_asks_to_sign_in_again(client):
    with time_machine.travel(START, tick=False) as clock:
        signed_in(client)
        assert client.get(HOME).status_code == 200

        clock.shift(timedelta(minutes=29))
        assert client.get(HOME).status_code == 200  # activity: the idle clock starts again

        clock.shift(timedelta(minutes=29))
        assert client.get(HOME).status_code == 200

        clock.shift(timedelta(minutes=31))
        response = client.get(HOME)
        assert response.status_code == 302
        assert response["Location"] == f"{LOGIN}?next={HOME}"
        assert "_auth_user_id" not in client.session

        page = client.get(response["Location"]).content.decode()
        assert "Istuntosi on päättynyt" in page  # the reason, in the page's language


def test_an_active_session_ends_after_the_absolute_maximum(client):
    with time_machine.travel(START, tick=False) as clock:
        signed_in(client)
        for _ in range(12 * 3 - 1):  # a request every 20 minutes for 11 h 40 min
            assert client.get(HOME).status_code == 200
            clock.shift(timedelta(minutes=20))
        assert client.get(HOME).status_code == 200

        clock.shift(timedelta(minutes=20))  # 12 h after signing in
        assert client.get(HOME).status_code == 302


def test_requests_within_a_minute_do_not_write_the_session(client):
    with time_machine.travel(START, tick=False) as clock:
        signed_in(client)
        client.get(HOME)
        key = client.session.session_key
        written = Session.objects.get(session_key=key).expire_date

        clock.shift(timedelta(seconds=30))
        client.get(HOME)
        client.get(HOME)
        assert Session.objects.get(session_key=key).expire_date == written

        clock.shift(timedelta(seconds=31))
        client.get(HOME)
        assert Session.objects.get(session_key=key).expire_date > written


def test_the_idle_limit_comes_from_the_setting(client, settings):
    settings.SESSION_IDLE_MINUTES = 5
    with time_machine.travel(START, tick=False) as clock:
        signed_in(client)
        client.get(HOME)
        clock.shift(timedelta(minutes=6))
        assert client.get(HOME).status_code == 302
