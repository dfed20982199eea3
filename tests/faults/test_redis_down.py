"""Redis down: pages and purchases still work, /healthz says 503 for the broker, and every
notification queued meanwhile is delivered exactly once when Redis is back (the job outbox)."""

from __future__ import annotations

import time

import pytest

from core.models import OutboxJob
from notifications.models import Notification, NotificationKind
from rewards.models import Redemption
from tests.conftest import fund_budget
from tests.faults.support import (
    assert_books_clean,
    celery_broker,
    server_env,
    start_worker,
    wait_for,
)
from tests.rewards.factories import RewardFactory

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

AWARDS = "/api/v1/awards/"
REWARDS = "/api/v1/rewards/"
REDEMPTIONS = "/api/v1/redemptions/"


def timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def test_redis_down_pages_and_purchases_work_and_notifications_arrive_once_it_is_back(
    postgres, crew, reason, api, client, settings, procs, redis
):
    # given: the web process's broker and cache are this test's Redis, and it is down
    settings.CELERY_BROKER_URL = redis.url
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": redis.url,
            "OPTIONS": {"socket_connect_timeout": 1.0, "socket_timeout": 2.0},
        }
    }
    agent = crew.agents[0]
    fund_budget(crew.supervisor, 300)
    reward = RewardFactory(base_price=30, stock=5, needs_approval=True)
    with celery_broker(redis.url):
        redis.stop()

        # when: a supervisor awards, the agent buys, the supervisor approves, all with Redis down
        awarded, award_s = timed(lambda: api(crew.supervisor).post(
            AWARDS, {"recipient": agent.pk, "reason": reason.code, "points": 100},
            format="json", headers={"Idempotency-Key": "award-while-redis-down"},
        ))  # fmt: skip
        quote = api(agent).post(f"{REWARDS}{reward.pk}/quote/")
        bought, buy_s = timed(lambda: api(agent).post(
            REDEMPTIONS, {"quote": quote.json()["id"]}, format="json",
            headers={"Idempotency-Key": "buy-while-redis-down"},
        ))  # fmt: skip
        redemption = bought.json()
        approved = api(crew.supervisor).post(f"{REDEMPTIONS}{redemption['id']}/approve/")
        client.force_login(agent)
        home = client.get("/")
        market = client.get("/market/")
        health, health_s = timed(lambda: client.get("/healthz"))

        # then: everything answered, quickly, and the broker's outage is reported
        assert awarded.status_code == 201, awarded.content
        assert quote.status_code == 201, quote.content
        assert bought.status_code == 201, bought.content
        assert approved.status_code == 200, approved.content
        assert home.status_code == 200 and market.status_code == 200
        assert max(award_s, buy_s) < 5, (award_s, buy_s)  # no hang on the broker
        assert health.status_code == 503 and health_s < 5
        assert health.json()["broker"]["ok"] is False
        assert health.json()["database"]["ok"] is True
        assert Redemption.objects.get(pk=redemption["id"]).state == "approved"
        # nothing was delivered yet: the two notifications wait in the outbox
        assert Notification.objects.count() == 0
        assert OutboxJob.objects.filter(task_name="notifications.tasks.notify").count() == 2

        # when: Redis is back and a worker starts (it sweeps the outbox at its start)
        redis.start()
        assert client.get("/healthz").status_code == 200
        start_worker(procs, server_env(redis))
        delivered = wait_for(
            lambda: Notification.objects.count() >= 2 and not OutboxJob.objects.exists(),
            timeout=90,
        )
        assert delivered, procs.logs()
        # a second sweep and a redelivery window later, still exactly one of each
        from core.jobs import outbox_sweep

        assert outbox_sweep() == 0
        time.sleep(2)

    kinds = sorted(Notification.objects.filter(recipient=agent).values_list("kind", flat=True))
    assert kinds == [NotificationKind.AWARD_RECEIVED, NotificationKind.REDEMPTION_APPROVED]
    assert Notification.objects.count() == 2
    assert_books_clean()
