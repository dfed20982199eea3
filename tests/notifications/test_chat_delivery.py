"""Teams and Slack posts end to end, against a local HTTP receiver: an award reaches its team's
channels once each, in the channel's format and language; 5xx, 429 and timeouts are retried,
other 4xx fail at once and show to HR; a redelivered message posts nothing twice; a webhook that
is down (or the broker) never fails the award or a purchase."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from audit.models import AuditEvent
from core.models import OutboxJob
from ledger.models import Award
from ledger.services import award_create
from notifications import chat_services
from notifications.chat import ChatMessage, chat_announce
from notifications.models import ChatChannel, ChatDelivery, ChatDeliveryStatus
from notifications.services import notifications_muted
from notifications.tasks import chat_deliver, chat_fanout
from pricing.chat import chat_movers_post
from pricing.models import PriceDay
from rewards.drawings.services import drawing_close
from rewards.models import Redemption
from rewards.services import quote_create
from tests.conftest import fund_budget
from tests.faults.support import celery_broker, free_port
from tests.notifications.receiver import Answer, Receiver
from tests.notifications.test_chat_payloads import (
    assert_slack_message,
    assert_teams_workflow_message,
)
from tests.people.factories import TeamFactory
from tests.rewards.drawing_support import make_drawing, make_due
from tests.rewards.factories import RewardFactory

pytestmark = pytest.mark.django_db


def channel(team, kind: str, url: str, **fields) -> ChatChannel:
    return ChatChannel.objects.create(
        team=team, kind=kind, name=f"#{kind}", webhook_url=url, **fields
    )


@pytest.fixture
def channels(crew, receiver: Receiver):
    """The crew's team has a Slack channel (English) and a Teams channel (Finnish); another
    team has a Slack channel of its own."""
    return {
        "slack": channel(crew.team, "slack", receiver.url("/slack"), language="en"),
        "teams": channel(crew.team, "teams", receiver.url("/teams"), language="fi"),
        "other": channel(TeamFactory(), "slack", receiver.url("/other")),
    }


@pytest.fixture
def run_jobs(eager_celery, django_capture_on_commit_callbacks):
    """Commit (as far as on_commit goes) and run the queued Celery jobs inline."""

    def run(work):
        with django_capture_on_commit_callbacks(execute=True):
            return work()

    return run


def give(crew, reason, points: int = 20, message: str = "Kiitos <3"):
    fund_budget(crew.supervisor, 200)
    return award_create(
        giver=crew.supervisor,
        recipient=crew.agents[0],
        reason=reason,
        points=points,
        message=message,
    )


# --- Awards ---------------------------------------------------------------------------------------


def test_an_award_is_one_block_kit_post_and_one_adaptive_card_post(
    crew, reason, channels, receiver, run_jobs
):
    # when
    award = run_jobs(lambda: give(crew, reason))

    # then: the recipient's team's two channels, once each; the other team hears nothing
    slack, teams = receiver.to("/slack"), receiver.to("/teams")
    assert len(slack) == 1 and len(teams) == 1 and receiver.to("/other") == []
    blocks = assert_slack_message(slack[0].body)
    agent = crew.agents[0]
    assert blocks[0]["text"]["text"] == f"🌟 {agent.name} received 20 points"
    assert "Kiitos &lt;3" in blocks[1]["text"]["text"]
    card = assert_teams_workflow_message(teams[0].body)
    assert card["body"][0]["text"] == f"🌟 {agent.name} sai 20 pistettä"
    facts = {f["title"]: f["value"] for f in card["body"][-1]["facts"]}
    assert facts["Antaja"] == crew.supervisor.name and facts["Pisteet"] == "+20"
    assert teams[0].headers["Content-Type"] == "application/json"
    # the deliveries and the channels' state
    deliveries = ChatDelivery.objects.filter(event_key=f"award:{award.pk}")
    assert {(d.channel_id, d.status, d.attempts) for d in deliveries} == {
        (channels["slack"].pk, "sent", 1),
        (channels["teams"].pk, "sent", 1),
    }
    channels["slack"].refresh_from_db()
    assert channels["slack"].last_success_at is not None
    assert channels["slack"].consecutive_failures == 0


def test_a_rolled_back_award_posts_nothing(crew, reason, channels, receiver, run_jobs):
    def award_then_fail():
        with transaction.atomic():
            give(crew, reason)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        run_jobs(award_then_fail)

    assert receiver.requests == [] and ChatDelivery.objects.count() == 0


def test_history_being_written_posts_nothing(crew, reason, channels, receiver, run_jobs):
    fund_budget(crew.supervisor, 200)

    def seed():
        with notifications_muted():
            give(crew, reason)
        award_create(
            giver=crew.supervisor,
            recipient=crew.agents[1],
            reason=reason,
            points=5,
            created_at=timezone.now() - timedelta(days=30),
        )

    run_jobs(seed)

    assert receiver.requests == [] and ChatDelivery.objects.count() == 0


def test_a_channel_that_does_not_want_awards_or_is_paused_hears_none(
    crew, reason, channels, receiver, run_jobs
):
    ChatChannel.objects.filter(pk=channels["slack"].pk).update(post_awards=False)
    ChatChannel.objects.filter(pk=channels["teams"].pk).update(active=False)

    run_jobs(lambda: give(crew, reason))

    assert receiver.requests == [] and ChatDelivery.objects.count() == 0


# --- Retries and failures ----------------------------------------------------------------------


def test_a_500_is_retried_and_then_posted_once(crew, reason, channels, receiver, run_jobs):
    receiver.answer(Answer(500, body="busy"))  # the first request of the two channels

    run_jobs(lambda: give(crew, reason))

    # three requests: one failed and its retry, and the other channel's post
    assert len(receiver.requests) == 3
    deliveries = list(ChatDelivery.objects.order_by("channel_id"))
    assert [d.status for d in deliveries] == ["sent", "sent"]
    assert sorted(d.attempts for d in deliveries) == [1, 2]
    first = ChatChannel.objects.get(pk=deliveries[0].channel_id)
    assert first.consecutive_failures == 0 and first.last_error == ""  # recovered


def test_a_429_waits_at_least_its_retry_after(crew, receiver, channels, monkeypatch):
    receiver.answer(Answer(429, {"Retry-After": "42"}))
    delivery = ChatDelivery.objects.create(
        channel=channels["slack"], event_key="test:1", payload={"text": "hi"}
    )

    attempt = chat_services.chat_delivery_attempt(delivery_id=delivery.pk)

    assert attempt.status == "retrying" and attempt.retry_in is not None
    assert attempt.retry_in >= 42
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and "HTTP 429" in delivery.last_error


def test_a_timeout_is_retried_until_the_last_try_then_failed(
    crew, receiver, channels, settings, eager_celery
):
    settings.CHAT_WEBHOOK_TIMEOUT_SECONDS = 0.3
    settings.CHAT_MAX_ATTEMPTS = 3
    receiver.answer(*[Answer(delay=1.0)] * 3)
    delivery = ChatDelivery.objects.create(
        channel=channels["teams"], event_key="test:2", payload={"type": "message"}
    )

    chat_deliver.apply(kwargs={"delivery_id": delivery.pk})

    delivery.refresh_from_db()
    assert delivery.status == ChatDeliveryStatus.FAILED and delivery.attempts == 3
    assert "Timeout" in delivery.last_error
    channels["teams"].refresh_from_db()
    assert channels["teams"].consecutive_failures == 3
    assert channels["teams"].failing_since is not None


def test_a_400_fails_at_once_and_hr_sees_it(crew, reason, channels, receiver, run_jobs, client):
    receiver.answer(Answer(400, body="invalid_payload"), Answer(400, body="invalid_payload"))

    run_jobs(lambda: give(crew, reason))

    assert len(receiver.requests) == 2  # no retry of a 400
    assert set(ChatDelivery.objects.values_list("status", "attempts")) == {("failed", 1)}
    slack = ChatChannel.objects.get(pk=channels["slack"].pk)
    assert slack.consecutive_failures == 1 and slack.last_error == "HTTP 400: invalid_payload"
    # HR's page says so
    client.force_login(crew.hr)
    page = client.get("/hr/chat/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    row = page[page.index(f'data-testid="chat-channel-{slack.pk}"') :]
    assert "Failing" in row[:2000] and "HTTP 400: invalid_payload" in row[:2000]


# --- Once per event --------------------------------------------------------------------------


def test_a_redelivered_message_posts_nothing_twice(crew, channels, receiver, run_jobs):
    message = ChatMessage(title_fi="Hei", title_en="Hi").to_json()
    kwargs = {"team_ids": None, "event_key": "movers:2026-12-07", "message": message}

    # when: the fan-out message arrives twice (a redelivery, the outbox's sweep, a second beat)
    run_jobs(lambda: chat_fanout.apply(kwargs=kwargs, task_id="same-id"))
    run_jobs(lambda: chat_fanout.apply(kwargs=kwargs, task_id="same-id"))
    # and each delivery's message once more
    for delivery in ChatDelivery.objects.all():
        run_jobs(lambda d=delivery: chat_deliver.apply(kwargs={"delivery_id": d.pk}))

    assert ChatDelivery.objects.count() == 3  # every channel hears movers
    assert sorted(r.path for r in receiver.requests) == ["/other", "/slack", "/teams"]


# --- Never blocking the award or a purchase ----------------------------------------------------


def test_a_purchase_and_an_award_succeed_while_the_webhook_is_down(
    crew, reason, channels, receiver, run_jobs, api, settings
):
    settings.CHAT_MAX_ATTEMPTS = 2
    receiver.server.shutdown()
    receiver.server.server_close()  # connection refused from now on
    fund_budget(crew.supervisor, 200)
    agent = crew.agents[0]

    award = run_jobs(
        lambda: api(crew.supervisor).post(
            "/api/v1/awards/",
            {"recipient": agent.pk, "reason": reason.code, "points": 60},
            format="json",
        )
    )
    quote = quote_create(employee=agent, reward=RewardFactory(base_price=50))
    bought = run_jobs(
        lambda: api(agent).post(
            "/api/v1/redemptions/", {"quote": quote.pk}, format="json", HTTP_IDEMPOTENCY_KEY="k1"
        )
    )

    assert award.status_code == 201 and Award.objects.count() == 1
    assert bought.status_code == 201, bought.content
    assert Redemption.objects.filter(employee=agent).count() == 1
    assert set(ChatDelivery.objects.values_list("status", "attempts")) == {("failed", 2)}
    assert ChatChannel.objects.filter(consecutive_failures=2).count() == 2


def test_an_award_succeeds_while_the_broker_is_down_and_its_post_waits_in_the_outbox(
    crew, reason, channels, settings, django_capture_on_commit_callbacks
):
    nowhere = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    with celery_broker(nowhere), django_capture_on_commit_callbacks(execute=True):
        award = give(crew, reason)

    assert Award.objects.filter(pk=award.pk).exists()
    kept = OutboxJob.objects.get(task_name="notifications.tasks.chat_fanout")
    assert kept.kwargs["event_key"] == f"award:{award.pk}"
    assert kept.kwargs["team_ids"] == [crew.team.pk]


# --- Drawings and market movers ---------------------------------------------------------------


def test_a_drawing_opening_and_closing_is_posted_to_every_team(crew, channels, receiver, run_jobs):
    drawing = run_jobs(lambda: make_drawing(stock=2, price=40))
    make_due(drawing)
    run_jobs(lambda: drawing_close(drawing=drawing))
    run_jobs(lambda: drawing_close(drawing=drawing))  # a second close changes nothing

    keys = set(ChatDelivery.objects.values_list("event_key", flat=True))
    assert keys == {f"drawing:{drawing.pk}:closed", f"drawing:{drawing.pk}:opened"}
    assert len(receiver.requests) == 6  # two posts to each of the three channels
    opened = receiver.to("/teams")[0].body
    card = assert_teams_workflow_message(opened)
    assert card["body"][0]["text"].startswith("🎁 Arvonta/huutokauppa avattu")


def test_the_daily_movers_post_names_risers_and_fallers_once_a_day(
    crew, channels, receiver, run_jobs
):
    yesterday = timezone.localdate() - timedelta(days=1)
    up = RewardFactory(name_en="Cinema", base_price=100, current_price=120)
    down = RewardFactory(name_en="Mug", base_price=100, current_price=90)
    RewardFactory(name_en="Flat", base_price=100, current_price=100)
    for reward in (up, down):
        PriceDay.objects.create(
            reward=reward, day=yesterday, price=100, log_price=4.6, base_price=100
        )

    assert run_jobs(chat_movers_post) == 2
    assert run_jobs(chat_movers_post) == 2  # the beat again: same day, same key

    slack = receiver.to("/slack")
    assert len(slack) == 1
    text = str(assert_slack_message(slack[0].body))
    assert "Cinema" in text and "▲ +20.0%" in text and "Mug" in text and "▼ −10.0%" in text
    assert "Flat" not in text


def test_chat_announce_refuses_an_unknown_kind_of_event(db):
    with pytest.raises(ValueError):
        chat_announce(team_ids=None, event_key="nonsense:1", message=ChatMessage("a", "b"))
    assert OutboxJob.objects.count() == 0 and AuditEvent.objects.count() == 0
