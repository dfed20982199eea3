"""Who may be awarded: nobody awards a team leader or an HR person unless the awarder is HR.

Found in review: two supervisors who co-lead a team they are members of could award each other
(2 x 500 each way), turning their budgets into their own wallets."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client
from django.urls import reverse

from ledger.errors import RecipientNotAwardableError
from ledger.models import Award
from ledger.selectors import award_recipients_for, balance_of
from ledger.services import award_create
from people.models import Role
from tests.api_support import assert_error, db_state, isolate_throttle_cache
from tests.conftest import fund_budget
from tests.people.factories import AgentFactory, HRFactory, SupervisorFactory, TeamFactory

pytestmark = pytest.mark.django_db

AWARDS = "/api/v1/awards/"
TEAM = reverse("team")


@pytest.fixture(autouse=True)
def _own_throttle_cache(monkeypatch):
    isolate_throttle_cache(monkeypatch)


@pytest.fixture
def coled(reason):
    """Laura and Sanna co-lead a team they are both members of; an agent and an HR person too."""
    team = TeamFactory()
    laura = SupervisorFactory(username="laura", team=team)
    sanna = SupervisorFactory(username="sanna", team=team)
    team.leaders.add(laura, sanna)
    agent = AgentFactory(team=team)
    hr = HRFactory(team=team)
    for supervisor in (laura, sanna):
        fund_budget(supervisor, 1000)
    return team, laura, sanna, agent, hr


def refused(**kwargs):
    before = db_state()
    with pytest.raises(RecipientNotAwardableError) as caught:
        award_create(**kwargs)
    assert db_state() == before
    return caught.value


def test_a_supervisor_cannot_award_a_co_leader(coled, reason):
    _team, laura, sanna, _agent, _hr = coled
    error = refused(giver=laura, recipient=sanna, reason=reason, points=500)
    assert error.code == "recipient_not_awardable"
    refused(giver=sanna, recipient=laura, reason=reason, points=500)
    assert balance_of(user=laura) == balance_of(user=sanna) == 0


def test_a_supervisor_cannot_award_a_leader_of_another_team(coled, reason):
    team, laura, _sanna, _agent, _hr = coled
    # Mikko is a member of Laura's team but leads a team of his own.
    mikko = SupervisorFactory(team=team)
    TeamFactory().leaders.add(mikko)
    refused(giver=laura, recipient=mikko, reason=reason, points=10)


def test_a_supervisor_cannot_award_hr(coled, reason):
    _team, laura, _sanna, _agent, hr = coled
    refused(giver=laura, recipient=hr, reason=reason, points=10)


def test_a_superuser_member_counts_as_hr(coled, reason):
    team, laura, _sanna, _agent, _hr = coled
    admin = AgentFactory(team=team, is_superuser=True)
    refused(giver=laura, recipient=admin, reason=reason, points=10)


def test_hr_may_award_a_supervisor(coled, reason):
    # An HR awarder: a supervisor who is also a superuser (User.is_hr), leading the team.
    team, _laura, sanna, _agent, _hr = coled
    boss = SupervisorFactory(is_superuser=True)
    team.leaders.add(boss)
    fund_budget(boss, 100)
    award = award_create(giver=boss, recipient=sanna, reason=reason, points=40)
    assert award.recipient == sanna
    assert balance_of(user=sanna) == 40


def test_an_agent_is_still_awarded(coled, reason):
    _team, laura, _sanna, agent, _hr = coled
    award_create(giver=laura, recipient=agent, reason=reason, points=500)
    assert balance_of(user=agent) == 500


def test_the_api_refuses_co_leaders_both_ways_with_403(api, coled, reason):
    _team, laura, sanna, _agent, _hr = coled
    before = db_state()
    for giver, recipient in ((laura, sanna), (sanna, laura)):
        response = api(giver).post(
            AWARDS,
            {"recipient": recipient.pk, "reason": reason.code, "points": 500},
            format="json",
            HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex,
        )
        assert_error(response, 403, "recipient_not_awardable")
    assert db_state() == before
    assert not Award.objects.exists()


def test_the_award_form_offers_only_awardable_people(coled, reason):
    _team, laura, sanna, agent, hr = coled
    client = Client()
    client.force_login(laura)
    page = client.get(TEAM).content.decode()
    assert f'value="{agent.pk}"' in page
    assert f'value="{sanna.pk}"' not in page
    assert f'value="{hr.pk}"' not in page
    assert f"?to={sanna.pk}#" not in page
    # Posting a co-leader's id anyway is refused by the form and writes nothing.
    before = db_state()
    form = {
        "recipient": sanna.pk,
        "reason": reason.pk,
        "points": 500,
        "form_key": uuid.uuid4().hex,
    }
    response = client.post(TEAM, form)
    assert response.status_code == 400
    assert db_state() == before


def test_award_recipients_for(coled):
    team, laura, sanna, agent, hr = coled
    assert list(award_recipients_for(giver=laura)) == [agent]
    boss = SupervisorFactory(is_superuser=True)
    team.leaders.add(boss)
    assert set(award_recipients_for(giver=boss)) == {laura, sanna, agent, hr}
    assert hr.role == Role.HR
