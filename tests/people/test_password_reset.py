"""Password reset by e-mail through a REAL SMTP server on loopback (aiosmtpd): ask, read the
mail, follow its link, choose a password, sign in with it. The API tokens end; the reset is in
the audit log; requests are rate-limited with the same answer for a known and an unknown address.
"""

from __future__ import annotations

import email
import re
from collections.abc import Iterator
from email.message import Message
from email.policy import default
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from knox.models import AuthToken

from audit.models import AuditAction, AuditEvent
from people.services import api_token_create
from tests.people.factories import AgentFactory
from tests.people.sso_support import free_port

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "uusi-salasana-2026"


class Inbox:
    """aiosmtpd handler: keeps what it is sent."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content, policy=default))
        return "250 OK"


@pytest.fixture(autouse=True)
def fresh_reset_counts() -> None:
    """The rate limits count in the cache (Redis here): every test starts with none."""
    from django.core.cache import cache
    from django.core.cache.backends.redis import RedisCache

    if isinstance(cache, RedisCache):
        client = cache._cache.get_client(write=True)
        keys = list(client.scan_iter(match=cache.make_key("password-reset:*")))
        if keys:
            client.delete(*keys)
    else:
        cache.clear()


@pytest.fixture
def smtp(settings: Any) -> Iterator[Inbox]:
    """A real SMTP server on a free loopback port, and our e-mail settings pointed at it as
    EMAIL_URL=smtp://127.0.0.1:PORT would (pytest-django swaps in the in-memory backend)."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.SITE_URL = "http://testserver"
    try:
        yield inbox
    finally:
        controller.stop()


def body(message: Message) -> str:
    return message.get_content()


def test_email_url_setting_reads_an_smtp_server() -> None:
    import environ

    config = environ.Env.email_url_config("smtp+tls://user:pass@mail.example.com:587")
    assert config["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (config["EMAIL_HOST"], config["EMAIL_PORT"], config["EMAIL_USE_TLS"]) == (
        "mail.example.com",
        587,
        True,
    )


def test_reset_by_email_end_to_end(client, smtp: Inbox) -> None:
    aino = AgentFactory(username="aino", email="aino@example.com", preferred_language="fi")
    api_token_create(user=aino)
    login_page = client.get("/login/").content.decode()
    assert 'href="/password-reset/"' in login_page

    # when: asking for the link
    response = client.post("/password-reset/", {"email": "AINO@example.com"})

    # then: the same page as for anyone, and the mail in Finnish, her language
    assert response.status_code == 302 and response["Location"] == "/password-reset/sent/"
    assert len(smtp.messages) == 1
    mail = smtp.messages[0]
    assert mail["To"] == "aino@example.com"
    assert str(mail["Subject"]) == "Pojopörssi: valitse uusi salasana"
    link = re.search(r"http://testserver(/password-reset/[^/\s]+/[^/\s]+/)", body(mail))
    assert link, body(mail)

    # when: following it (Django moves the token into the session) and choosing a password
    response = client.get(link.group(1), follow=True)
    assert "Valitse uusi salasana" in response.content.decode()
    form_url = response.redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    # then
    assert response.status_code == 302 and response["Location"] == "/password-reset/done/"
    assert not AuthToken.objects.filter(user=aino).exists()
    event = AuditEvent.objects.get(action=AuditAction.AUTH_PASSWORD_RESET)
    assert event.actor_id == aino.pk
    # the link works once
    assert "ei enää toimi" in client.get(link.group(1), follow=True).content.decode()
    # and the new password signs in
    response = client.post("/login/", {"username": "aino", "password": NEW_PASSWORD})
    assert response.status_code == 302


def test_a_forged_or_altered_link_changes_nothing(client) -> None:
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    aino = AgentFactory(email="aino@example.com")
    uid = urlsafe_base64_encode(force_bytes(aino.pk))
    before = aino.password

    page = client.get(f"/password-reset/{uid}/forged-token/", follow=True)
    posted = client.post(
        f"/password-reset/{uid}/set-password/",
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert 'data-testid="password-reset-invalid"' in page.content.decode()
    assert posted.status_code == 200
    assert 'data-testid="password-reset-invalid"' in posted.content.decode()
    aino.refresh_from_db()
    assert aino.password == before
    assert not AuditEvent.objects.exists()


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, smtp: Inbox) -> None:
    AgentFactory(email="aino@example.com")

    response = client.post("/password-reset/", {"email": "nobody@example.com"})

    assert response.status_code == 302 and response["Location"] == "/password-reset/sent/"
    assert smtp.messages == []


def test_an_account_without_a_password_gets_no_mail(client, smtp: Inbox) -> None:
    person = AgentFactory(email="sso@example.com")
    person.set_unusable_password()
    person.save()

    response = client.post("/password-reset/", {"email": "sso@example.com"})

    assert response["Location"] == "/password-reset/sent/"
    assert smtp.messages == []


def test_rate_limited_per_account_silently_and_per_address_with_429(
    client, smtp: Inbox, settings
) -> None:
    settings.PASSWORD_RESET_RATE_PER_HOUR = 2
    AgentFactory(email="aino@example.com")

    answers = [
        client.post("/password-reset/", {"email": "aino@example.com"}).status_code for _ in range(3)
    ]

    # the third from this address is refused; the account got two mails, not more
    assert answers == [302, 302, 429]
    assert len(smtp.messages) == 2
    refused = client.post("/password-reset/", {"email": "other@example.com"})
    assert refused.status_code == 429
    assert 'data-code="rate_limited"' in refused.content.decode()
    assert len(smtp.messages) == 2


def test_a_dead_smtp_server_gets_the_same_answer_and_is_logged(client, settings, caplog) -> None:
    # An error page only for known addresses would tell who has an account.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nothing listens
    settings.EMAIL_TIMEOUT = 2
    AgentFactory(email="aino@example.com")

    response = client.post("/password-reset/", {"email": "aino@example.com"})

    assert response.status_code == 302 and response["Location"] == "/password-reset/sent/"
    assert "Failed to send password reset email" in caplog.text
    assert not AuditEvent.objects.exists()


def test_no_password_reset_when_password_sign_in_is_off(client, settings, smtp: Inbox) -> None:
    settings.SSO_ENABLED = True
    settings.PASSWORD_LOGIN_ENABLED = False
    AgentFactory(email="aino@example.com")

    assert client.get("/password-reset/").status_code == 404
    assert client.post("/password-reset/", {"email": "aino@example.com"}).status_code == 404
    assert "/password-reset/" not in client.get("/login/").content.decode()
    assert smtp.messages == []
