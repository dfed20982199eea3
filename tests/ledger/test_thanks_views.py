"""The thanks pages: the thanks feed and form, reactions, the supervisor's one-step award on the
team page, the home feed, and "not recognised lately"."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ledger.models import Award, Thanks, ThanksReaction
from ledger.selectors import balance_of
from ledger.services import award_create, thanks_suggested_points
from people.models import EmploymentType
from tests.api_support import db_state
from tests.conftest import fund_budget
from tests.ledger.factories import make_thanks
from tests.people.factories import AgentFactory, SupervisorFactory, TeamFactory

pytestmark = pytest.mark.django_db

THANKS = reverse("thanks")
TEAM = reverse("team")
HOME = reverse("home")
QUIET = reverse("not-recognised")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text(response) -> str:
    return response.content.decode()


@pytest.mark.parametrize("url", [THANKS, QUIET])
def test_anonymous_visitors_are_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_an_agent_thanks_a_colleague_from_the_page(crew, reason):
    aino, onni, _ = crew.agents
    client = signed_in(aino)
    page = client.get(f"{THANKS}?to={onni.pk}")
    assert page.status_code == 200
    assert f'<option value="{onni.pk}" selected>' in text(page)
    assert f'<option value="{aino.pk}"' not in text(page)  # not oneself
    response = client.post(
        THANKS, {"recipient": onni.pk, "reason": reason.pk, "message": "Kiitos avusta!"}
    )
    assert response.status_code == 302 and response["Location"] == THANKS
    thanks = Thanks.objects.get()
    assert (thanks.giver, thanks.recipient, thanks.message) == (aino, onni, "Kiitos avusta!")
    page = client.get(THANKS)
    assert "Kiitos avusta!" in text(page) and f"thanks-{thanks.pk}" in text(page)


@pytest.mark.parametrize(
    "change", [{"message": ""}, {"message": "x" * 281}, {"recipient": "self"}, {"reason": 0}]
)
def test_a_bad_thanks_form_is_shown_again_with_errors_and_writes_nothing(crew, reason, change):
    aino, onni, _ = crew.agents
    data = {"recipient": onni.pk, "reason": reason.pk, "message": "Kiitos!", **change}
    if data["recipient"] == "self":
        data["recipient"] = aino.pk
    before = db_state()
    response = signed_in(aino).post(THANKS, data)
    assert response.status_code == 400
    assert 'id="thanks-errors"' in text(response)
    assert db_state() == before


def test_reacting_from_the_home_feed_returns_there_and_toggles(crew, reason):
    aino, onni, third = crew.agents
    thanks = make_thanks(giver=aino, recipient=onni, reason=reason, message="Kiitos!")
    client = signed_in(third)
    home = client.get(HOME)
    assert "Kiitos!" in text(home) and 'data-testid="thanks-item"' in text(home)
    url = reverse("thanks-react-page", args=[thanks.pk])
    response = client.post(url, {"emoji": "clap", "on": "1", "next": f"{HOME}#thanks-{thanks.pk}"})
    assert response.status_code == 302 and response["Location"] == f"{HOME}#thanks-{thanks.pk}"
    assert ThanksReaction.objects.filter(user=third, emoji="clap").count() == 1
    assert 'aria-pressed="true"' in text(client.get(HOME))
    client.post(url, {"emoji": "clap", "on": "0"})
    assert not ThanksReaction.objects.exists()
    # somewhere else than this site is not followed
    response = client.post(url, {"emoji": "heart", "next": "https://evil.example/"})
    assert response["Location"] == f"{THANKS}#thanks-{thanks.pk}"


def test_a_bad_reaction_is_a_message_and_writes_nothing(crew, reason):
    thanks = make_thanks(giver=crew.agents[0], recipient=crew.agents[1], reason=reason)
    before = db_state()
    response = signed_in(crew.agents[2]).post(
        reverse("thanks-react-page", args=[thanks.pk]), {"emoji": "poop"}, follow=True
    )
    # the person reads Finnish (their profile's language)
    assert "Valitse jokin tarjolla olevista reaktioista." in text(response)
    assert db_state() == before


def test_the_team_page_offers_the_one_step_award_and_it_gives_the_points(crew, reason):
    aino, onni, _ = crew.agents
    fund_budget(crew.supervisor, 300)
    thanks = make_thanks(giver=aino, recipient=onni, reason=reason, message="Pelastit aamun!")
    client = signed_in(crew.supervisor)
    page = text(client.get(TEAM))
    assert 'data-testid="team-thanks"' in page and "Pelastit aamun!" in page
    assert f'value="{thanks_suggested_points(reason)}"' in page
    key = uuid.uuid4().hex
    url = reverse("thanks-award-page", args=[thanks.pk])
    response = client.post(url, {"points": "35", "form_key": key, "next": f"{TEAM}#team-thanks"})
    assert response.status_code == 302 and response["Location"] == f"{TEAM}#team-thanks"
    assert balance_of(user=onni) == 35
    assert Award.objects.get().thanks == thanks
    # a double submit of the same form gives nothing more
    client.post(url, {"points": "35", "form_key": key})
    assert Award.objects.count() == 1 and balance_of(user=onni) == 35
    # the thanks has left the list, and the thanks page says what it became
    assert (
        "Pelastit aamun!"
        not in text(client.get(TEAM)).split('id="team-thanks"')[1].split("team-grid__given")[0]
    )
    assert f"{crew.supervisor.name} muutti tämän 35 pisteeksi" in text(signed_in(aino).get(THANKS))
    as_aino = signed_in(aino)
    as_aino.post(reverse("language-set"), {"language": "en", "next": THANKS})
    assert f"Turned into 35 points by {crew.supervisor.name}" in text(as_aino.get(THANKS))


@pytest.mark.parametrize("who", ["agent", "other_supervisor"])
def test_an_award_from_a_thanks_by_someone_else_is_a_message_and_writes_nothing(crew, reason, who):
    other = SupervisorFactory()
    TeamFactory().leaders.add(other)
    fund_budget(other, 300)
    thanks = make_thanks(giver=crew.agents[0], recipient=crew.agents[1], reason=reason)
    user = crew.agents[2] if who == "agent" else other
    before = db_state()
    response = signed_in(user).post(
        reverse("thanks-award-page", args=[thanks.pk]),
        {"points": "20", "form_key": uuid.uuid4().hex},
    )
    assert response.status_code == 302
    assert db_state() == before


def test_a_bad_points_value_is_a_message(crew, reason):
    fund_budget(crew.supervisor, 300)
    thanks = make_thanks(giver=crew.agents[0], recipient=crew.agents[1], reason=reason)
    before = db_state()
    response = signed_in(crew.supervisor).post(
        reverse("thanks-award-page", args=[thanks.pk]), {"points": "-5"}
    )
    assert response.status_code == 302
    assert db_state() == before


def test_the_award_form_page_is_post_only(crew, reason):
    thanks = make_thanks(giver=crew.agents[0], recipient=crew.agents[1], reason=reason)
    assert (
        signed_in(crew.supervisor).get(reverse("thanks-award-page", args=[thanks.pk])).status_code
        == 405
    )


# --- not recognised lately ---------------------------------------------------------------------


def test_agents_may_not_see_who_is_not_recognised(crew):
    assert signed_in(crew.agents[0]).get(QUIET).status_code == 403


def test_the_supervisor_sees_their_quiet_members_with_agency_staff_alike(crew, reason):
    aino, onni, third = crew.agents
    onni.employment_type = EmploymentType.AGENCY
    onni.save()
    fund_budget(crew.supervisor, 300)
    award_create(giver=crew.supervisor, recipient=aino, reason=reason, points=10)
    make_thanks(
        giver=aino, recipient=third, reason=reason, created_at=timezone.now() - timedelta(weeks=6)
    )
    outsider = AgentFactory()
    page = text(signed_in(crew.supervisor).get(QUIET))
    table = page.split('data-testid="not-recognised"')[1]
    assert onni.name in table and third.name in table and aino.name not in table
    assert outsider.name not in table
    # with 8 weeks, the thanks six weeks ago counts
    page = text(signed_in(crew.supervisor).get(f"{QUIET}?weeks=8"))
    table = page.split('data-testid="not-recognised"')[1]
    assert third.name not in table and onni.name in table
    assert '<option value="8" selected>' in page


def test_hr_sees_every_team_and_a_strange_weeks_value_falls_back(crew, settings):
    settings.NOT_RECOGNISED_WEEKS = 4
    outsider = AgentFactory()
    response = signed_in(crew.hr).get(f"{QUIET}?weeks=999")
    assert response.status_code == 200
    page = text(response)
    assert outsider.name in page and crew.agents[0].name in page
    assert '<option value="4" selected>' in page
