"""`/api/v1/chat-channels/`: HR's Teams and Slack channels over the API, through the page's
services; the webhook URL is write-only."""

from __future__ import annotations

import pytest

from audit.models import AuditAction, AuditEvent
from notifications.models import ChatChannel, ChatDelivery
from tests.notifications.receiver import Receiver

pytestmark = pytest.mark.django_db

URL = "/api/v1/chat-channels/"
HOOK = "https://8.8.8.8/services/T0/B0/SECRETSECRET"


def body(for_team, **overrides):
    return {
        "team": for_team.pk,
        "kind": "slack",
        "name": "#north",
        "webhook_url": HOOK,
        **overrides,
    }


def test_hr_connects_lists_changes_and_disconnects_a_channel(api, crew):
    client = api(crew.hr)

    created = client.post(URL, body(crew.team, language="en"), format="json")

    assert created.status_code == 201, created.content
    data = created.json()
    assert "webhook_url" not in data and "SECRET" not in str(data)
    assert data["webhook"] == "https://8.8.8.8/…CRET"
    assert (data["team"], data["kind"], data["language"], data["failing"]) == (
        crew.team.pk,
        "slack",
        "en",
        False,
    )
    listed = client.get(URL).json()
    assert [c["id"] for c in listed["results"]] == [data["id"]]
    changed = client.patch(f"{URL}{data['id']}/", {"post_movers": False}, format="json")
    assert changed.status_code == 200 and changed.json()["post_movers"] is False
    assert ChatChannel.objects.get().webhook_url == HOOK  # kept
    assert client.delete(f"{URL}{data['id']}/").status_code == 204
    assert ChatChannel.objects.count() == 0
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [
        AuditAction.CHAT_CHANNEL_CREATED,
        AuditAction.CHAT_CHANNEL_CHANGED,
        AuditAction.CHAT_CHANNEL_DELETED,
    ]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"webhook_url": "http://8.8.8.8/hook"}, "webhook_url"),
        ({"webhook_url": "https://192.168.1.1/hook"}, "webhook_url"),
        ({"kind": "irc"}, "kind"),
        ({"team": 999999}, "team"),
        ({"name": ""}, "name"),
    ],
)
def test_a_refused_channel_is_a_400_and_writes_nothing(api, crew, settings, overrides, field):
    settings.CHAT_WEBHOOK_ALLOW_HTTP = False

    response = api(crew.hr).post(URL, body(crew.team, **overrides), format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert field in str(response.json())
    assert ChatChannel.objects.count() == 0 and AuditEvent.objects.count() == 0


def test_only_hr_may_use_it(api, crew):
    channel = ChatChannel.objects.create(team=crew.team, kind="teams", name="#t", webhook_url=HOOK)
    for user in (crew.agents[0], crew.supervisor):
        client = api(user)
        assert client.get(URL).status_code == 403
        assert client.post(URL, body(crew.team), format="json").status_code == 403
        assert client.get(f"{URL}{channel.pk}/").status_code == 403
        assert client.delete(f"{URL}{channel.pk}/").status_code == 403
        assert client.post(f"{URL}{channel.pk}/test/").status_code == 403
    assert ChatChannel.objects.count() == 1 and ChatDelivery.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_hr_sends_a_test_post_through_the_api(
    api, crew, receiver: Receiver, eager_celery, django_capture_on_commit_callbacks
):
    channel = ChatChannel.objects.create(
        team=crew.team, kind="teams", name="#t", webhook_url=receiver.url("/teams")
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = api(crew.hr).post(f"{URL}{channel.pk}/test/")

    assert response.status_code == 202
    assert response.json()["event_key"].startswith("test:")
    [post] = receiver.requests
    assert post.body["attachments"][0]["content"]["body"][0]["text"] == "Pojopörssin testiviesti"
    assert ChatDelivery.objects.get().status == "sent"
