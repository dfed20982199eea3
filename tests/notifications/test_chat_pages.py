"""HR's Teams and Slack page: only HR; adding, changing, disconnecting and testing a channel, each
audited; the webhook URL is a secret once saved; a refused save writes nothing."""

from __future__ import annotations

import pytest

from audit.models import AuditAction, AuditEvent
from notifications.models import ChatChannel, ChatDelivery
from tests.notifications.receiver import Receiver

pytestmark = pytest.mark.django_db

SECRET = "/workflows/abc/triggers/manual/paths/invoke?sig=TOPSECRET1234"


def form(for_team, **overrides):
    data = {
        "team": for_team.pk,
        "kind": "teams",
        "name": "#north",
        "webhook_url": "https://8.8.8.8" + SECRET,
        "language": "fi",
        "post_awards": "on",
        "post_drawings": "on",
        "post_movers": "on",
        "active": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def make_channel(team, url: str = "https://8.8.8.8" + SECRET) -> ChatChannel:
    return ChatChannel.objects.create(team=team, kind="slack", name="#south", webhook_url=url)


def test_only_hr_reaches_the_page_and_its_actions(crew, client):
    channel = make_channel(crew.team)
    for user in (crew.agents[0], crew.supervisor):
        client.force_login(user)
        assert client.get("/hr/chat/").status_code == 403
        assert client.get(f"/hr/chat/{channel.pk}/").status_code == 403
        assert client.post("/hr/chat/", form(crew.team)).status_code == 403
        assert client.post(f"/hr/chat/{channel.pk}/test/").status_code == 403
        assert client.post(f"/hr/chat/{channel.pk}/delete/").status_code == 403
    assert ChatChannel.objects.count() == 1 and ChatDelivery.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_hr_connects_a_channel_and_its_url_is_never_shown_again(crew, client):
    client.force_login(crew.hr)

    response = client.post("/hr/chat/", form(crew.team), follow=True)

    channel = ChatChannel.objects.get()
    assert (channel.team, channel.kind, channel.name) == (crew.team, "teams", "#north")
    assert channel.webhook_url == "https://8.8.8.8" + SECRET
    assert channel.post_awards and channel.post_drawings and channel.post_movers
    html = response.content.decode()
    assert "TOPSECRET" not in html and "https://8.8.8.8/…1234" in html
    assert "TOPSECRET" not in client.get(f"/hr/chat/{channel.pk}/").content.decode()
    event = AuditEvent.objects.get()
    assert event.action == AuditAction.CHAT_CHANNEL_CREATED and event.actor == crew.hr
    assert "TOPSECRET" not in str(event.details)
    assert event.details["webhook"] == "https://8.8.8.8/…1234"


@pytest.mark.parametrize(
    "overrides",
    [
        {"webhook_url": "http://8.8.8.8/hook"},  # not https in production
        {"webhook_url": "https://10.0.0.5/hook"},  # a private address
        {"webhook_url": "https://169.254.169.254/latest"},
        {"webhook_url": ""},
        {"kind": "discord"},
        {"name": ""},
        {"team": "999999"},
    ],
)
def test_a_refused_channel_shows_why_and_writes_nothing(crew, client, settings, overrides):
    settings.CHAT_WEBHOOK_ALLOW_HTTP = False
    client.force_login(crew.hr)

    response = client.post("/hr/chat/", form(crew.team, **overrides), HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert "The channel was not saved" in response.content.decode()
    assert ChatChannel.objects.count() == 0 and AuditEvent.objects.count() == 0


def test_hr_changes_a_channel_keeping_or_replacing_its_url(crew, client):
    channel = make_channel(crew.team)
    ChatChannel.objects.filter(pk=channel.pk).update(consecutive_failures=4, last_error="HTTP 404")
    client.force_login(crew.hr)

    # an empty URL keeps the saved one
    client.post(
        f"/hr/chat/{channel.pk}/",
        form(crew.team, kind="slack", name="#south-2", webhook_url="", post_movers=None),
    )
    channel.refresh_from_db()
    assert channel.name == "#south-2" and not channel.post_movers
    assert channel.webhook_url.endswith("TOPSECRET1234") and channel.consecutive_failures == 4
    # a new URL replaces it and clears the old one's failures
    client.post(
        f"/hr/chat/{channel.pk}/",
        form(crew.team, kind="slack", name="#south-2", webhook_url="https://8.8.4.4/new-hook"),
    )
    channel.refresh_from_db()
    assert channel.webhook_url == "https://8.8.4.4/new-hook" and channel.consecutive_failures == 0
    changes = [e.details["changes"] for e in AuditEvent.objects.order_by("id")]
    assert changes[0]["name"] == ["#south", "#south-2"]
    assert changes[0]["post_movers"] == [True, False]
    assert changes[1]["webhook"] == ["https://8.8.8.8/…1234", "https://8.8.4.4/…hook"]
    assert all(e.action == AuditAction.CHAT_CHANNEL_CHANGED for e in AuditEvent.objects.all())


def test_a_refused_change_writes_nothing(crew, client, settings):
    settings.CHAT_WEBHOOK_ALLOW_HTTP = False
    channel = make_channel(crew.team)
    client.force_login(crew.hr)

    response = client.post(
        f"/hr/chat/{channel.pk}/",
        form(crew.team, name="#renamed", webhook_url="https://127.0.0.1/hook"),
    )

    assert response.status_code == 200
    channel.refresh_from_db()
    assert channel.name == "#south" and channel.webhook_url.endswith("TOPSECRET1234")
    assert AuditEvent.objects.count() == 0


def test_hr_disconnects_a_channel(crew, client):
    channel = make_channel(crew.team)
    client.force_login(crew.hr)

    assert client.post(f"/hr/chat/{channel.pk}/delete/").status_code == 302

    assert ChatChannel.objects.count() == 0
    event = AuditEvent.objects.get()
    assert event.action == AuditAction.CHAT_CHANNEL_DELETED
    assert event.details["team"] == crew.team.name


def test_unknown_channels_are_404_and_write_nothing(crew, client):
    client.force_login(crew.hr)
    assert client.get("/hr/chat/999/").status_code == 404
    assert client.post("/hr/chat/999/test/").status_code == 404
    assert client.post("/hr/chat/999/delete/").status_code == 404
    assert client.get("/hr/chat/999/test/").status_code == 405
    assert ChatDelivery.objects.count() == 0 and AuditEvent.objects.count() == 0


def test_hr_sends_a_test_post(
    crew, client, receiver: Receiver, eager_celery, django_capture_on_commit_callbacks
):
    channel = ChatChannel.objects.create(
        team=crew.team, kind="slack", name="#t", webhook_url=receiver.url("/hook"), language="en"
    )
    client.force_login(crew.hr)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/hr/chat/{channel.pk}/test/")

    assert response.status_code == 302
    [post] = receiver.requests
    assert post.body["blocks"][0]["text"]["text"] == "Pojopörssi test post"
    assert ChatDelivery.objects.get().status == "sent"
    assert AuditEvent.objects.get().action == AuditAction.CHAT_TEST_SENT
    page = client.get("/hr/chat/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "last post" in page


def test_the_page_speaks_finnish(crew, client):
    make_channel(crew.team)
    client.force_login(crew.hr)
    client.cookies["django_language"] = "fi"

    html = client.get("/hr/chat/", HTTP_ACCEPT_LANGUAGE="fi").content.decode()

    assert "Yhdistä kanava" in html and "Connect a channel" not in html
