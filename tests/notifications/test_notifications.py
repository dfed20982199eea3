"""Notifications: sent after commit through Celery, in the reader's language, own only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from ledger.services import award_create
from notifications.models import Notification, NotificationKind
from notifications.services import notification_send, notifications_mark_read, notifications_muted
from rewards.drawings import bid_place, drawing_close
from rewards.services import (
    quote_create,
    redemption_approve,
    redemption_cancel,
    redemption_create,
    redemption_fulfil,
    redemption_reject,
)
from tests.conftest import fund_budget
from tests.people.factories import AgentFactory
from tests.rewards.conftest import fund_wallets
from tests.rewards.drawing_support import make_drawing, make_due
from tests.rewards.factories import RewardFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/notifications/"
READ = "/api/v1/notifications/read/"


def test_an_award_notifies_the_recipient_after_commit_by_email_in_their_language(
    crew, reason, eager_celery, django_capture_on_commit_callbacks, mailoutbox
):
    # given: an agent who reads English, with an address
    agent = crew.agents[0]
    agent.preferred_language = "en"
    agent.email = "aino@example.com"
    agent.save()
    fund_budget(crew.supervisor, 100)
    # when
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        award_create(
            giver=crew.supervisor, recipient=agent, reason=reason, points=30, message="Kiitos!"
        )
        # then: nothing before the commit
        assert Notification.objects.count() == 0 and mailoutbox == []
    for callback in callbacks:
        callback()
    note = Notification.objects.get()
    assert (note.recipient, note.kind, note.link) == (agent, "award_received", "/history/")
    [mail] = mailoutbox
    assert mail.to == ["aino@example.com"]
    assert f"{crew.supervisor.name} gave you 30 points: {reason.name_en}" in mail.subject
    assert "Kiitos!" in mail.body and "Hello" in mail.body


def test_a_rolled_back_award_sends_nothing(crew, reason, eager_celery, mailoutbox):
    from django.db import transaction

    fund_budget(crew.supervisor, 100)
    with pytest.raises(RuntimeError), transaction.atomic():
        award_create(giver=crew.supervisor, recipient=crew.agents[0], reason=reason, points=10)
        raise RuntimeError("rolled back")
    assert Notification.objects.count() == 0 and mailoutbox == []


def test_redemption_decisions_notify_the_buyer_in_finnish(
    crew, reason, eager_celery, django_capture_on_commit_callbacks, mailoutbox
):
    a, b, c = crew.agents
    for agent in crew.agents:
        agent.email = f"{agent.username}@example.com"
        agent.save()
    fund_wallets(reason=reason, agents=crew.agents, points=200)
    reward = RewardFactory(name_fi="Jouluaaton vuoronvaihto", needs_approval=True, base_price=50)
    ra, rb, rc = (
        redemption_create(employee=x, quote=quote_create(employee=x, reward=reward))
        for x in (a, b, c)
    )
    Notification.objects.all().delete()  # the awards' notifications are not under test here
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        redemption_approve(approver=crew.supervisor, redemption=ra)
        redemption_fulfil(approver=crew.supervisor, redemption=ra)
        redemption_reject(approver=crew.supervisor, redemption=rb, reason="Vuoro on täynnä.")
        redemption_cancel(employee=c, redemption=rc)  # one's own cancellation: no notice
    kinds = sorted(Notification.objects.values_list("recipient__username", "kind"))
    assert kinds == sorted(
        [
            (a.username, NotificationKind.REDEMPTION_APPROVED),
            (a.username, NotificationKind.REDEMPTION_FULFILLED),
            (b.username, NotificationKind.REDEMPTION_REJECTED),
        ]
    )
    subjects = sorted(m.subject for m in mailoutbox)
    assert "Pojopörssi: Lunastuksesi hyväksyttiin: Jouluaaton vuoronvaihto" in subjects
    rejected = next(m for m in mailoutbox if m.to == [b.email])
    assert "hylättiin" in rejected.subject and "Syy: Vuoro on täynnä." in rejected.body


def test_no_address_no_email_but_the_bell_still_rings(crew, mailoutbox):
    agent = crew.agents[0]
    agent.email = ""
    agent.save()
    notification_send(
        recipient=agent,
        kind=NotificationKind.REDEMPTION_APPROVED,
        params={"reward_fi": "Huppari", "reward_en": "Hoodie"},
        link="/redemptions/",
    )
    assert Notification.objects.filter(recipient=agent).count() == 1
    assert mailoutbox == []


def test_muted_sends_nothing(crew, reason, eager_celery, django_capture_on_commit_callbacks):
    fund_budget(crew.supervisor, 100)
    with django_capture_on_commit_callbacks(execute=True), notifications_muted():
        award_create(giver=crew.supervisor, recipient=crew.agents[0], reason=reason, points=5)
    assert Notification.objects.count() == 0


def test_the_text_follows_the_readers_language(crew, api):
    agent = crew.agents[0]
    notification_send(
        recipient=agent,
        kind=NotificationKind.REDEMPTION_REJECTED,
        params={"reward_fi": "Huppari", "reward_en": "Hoodie", "reason": "Loppu."},
    )
    fi = api(agent).get(LIST, HTTP_ACCEPT_LANGUAGE="fi").json()["results"][0]
    en = api(agent).get(LIST, HTTP_ACCEPT_LANGUAGE="en").json()["results"][0]
    assert fi["title"] == "Lunastuksesi hylättiin: Huppari. Pisteet palautettiin."
    assert en["title"] == "Your redemption was rejected: Hoodie. The points were returned."
    assert en["detail"] == "Reason: Loppu."


# --- API ------------------------------------------------------------------------------------


def _note(user, **params) -> Notification:
    return notification_send(
        recipient=user,
        kind=NotificationKind.REDEMPTION_APPROVED,
        params={"reward_fi": "Leffalippu", "reward_en": "Cinema ticket", **params},
    )


def test_api_lists_only_my_own_with_the_unread_count(crew, api):
    me, other = crew.agents[0], crew.agents[1]
    mine = [_note(me), _note(me)]
    _note(other)
    notifications_mark_read(user=me, ids=[mine[0].pk])
    body = api(me).get(LIST).json()
    assert [n["id"] for n in body["results"]] == [mine[1].pk, mine[0].pk]
    assert body["unread"] == 1 and body["count"] == 2
    assert [n["read"] for n in body["results"]] == [False, True]
    assert api(None).get(LIST).status_code in (401, 403)


def test_api_marks_given_ids_or_all_read_and_never_anothers(crew, api):
    me, other = crew.agents[0], crew.agents[1]
    first, second = _note(me), _note(me)
    theirs = _note(other)
    response = api(me).post(READ, {"ids": [first.pk, theirs.pk]}, format="json")
    assert response.status_code == 200
    assert response.json() == {"marked": 1, "unread": 1}
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert api(me).post(READ, {}, format="json").json() == {"marked": 1, "unread": 0}
    second.refresh_from_db()
    assert second.read_at is not None


def test_api_refuses_bad_ids_and_writes_nothing(crew, api):
    me = crew.agents[0]
    note = _note(me)
    for bad in ({"ids": "all"}, {"ids": ["x"]}, {"ids": [True]}, {"ids": [-1]}):
        response = api(me).post(READ, bad, format="json")
        assert response.status_code == 400 and response.json()["code"] == "invalid"
    note.refresh_from_db()
    assert note.read_at is None


# --- pages ----------------------------------------------------------------------------------


def test_the_bell_shows_the_unread_count_and_the_page_marks_all_read(crew, client):
    me = crew.agents[0]
    _note(me)
    _note(me)
    _note(AgentFactory())
    client.force_login(me)
    home = client.get(reverse("home")).content.decode()
    assert 'data-testid="bell-count">2<' in home
    page = client.get(reverse("notifications"))
    assert len(page.context["page"].object_list) == 2
    assert "Lunastuksesi hyväksyttiin: Leffalippu" in page.content.decode()
    client.post(reverse("notifications-read"))
    assert Notification.objects.filter(recipient=me, read_at__isnull=True).count() == 0
    assert 'data-testid="bell-count"' not in client.get(reverse("home")).content.decode()


def test_backdated_history_is_not_news(
    crew, reason, eager_celery, django_capture_on_commit_callbacks
):
    # given: the demo seed writes last month's award
    fund_budget(crew.supervisor, 100)
    last_month = timezone.now() - timedelta(days=30)
    with django_capture_on_commit_callbacks(execute=True):
        award_create(
            giver=crew.supervisor,
            recipient=crew.agents[0],
            reason=reason,
            points=5,
            created_at=last_month,
        )
        award_create(giver=crew.supervisor, recipient=crew.agents[1], reason=reason, points=5)
    # then: only today's award rings a bell
    assert list(Notification.objects.values_list("recipient", flat=True)) == [crew.agents[1].pk]


# --- What each event stores ------------------------------------------------------------------


def _stored(recipient, kind) -> tuple[dict, str]:
    note = Notification.objects.get(recipient=recipient, kind=kind)
    return note.params, note.link


def test_each_event_stores_its_params_and_link(
    crew, reason, eager_celery, django_capture_on_commit_callbacks
):
    # given
    a, b, _c = crew.agents
    fund_wallets(reason=reason, agents=[a, b], points=300)
    fund_budget(crew.supervisor, 100)
    reward = RewardFactory(name_fi="Huppari", name_en="Hoodie", needs_approval=True, base_price=50)
    ra, rb = (
        redemption_create(employee=x, quote=quote_create(employee=x, reward=reward)) for x in (a, b)
    )
    drawing = make_drawing(stock=1, price=50)
    bid_place(drawing=drawing, employee=a, amount=200)
    bid_place(drawing=drawing, employee=b, amount=90)
    make_due(drawing)
    Notification.objects.all().delete()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        award_create(
            giver=crew.supervisor, recipient=a, reason=reason, points=30, message="Kiitos!"
        )
        redemption_approve(approver=crew.supervisor, redemption=ra)
        redemption_reject(approver=crew.supervisor, redemption=rb, reason="Loppu.")
        drawing_close(drawing=drawing)
    # then
    assert _stored(a, NotificationKind.AWARD_RECEIVED) == (
        {
            "points": 30,
            "giver": crew.supervisor.name,
            "reason_fi": reason.name_fi,
            "reason_en": reason.name_en,
            "message": "Kiitos!",
        },
        "/history/",
    )
    assert _stored(a, NotificationKind.REDEMPTION_APPROVED) == (
        {"redemption": ra.pk, "reward_fi": "Huppari", "reward_en": "Hoodie", "reason": ""},
        "/redemptions/",
    )
    assert _stored(b, NotificationKind.REDEMPTION_REJECTED) == (
        {"redemption": rb.pk, "reward_fi": "Huppari", "reward_en": "Hoodie", "reason": "Loppu."},
        "/redemptions/",
    )
    names = {"reward_fi": drawing.reward.name_fi, "reward_en": drawing.reward.name_en}
    link = f"/drawings/{drawing.pk}/"
    assert _stored(a, NotificationKind.DRAWING_WON) == (
        {"drawing": drawing.pk, **names, "price": 90, "amount": 200},
        link,
    )
    assert _stored(b, NotificationKind.DRAWING_LOST) == (
        {"drawing": drawing.pk, **names, "price": 90, "amount": 90},
        link,
    )
