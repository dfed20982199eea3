"""Teams and Slack posts through a real Celery worker on a real Redis: a webhook answering 500,
then 429 with Retry-After, is retried with back-off (waiting at least what it asked) and posts
once; the same delivery's message published again posts nothing more."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.db import transaction

from ledger.services import award_create
from notifications.models import ChatChannel, ChatDelivery
from tests.conftest import fund_budget
from tests.faults.support import celery_broker, server_env, start_worker, wait_for
from tests.notifications.receiver import Answer, Receiver, running_receiver

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as server:
        yield server


def test_a_worker_retries_a_failing_webhook_with_back_off_and_posts_once(
    postgres, crew, reason, procs, redis, receiver: Receiver
):
    ChatChannel.objects.create(
        team=crew.team, kind="slack", name="#w", webhook_url=receiver.url("/slack")
    )
    receiver.answer(Answer(500, body="oops"), Answer(429, {"Retry-After": "2"}))
    fund_budget(crew.supervisor, 100)
    env = server_env(
        redis,
        CHAT_WEBHOOK_ALLOW_HTTP="true",
        CHAT_RETRY_BASE_SECONDS="0.2",
        CHAT_WEBHOOK_TIMEOUT_SECONDS="2",
    )
    with celery_broker(redis.url):
        start_worker(procs, env)
        with transaction.atomic():
            award = award_create(
                giver=crew.supervisor, recipient=crew.agents[0], reason=reason, points=10
            )

        def sent() -> bool:
            return ChatDelivery.objects.filter(status="sent").exists()

        assert wait_for(sent, timeout=90), procs.logs()
        delivery = ChatDelivery.objects.get()
        assert delivery.event_key == f"award:{award.pk}" and delivery.attempts == 3
        first, second, third = receiver.requests
        assert second.at - first.at >= 0.1  # back-off, not a hot loop
        assert third.at - second.at >= 2.0  # Retry-After honoured
        assert first.body == second.body == third.body

        # the same message again (a redelivery): nothing more is posted
        from notifications.tasks import chat_deliver

        def finished() -> int:
            return len(re.findall(r"chat_deliver\[[^\]]+\] succeeded", procs.logs(last=10**6)))

        assert finished() == 1
        chat_deliver.apply_async(kwargs={"delivery_id": delivery.pk})
        assert wait_for(lambda: finished() == 2, timeout=30), procs.logs()
    assert len(receiver.requests) == 3
    channel = ChatChannel.objects.get()
    assert channel.consecutive_failures == 0 and channel.last_success_at is not None
