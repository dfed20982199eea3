"""Wish alerts: after a tick, a sale's start or a drawing's opening, one pass over every wish tells
each watcher once per event (price crossing its target, sale started, drawing opened)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from notifications.models import Notification, NotificationKind
from notifications.services import notifications_muted
from pricing.alerts import wish_alerts_run
from pricing.services import pricing_tick_run, sale_create
from pricing.tasks import pricing_tick, wish_alerts
from rewards.models import Reward, Wish
from rewards.services import wish_add
from tests.people.factories import AgentFactory, HRFactory
from tests.rewards.drawing_support import make_drawing
from tests.rewards.factories import RewardFactory

pytestmark = pytest.mark.django_db

PRICE = NotificationKind.WISH_PRICE_TARGET
SALE = NotificationKind.WISH_SALE_STARTED
DRAWING = NotificationKind.WISH_DRAWING_OPENED


def price(reward: Reward, value: int) -> None:
    """What a tick does to the reward: a new market price."""
    Reward.objects.filter(pk=reward.pk).update(current_price=value)


def alerts(kind: str | None = None) -> list[tuple[int, str]]:
    qs = Notification.objects.order_by("pk")
    if kind is not None:
        qs = qs.filter(kind=kind)
    return list(qs.values_list("recipient_id", "kind"))


def a_sale(hr, rewards, *, starts_in=timedelta(0)):
    now = timezone.now()
    return sale_create(
        actor=hr,
        name="Ale",
        multiplier="0.8",
        starts_at=now + starts_in,
        ends_at=now + timedelta(days=2),
        rewards=rewards,
    )


# --- price crossing ---------------------------------------------------------------------------


def test_a_price_crossing_its_target_alerts_once_per_crossing():
    agent = AgentFactory()
    reward = RewardFactory(base_price=100)
    wish_add(employee=agent, reward=reward, target_price=80)

    # two ticks below the target: one alert
    price(reward, 79)
    assert wish_alerts_run() == 1
    price(reward, 75)
    assert wish_alerts_run() == 0
    assert alerts() == [(agent.pk, PRICE)]
    note = Notification.objects.get()
    assert (note.params["price"], note.params["target"]) == (79, 80)
    assert note.link == f"/market/{reward.pk}/"

    # above, then below again: a second alert
    price(reward, 90)
    assert wish_alerts_run() == 0
    price(reward, 80)
    assert wish_alerts_run() == 1
    assert alerts() == [(agent.pk, PRICE), (agent.pk, PRICE)]
    assert Wish.objects.get().price_alerts == 2


def test_a_wish_without_target_or_on_an_inactive_reward_or_of_someone_gone_says_nothing():
    agent, gone = AgentFactory(), AgentFactory()
    plain, hidden = RewardFactory(base_price=100), RewardFactory(base_price=100)
    wish_add(employee=agent, reward=plain)
    wish_add(employee=agent, reward=hidden, target_price=90)
    wish_add(employee=gone, reward=plain, target_price=90)
    Reward.objects.filter(pk=hidden.pk).update(active=False)
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    price(plain, 10)
    price(hidden, 10)

    assert wish_alerts_run() == 0
    assert alerts() == []


def test_a_sale_pushing_the_price_to_pay_under_the_target_alerts_too():
    hr, agent = HRFactory(), AgentFactory()
    reward = RewardFactory(base_price=100)
    wish_add(employee=agent, reward=reward, target_price=85)
    a_sale(hr, [reward])  # 20 % off: 80

    wish_alerts_run()

    assert sorted(alerts()) == sorted([(agent.pk, PRICE), (agent.pk, SALE)])
    assert Notification.objects.get(kind=PRICE).params["price"] == 80


# --- sales and drawings -------------------------------------------------------------------------


def test_a_sale_on_a_watched_reward_alerts_once_when_it_starts():
    hr, agent = HRFactory(), AgentFactory()
    reward, other = RewardFactory(base_price=100), RewardFactory(base_price=100)
    wish_add(employee=agent, reward=reward)
    wish_add(employee=agent, reward=other)
    a_sale(hr, [reward], starts_in=timedelta(hours=1))

    # not before it starts
    assert wish_alerts_run() == 0
    # once it runs, once
    later = timezone.now() + timedelta(hours=1, minutes=1)
    assert wish_alerts_run(now=later) == 1
    assert wish_alerts_run(now=later + timedelta(minutes=5)) == 0
    assert alerts() == [(agent.pk, SALE)]
    assert Notification.objects.get().params["price"] == 80


def test_wishing_for_a_reward_already_on_sale_is_no_news():
    hr, late = HRFactory(), AgentFactory()
    reward = RewardFactory(base_price=100)
    a_sale(hr, [reward], starts_in=-timedelta(hours=1))
    wish_add(employee=late, reward=reward)
    assert wish_alerts_run() == 0
    assert alerts() == []


def test_a_drawing_opening_on_a_watched_reward_alerts_once():
    agent, late = AgentFactory(), AgentFactory()
    reward = RewardFactory(base_price=60, stock=1)
    wish_add(employee=agent, reward=reward)

    drawing = make_drawing(reward=reward)  # opens at once

    assert wish_alerts_run() == 1
    assert wish_alerts_run() == 0
    note = Notification.objects.get()
    assert (note.recipient, note.kind) == (agent, DRAWING)
    assert note.link == f"/drawings/{drawing.pk}/"
    wish_add(employee=late, reward=RewardFactory())
    assert wish_alerts_run() == 0


def test_opening_a_drawing_and_starting_a_sale_run_the_alert_pass_after_commit(
    eager_celery, django_capture_on_commit_callbacks
):
    hr, agent = HRFactory(), AgentFactory()
    scarce, plain = RewardFactory(base_price=60, stock=1), RewardFactory(base_price=100)
    wish_add(employee=agent, reward=scarce)
    wish_add(employee=agent, reward=plain)

    with django_capture_on_commit_callbacks(execute=True):
        make_drawing(reward=scarce)
    assert alerts() == [(agent.pk, DRAWING)]
    with django_capture_on_commit_callbacks(execute=True):
        a_sale(hr, [plain])
    assert alerts() == [(agent.pk, DRAWING), (agent.pk, SALE)]


# --- once, whatever runs it ---------------------------------------------------------------------


def test_a_redelivered_alert_job_sends_nothing_twice(
    mailoutbox, django_capture_on_commit_callbacks
):
    hr = HRFactory()
    agent = AgentFactory(email="aino@example.com", preferred_language="en")
    reward = RewardFactory(base_price=100, name_en="Spa day", name_fi="Kylpyläpäivä")
    wish_add(employee=agent, reward=reward, target_price=90)
    a_sale(hr, [reward])  # 80: the target crossed and a sale started

    with django_capture_on_commit_callbacks(execute=True):
        assert wish_alerts.apply().get() == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert wish_alerts.apply().get() == 0  # the same message again

    assert len(alerts()) == 2
    assert len(mailoutbox) == 2  # one e-mail per alert, in the person's language
    subjects = sorted(mail.subject for mail in mailoutbox)
    assert subjects == [
        "Pojopörssi: A sale started on Spa day, one of your wishes: now 80 points.",
        "Pojopörssi: Price alert: Spa day now costs 80 points, at or below your target of 90.",
    ]


def test_muted_notifications_send_no_alert():
    agent = AgentFactory()
    reward = RewardFactory(base_price=100)
    wish_add(employee=agent, reward=reward, target_price=80)
    price(reward, 50)
    with notifications_muted():
        assert wish_alerts_run() == 0
    assert alerts() == []


@pytest.mark.django_db(transaction=True)
def test_two_alert_passes_at_once_send_each_alert_once(postgres):
    # given: twenty wishes whose target the price has just crossed
    reward = RewardFactory(base_price=100)
    for _ in range(20):
        wish_add(employee=AgentFactory(), reward=reward, target_price=80)
    price(reward, 70)
    barrier = threading.Barrier(2)
    sent: list[int] = []

    def run() -> None:
        try:
            barrier.wait()
            sent.append(wish_alerts_run())
        finally:
            connections.close_all()

    # when: two workers run the pass at the same moment
    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then: one of them sent all twenty, the other none
    assert sorted(sent) == [0, 20]
    assert Notification.objects.count() == 20


# --- one pass -----------------------------------------------------------------------------------


def _world(size: int, hr) -> None:
    """`size` people, each wishing for 3 of `size` rewards; every event fires for each wish."""
    rewards = [RewardFactory(base_price=100, stock=1) for _ in range(size)]
    for n in range(size):
        agent = AgentFactory()
        for k in range(3):
            wish_add(employee=agent, reward=rewards[(n + k) % size], target_price=85)
    a_sale(hr, rewards)
    for reward in rewards:
        make_drawing(reward=reward, hr=hr)


def test_the_alert_pass_costs_the_same_queries_for_3_or_30_people_and_rewards():
    hr = HRFactory()

    def measured(size: int) -> tuple[int, int]:
        Notification.objects.all().delete()
        Wish.objects.all().delete()
        _world(size, hr)
        with CaptureQueriesContext(connection) as ctx:
            sent = wish_alerts_run()
        return sent, len(ctx.captured_queries)

    small_sent, small_queries = measured(3)
    big_sent, big_queries = measured(30)
    assert small_sent == 3 * 3 * 3  # wishes × (price, sale, drawing)
    assert big_sent > 200
    assert big_queries == small_queries <= 12


# --- after the tick -------------------------------------------------------------------------------


def test_the_tick_task_runs_the_alert_pass_once_prices_moved(
    world, eager_celery, django_capture_on_commit_callbacks
):
    # given: nineteen quiet days priced; three rewards at their base price
    watched, popular, _other = world.reward(50), world.reward(80), world.reward(70)
    world.tick(through=19)
    watcher = world.agents[0]
    wish_add(employee=watcher, reward=watched, target_price=49)
    # on day 19 everyone buys the popular one: the others' prices fall (48, below the target)
    for agent in world.agents:
        world.buy(agent, popular, day=19)

    # when: the beat's tick task prices day 19
    with django_capture_on_commit_callbacks(execute=True):
        assert pricing_tick() == 1

    # then
    watched.refresh_from_db()
    assert watched.current_price <= 49
    assert alerts() == [(watcher.pk, PRICE)]
    # a tick with nothing to price queues no pass, and a pass again finds nothing new
    with django_capture_on_commit_callbacks(execute=True):
        assert pricing_tick() == 0
    assert pricing_tick_run() == [] and wish_alerts_run() == 0
    assert len(alerts()) == 1


@pytest.mark.parametrize(
    ("language", "texts"),
    [
        ("en", ["Price alert: Spa day now costs 70 points", "A sale started on Spa day",
                "A drawing opened for Spa day"]),
        ("fi", ["Hintahälytys: Kylpyläpäivä maksaa nyt 70 pistettä", "Kylpyläpäivä on nyt alessa",
                "palkinnon Kylpyläpäivä huuto tai arvonta alkoi"]),
    ],
)  # fmt: skip
def test_the_alerts_read_in_both_languages(language, texts):
    params = {"reward_fi": "Kylpyläpäivä", "reward_en": "Spa day", "price": 70, "target": 80}
    notes = [Notification(kind=kind, params=params) for kind in (PRICE, SALE, DRAWING)]
    with translation.override(language):
        for note, text in zip(notes, texts, strict=True):
            assert text in note.title
