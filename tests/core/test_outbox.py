"""The job outbox: a job the broker refuses after commit is kept, then published once, under its
first message id, when the broker is back; and the cache that outlives Redis."""

from __future__ import annotations

import json
import time

import pytest
import redis as redis_client
from django.db import transaction

from core.cache import ResilientRedisCache
from core.jobs import job_send_on_commit, outbox_sweep
from core.models import OutboxJob
from tests.faults.support import Procs, RedisServer, celery_broker

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def redis_down(tmp_path):
    """A Redis of this test's own on a free port, not started yet."""
    procs = Procs(logdir=tmp_path)
    yield RedisServer(procs=procs)
    procs.kill_all()


def test_a_refused_job_is_kept_and_published_once_when_the_broker_is_back(postgres, redis_down):
    with celery_broker(redis_down.url):
        # when: a transaction commits with the broker down
        started = time.monotonic()
        with transaction.atomic():
            job_send_on_commit("insights.tasks.insights_recompute")
        elapsed = time.monotonic() - started

        # then: the commit did not wait long, and the job waits in the outbox
        assert elapsed < 5
        job = OutboxJob.objects.get()
        assert (job.task_name, job.kwargs, job.attempts) == (
            "insights.tasks.insights_recompute",
            {},
            1,
        )
        assert "OperationalError" in job.last_error

        # a sweep while it is still down keeps it
        assert outbox_sweep() == 0
        job.refresh_from_db()
        assert job.attempts == 2

        # when the broker is back, one sweep publishes it under its first id, and only once
        redis_down.start()
        assert outbox_sweep() == 1
        assert outbox_sweep() == 0
    assert not OutboxJob.objects.exists()
    queued = redis_client.Redis.from_url(redis_down.url).lrange("celery", 0, -1)
    assert [json.loads(m)["headers"]["id"] for m in queued] == [job.task_id]


def test_a_rolled_back_transaction_queues_nothing_not_even_in_the_outbox(postgres, redis_down):
    with celery_broker(redis_down.url), pytest.raises(RuntimeError), transaction.atomic():
        job_send_on_commit("insights.tasks.insights_recompute")
        raise RuntimeError("rolled back")
    assert not OutboxJob.objects.exists()


def test_the_cache_falls_back_to_process_memory_while_redis_is_down(redis_down):
    cache = ResilientRedisCache(redis_down.url, {"OPTIONS": {"socket_connect_timeout": 0.5}})
    started = time.monotonic()
    cache.set("throttle", [1, 2], 60)
    assert cache.get("throttle") == [1, 2]
    assert cache.get("missing", "default") == "default"
    assert time.monotonic() - started < 2
    # and Redis again once it is back (after the pause)
    redis_down.start()
    cache._down_until = 0.0
    cache.set("shared", 7, 60)
    assert redis_client.Redis.from_url(redis_down.url).exists(":1:shared")
