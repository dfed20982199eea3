"""The leavers' pages: HR's leavers page and policy form, settling by hand, the agent's notice,
and the points at risk on the insights dashboard."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from audit.models import AuditAction, AuditEvent
from ledger.models import Transaction, TransactionKind
from ledger.selectors import wallet_summary
from rewards.leavers.services import leaver_policy_get, leaver_policy_set
from rewards.models import LeaverMode, LeaverSettlement
from rewards.tasks import leavers_daily_task
from tests.rewards.conftest import leaver_writes
from tests.rewards.factories import RewardFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("postgres")]

PAGE = "/hr/leavers/"


@pytest.fixture
def leaver(left_yesterday):
    return left_yesterday


@pytest.fixture
def leaving_soon(crew, fund):
    agent = crew.agents[1]
    fund([agent], 75)
    agent.employment_end = timezone.localdate() + timedelta(days=20)
    agent.save(update_fields=["employment_end"])
    return agent


def test_only_hr_opens_the_leavers_page(client, crew):
    for person in (crew.agents[0], crew.supervisor):
        client.force_login(person)
        assert client.get(PAGE).status_code == 403


def test_hr_sees_upcoming_and_past_leavers_with_their_points(client, crew, leaver, leaving_soon):
    client.force_login(crew.hr)
    page = client.get(PAGE).content.decode()
    assert f'data-testid="leaver-{leaver.pk}"' in page
    assert f'data-testid="leaver-{leaving_soon.pk}"' in page
    assert "420" in page and "75" in page
    assert f"/hr/leavers/{leaver.pk}/settle/" in page  # left: HR may settle by hand
    assert f"/hr/leavers/{leaving_soon.pk}/settle/" not in page  # not before the last day


def test_hr_saves_the_policy(client, crew):
    reward = RewardFactory()
    client.force_login(crew.hr)
    response = client.post(
        PAGE, {"mode": "convert", "grace_days": "14", "convert_reward": str(reward.pk)}
    )
    assert response.status_code == 302
    policy = leaver_policy_get()
    assert (policy.mode, policy.grace_days, policy.convert_reward_id) == ("convert", 14, reward.pk)
    assert AuditEvent.objects.filter(action=AuditAction.LEAVER_POLICY_CHANGED).count() == 1


@pytest.mark.parametrize(
    "data",
    [
        {"mode": "convert", "grace_days": "0", "convert_reward": ""},
        {"mode": "burn", "grace_days": "0"},
        {"mode": "keep", "grace_days": "999"},
        {"mode": "keep", "grace_days": "ten"},
    ],
)
def test_an_invalid_policy_shows_the_form_again_and_writes_nothing(client, crew, data):
    client.force_login(crew.hr)
    before = leaver_writes()
    response = client.post(PAGE, data)
    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    assert leaver_policy_get().mode == LeaverMode.KEEP
    assert leaver_writes() == before


def test_hr_settles_a_leaver_by_hand(client, crew, leaver):
    client.force_login(crew.hr)
    response = client.post(f"/hr/leavers/{leaver.pk}/settle/")
    assert response.status_code == 302
    assert wallet_summary(user=leaver).balance == 0
    txn = Transaction.objects.get(kind=TransactionKind.LEAVER_LAPSE)
    assert txn.actor == crew.hr
    assert LeaverSettlement.objects.get(person=leaver).settled_by == crew.hr


def test_settling_by_hand_is_refused_without_writing(client, crew, leaver, leaving_soon):
    before = leaver_writes()
    client.force_login(crew.agents[2])
    assert client.post(f"/hr/leavers/{leaver.pk}/settle/").status_code == 403
    client.force_login(crew.hr)
    assert client.get(f"/hr/leavers/{leaver.pk}/settle/").status_code == 405
    assert client.post("/hr/leavers/999999/settle/").status_code == 404
    response = client.post(f"/hr/leavers/{leaving_soon.pk}/settle/", follow=True)
    assert "viimeinen työpäivä ei ole vielä mennyt" in response.content.decode()
    assert leaver_writes() == before


@pytest.mark.parametrize("page", ["/", "/market/"])
def test_the_wallet_and_the_market_remind_a_leaver_to_spend(client, leaving_soon, page):
    client.force_login(leaving_soon)
    html = client.get(page, HTTP_ACCEPT_LANGUAGE="fi").content.decode()
    end = leaving_soon.employment_end
    assert 'data-testid="leaver-notice"' in html
    assert f"Viimeinen työpäiväsi on {end.day}.{end.month}.{end.year}" in html
    assert "sinulla on 75 pistettä" in html


def test_nobody_else_sees_the_notice(client, crew, leaving_soon):
    client.force_login(crew.agents[2])
    assert 'data-testid="leaver-notice"' not in client.get("/").content.decode()


def test_the_insights_dashboard_shows_points_at_risk(client, crew, leaver, leaving_soon):
    client.force_login(crew.hr)
    html = client.get("/hr/insights/").content.decode()
    assert 'data-testid="points-at-risk"' in html
    # both: the leaver is in the (default 30-day) grace period, the other leaves within 30 days
    assert 'data-testid="at-risk-total">495<' in html
    assert 'data-testid="at-risk-people">2<' in html


def test_the_daily_task_is_scheduled_and_settles_and_reminds(crew, leaver, leaving_soon):
    entry = settings.CELERY_BEAT_SCHEDULE["rewards-leavers-daily"]
    assert entry["task"] == leavers_daily_task.name
    leaver_policy_set(actor=crew.hr, mode=LeaverMode.LAPSE, grace_days=0)

    assert leavers_daily_task() == (1, 1)  # leaving_soon reminded, leaver settled
    assert leavers_daily_task() == (0, 0)
    assert wallet_summary(user=leaver).balance == 0
