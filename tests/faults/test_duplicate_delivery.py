"""The same task message delivered five times has one effect: five publications of one message
(one id, one body) of a pricing tick, a budget-period job, a drawing close, a notification and a
batch of them, taken by a real worker."""

from __future__ import annotations

import time
import uuid

import pytest
import redis as redis_client

from notifications.models import Notification, NotificationKind
from tests.faults.scenario import (
    budgets_done,
    build_market,
    check_budgets,
    check_drawing,
    check_pricing,
    drawing_done,
    pricing_done,
    windows_closed,
)
from tests.faults.support import (
    assert_books_clean,
    celery_broker,
    server_env,
    start_worker,
    wait_for,
)

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

TIMES = 5


def test_five_deliveries_of_one_message_have_one_effect(postgres, reason, procs, redis, tmp_path):
    market = build_market(reason=reason, windows=30, supervisors=10, bidders=6)
    windows = windows_closed(market)
    agent = market.bidders[0]
    agent.email = "aino@example.com"
    agent.save(update_fields=["email"])
    outbox = tmp_path / "mail"
    from ledger.tasks import budget_periods_open
    from notifications.tasks import notify, notify_many
    from pricing.tasks import pricing_tick
    from rewards.tasks import drawing_close_task

    one = {"recipient_id": agent.pk, "kind": NotificationKind.AWARD_RECEIVED,
           "params": {"points": 5, "giver": "Sanna", "reason_fi": "Kiitos", "reason_en": "Thanks"}}  # fmt: skip
    batch = [
        {**one, "kind": NotificationKind.DRAWING_LOST, "recipient_id": other.pk,
         "params": {"reward_fi": "Vaasi", "reward_en": "Vase", "amount": 40}}
        for other in market.bidders[1:4]
    ]  # fmt: skip
    sends = [
        lambda task_id: pricing_tick.apply_async(task_id=task_id),
        lambda task_id: budget_periods_open.apply_async(task_id=task_id),
        lambda task_id: drawing_close_task.apply_async(
            kwargs={"drawing_id": market.drawing.pk}, task_id=task_id
        ),
        lambda task_id: notify.apply_async(kwargs=one, task_id=task_id),
        lambda task_id: notify_many.apply_async(kwargs={"items": batch}, task_id=task_id),
    ]
    with celery_broker(redis.url):
        for send in sends:
            task_id = str(uuid.uuid4())
            for _ in range(TIMES):
                send(task_id)
        broker = redis_client.Redis.from_url(redis.url)
        assert broker.llen("celery") == TIMES * len(sends)
        start_worker(procs, server_env(redis, EMAIL_URL=f"filemail:///{outbox}"))
        drained = wait_for(
            lambda: broker.llen("celery") == 0 and broker.hlen("unacked") == 0, timeout=120
        )
        assert drained, procs.logs()
        time.sleep(1)

    assert pricing_done(market, windows) and budgets_done(market) and drawing_done(market)
    check_pricing(market, windows)
    check_budgets(market)
    check_drawing(market)
    assert (
        Notification.objects.filter(recipient=agent, kind=NotificationKind.AWARD_RECEIVED).count()
        == 1
    )
    assert (
        Notification.objects.filter(
            kind=NotificationKind.DRAWING_LOST, params__reward_en="Vase"
        ).count()
        == 3
    )
    # the drawing's own close notified each bidder once (its close ran once)
    for bidder in market.bidders:
        assert (
            Notification.objects.filter(recipient=bidder, params__drawing=market.drawing.pk).count()
            <= 1
        )
    mails = [path.read_text() for path in outbox.iterdir()] if outbox.exists() else []
    assert sum("aino@example.com" in mail and "Sanna" in mail for mail in mails) == 1
    assert_books_clean()
