"""The HTML pages of the ledger: home, the statement, and the supervisor's team page."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse

from ledger.models import Award, IdempotencyRecord
from ledger.selectors import balance_of, ledger_verify
from ledger.services import award_create, transaction_reverse
from people.models import EmploymentType
from tests.api_support import db_state
from tests.conftest import fund_budget
from tests.ledger.factories import AwardReasonFactory
from tests.people.factories import AgentFactory, HRFactory, TeamFactory

pytestmark = pytest.mark.django_db

HOME = reverse("home")
HISTORY = reverse("ledger-history")
TEAM = reverse("team")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def award_form(to, why, **overrides):
    data = {
        "recipient": to.pk,
        "reason": why.pk,
        "points": 30,
        "message": "Kiitos avusta ruuhkassa!",
        "form_key": uuid.uuid4().hex,
    }
    data.update(overrides)
    return data


def text(response) -> str:
    return response.content.decode()


# --- who may see what -----------------------------------------------------------------------


@pytest.mark.parametrize("url", [HOME, HISTORY, TEAM, f"{HISTORY}?account=budget"])
def test_anonymous_visitors_are_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


def test_agent_home_shows_balance_recent_lines_and_the_feed(crew, reason):
    # given: one award to this agent and one to a colleague
    fund_budget(crew.supervisor, 200)
    agent, colleague = crew.agents[0], crew.agents[1]
    award_create(
        giver=crew.supervisor, recipient=agent, reason=reason, points=40, message="Mahtavaa!"
    )
    award_create(giver=crew.supervisor, recipient=colleague, reason=reason, points=15)
    # when
    response = signed_in(agent).get(HOME)
    # then
    assert response.status_code == 200
    assert response.context["balance"] == 40
    assert response.context["header_balance"]() == 40
    [line] = response.context["lines"]
    assert (line.amount, line.title, line.message) == (40, reason.name_fi, "Mahtavaa!")
    assert crew.supervisor.name in line.detail
    # everyone sees every award on the feed, the colleague's too
    assert [a.recipient for a in response.context["feed"]] == [colleague, agent]
    page = text(response)
    assert 'data-testid="balance">40<' in page
    assert "Mahtavaa!" in page
    assert colleague.name in page
    assert "budget-left" not in page  # no budget card for an agent
    assert 'href="/team/"' not in page  # no "My team" link either


def test_supervisor_home_shows_the_budget_left(crew, reason):
    fund_budget(crew.supervisor, 300)
    award_create(giver=crew.supervisor, recipient=crew.agents[0], reason=reason, points=50)
    response = signed_in(crew.supervisor).get(HOME)
    assert response.status_code == 200
    assert response.context["budget"].left == 250
    assert 'data-testid="budget-left">250<' in text(response)
    assert 'href="/team/"' in text(response)


def test_hr_sees_the_admin_link(crew):
    response = signed_in(crew.hr).get(HOME)
    assert response.status_code == 200
    assert 'href="/admin/"' in text(response)
    assert 'href="/admin/"' not in text(signed_in(crew.agents[0]).get(HOME))


def test_history_is_paginated_with_totals(crew, reason):
    # given: 30 awards to one agent
    fund_budget(crew.supervisor, 1000)
    agent = crew.agents[0]
    for _ in range(30):
        award_create(giver=crew.supervisor, recipient=agent, reason=reason, points=10)
    client = signed_in(agent)
    # when
    first = client.get(HISTORY)
    second = client.get(HISTORY, {"page": 2})
    # then
    assert first.status_code == second.status_code == 200
    assert len(first.context["lines"]) == 25
    assert len(second.context["lines"]) == 5
    assert first.context["received"] == 300
    assert first.context["spent"] == 0
    assert first.context["balance"] == 300
    assert 'rel="next"' in text(first) and 'rel="prev"' in text(second)


def test_history_shows_a_reversal_with_hr_s_reason(crew, reason):
    fund_budget(crew.supervisor, 100)
    agent = crew.agents[0]
    award = award_create(giver=crew.supervisor, recipient=agent, reason=reason, points=30)
    transaction_reverse(original=award.transaction, actor=crew.hr, reason="Annettu väärälle")
    response = signed_in(agent).get(HISTORY)
    lines = response.context["lines"]
    assert [line.amount for line in lines] == [-30, 30]
    assert lines[0].detail == "Annettu väärälle"
    assert response.context["balance"] == 0
    assert (response.context["received"], response.context["spent"]) == (30, 30)


def test_supervisor_sees_the_budget_account_statement(crew, reason):
    fund_budget(crew.supervisor, 100)
    agent = crew.agents[0]
    award_create(giver=crew.supervisor, recipient=agent, reason=reason, points=30)
    response = signed_in(crew.supervisor).get(HISTORY, {"account": "budget"})
    assert response.status_code == 200
    assert response.context["account"] == "budget"
    assert response.context["balance"] == 70
    award_line, grant_line = response.context["lines"]
    assert award_line.amount == -30 and agent.name in award_line.detail
    assert grant_line.amount == 100


def test_agents_have_no_budget_statement(crew):
    response = signed_in(crew.agents[0]).get(HISTORY, {"account": "budget"})
    assert response.status_code == 403
    assert "403" in text(response)  # our own page, not a bare error


def test_team_page_lists_members_and_budget(crew, reason):
    # given: one agency member, and an agent of another team
    fund_budget(crew.supervisor, 200)
    crew.agents[2].employment_type = EmploymentType.AGENCY
    crew.agents[2].save()
    outsider = AgentFactory(team=TeamFactory())
    award_create(giver=crew.supervisor, recipient=crew.agents[0], reason=reason, points=20)
    # when
    response = signed_in(crew.supervisor).get(TEAM)
    # then
    assert response.status_code == 200
    members = dict(response.context["members"])
    assert set(members) == set(crew.agents)
    assert members[crew.agents[0]] == 20
    assert response.context["budget"].left == 180
    recipients = list(response.context["form"].fields["recipient"].queryset)
    assert outsider not in recipients and crew.supervisor not in recipients
    page = text(response)
    assert outsider.name not in page
    assert "Vuokratyöntekijä" in page  # the agency badge
    assert reason.name_fi in page and "10–100 p" in page
    assert 'name="form_key"' in page


def test_team_page_preselects_a_member_from_the_list(crew, reason):
    response = signed_in(crew.supervisor).get(TEAM, {"to": crew.agents[1].pk})
    assert f'<option value="{crew.agents[1].pk}" selected>' in text(response)


@pytest.mark.parametrize("role", ["agent", "hr"])
def test_team_page_refuses_non_supervisors(crew, reason, role):
    user = crew.agents[0] if role == "agent" else crew.hr
    client = signed_in(user)
    before = db_state()
    assert client.get(TEAM).status_code == 403
    response = client.post(TEAM, award_form(crew.agents[1], reason))
    assert response.status_code == 403
    assert db_state() == before


# --- awarding through the form --------------------------------------------------------------


def test_award_moves_points_and_redirects_with_a_message(crew, reason):
    # given
    fund_budget(crew.supervisor, 200)
    agent = crew.agents[0]
    client = signed_in(crew.supervisor)
    # when
    response = client.post(TEAM, award_form(agent, reason, points=30))
    # then
    assert response.status_code == 302
    assert response["Location"] == TEAM
    assert balance_of(user=agent) == 30
    assert balance_of(user=crew.supervisor, kind="budget") == 170
    award = Award.objects.get()
    assert (award.giver, award.recipient, award.reason, award.points) == (
        crew.supervisor,
        agent,
        reason,
        30,
    )
    assert award.message == "Kiitos avusta ruuhkassa!"
    assert ledger_verify() == []
    page = client.get(TEAM)
    assert f"Annoit 30 pistettä: {agent.name}" in text(page)
    assert page.context["budget"].left == 170
    assert 'data-testid="budget-left">170<' in text(page)


def test_double_submit_with_the_same_form_key_awards_once(crew, reason):
    # given: one rendered form, sent twice (a double click, or a resubmit after a timeout)
    fund_budget(crew.supervisor, 200)
    agent = crew.agents[0]
    client = signed_in(crew.supervisor)
    form = award_form(agent, reason, points=25)
    # when
    first = client.post(TEAM, form, follow=True)
    second = client.post(TEAM, form, follow=True)
    # then: both show success, one award was made
    for response in (first, second):
        assert response.status_code == 200
        assert response.redirect_chain == [(TEAM, 302)]
        assert f"Annoit 25 pistettä: {agent.name}" in text(response)
    assert Award.objects.count() == 1
    assert balance_of(user=agent) == 25
    assert balance_of(user=crew.supervisor, kind="budget") == 175


@pytest.mark.django_db(transaction=True)
def test_concurrent_double_submit_awards_once(crew, reason, postgres):
    # given: two requests with the same form key, racing in separate connections
    fund_budget(crew.supervisor, 200)
    agent = crew.agents[0]
    form = award_form(agent, reason, points=25)
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def submit() -> None:
        try:
            client = signed_in(crew.supervisor)
            barrier.wait()
            statuses.append(client.post(TEAM, form).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then
    assert statuses == [302, 302]
    assert Award.objects.count() == 1
    assert balance_of(user=agent) == 25
    assert ledger_verify() == []


def test_budget_exceeded_is_shown_and_nothing_is_written(crew, reason):
    # given
    fund_budget(crew.supervisor, 20)
    client = signed_in(crew.supervisor)
    before = db_state()
    # when
    response = client.post(TEAM, award_form(crew.agents[0], reason, points=30))
    # then
    assert response.status_code == 400
    page = text(response)
    assert "Pisteitä ei annettu." in page
    assert "Palkitsemisbudjetissasi ei ole tarpeeksi pisteitä jäljellä." in page
    assert "Sinulla on jäljellä 20 pistettä." in page
    assert db_state() == before
    assert Award.objects.count() == 0
    # the form comes back filled in, with a fresh key for the next try
    form = response.context["form"]
    assert form["points"].value() == "30"
    assert form["form_key"].value() != ""


def test_award_to_someone_outside_the_team_is_refused(crew, reason):
    # given: a forged POST naming an agent of another team
    fund_budget(crew.supervisor, 200)
    outsider = AgentFactory(team=TeamFactory())
    client = signed_in(crew.supervisor)
    before = db_state()
    # when
    response = client.post(TEAM, award_form(outsider, reason))
    # then
    assert response.status_code == 400
    assert "Voit antaa pisteitä vain omien tiimiesi jäsenille." in text(response)
    assert db_state() == before


def test_award_to_oneself_is_refused(crew, reason):
    fund_budget(crew.supervisor, 200)
    before = db_state()
    response = signed_in(crew.supervisor).post(TEAM, award_form(crew.supervisor, reason))
    assert response.status_code == 400
    assert db_state() == before


def test_award_over_the_cap_shows_the_service_s_refusal(crew, reason):
    fund_budget(crew.supervisor, 100_000)
    before = db_state()
    points = settings.AWARD_MAX_POINTS + 1
    response = signed_in(crew.supervisor).post(
        TEAM, award_form(crew.agents[0], reason, points=points)
    )
    assert response.status_code == 400
    assert (
        f"Yhdellä palkitsemisella voi antaa enintään {settings.AWARD_MAX_POINTS} pistettä."
        in text(response)
    )
    assert response.context["form"].errors["points"]
    assert db_state() == before


def test_unpublished_reason_is_refused(crew, reason):
    fund_budget(crew.supervisor, 200)
    hidden = AwardReasonFactory(active=False)
    before = db_state()
    response = signed_in(crew.supervisor).post(TEAM, award_form(crew.agents[0], hidden))
    assert response.status_code == 400
    assert "Valitse jokin julkaistuista perusteista." in text(response)
    assert db_state() == before


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"points": 0}, "points"),
        ({"points": "kymmenen"}, "points"),
        ({"message": "x" * 501}, "message"),
        ({"recipient": ""}, "recipient"),
        ({"form_key": ""}, "form_key"),
    ],
)
def test_bad_input_is_shown_on_the_form(crew, reason, overrides, field):
    fund_budget(crew.supervisor, 200)
    before = db_state()
    response = signed_in(crew.supervisor).post(
        TEAM, award_form(crew.agents[0], reason, **overrides)
    )
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert "Pisteitä ei annettu." in text(response)
    assert db_state() == before


def test_reusing_a_form_key_for_other_values_is_refused(crew, reason):
    # given: a form that was sent and succeeded
    fund_budget(crew.supervisor, 200)
    client = signed_in(crew.supervisor)
    form = award_form(crew.agents[0], reason, points=10)
    assert client.post(TEAM, form).status_code == 302
    before = db_state()
    # when: the same key comes back with other values (back button, edit, resend)
    response = client.post(TEAM, {**form, "points": 50})
    # then
    assert response.status_code == 400
    assert "Tämä lomake lähetettiin jo eri tiedoilla." in text(response)
    assert db_state() == before
    assert response.context["form"]["form_key"].value() != form["form_key"]


def test_a_failed_submit_leaves_the_form_key_unused(crew, reason):
    # given: a refused submit
    fund_budget(crew.supervisor, 5)
    client = signed_in(crew.supervisor)
    form = award_form(crew.agents[0], reason, points=30)
    assert client.post(TEAM, form).status_code == 400
    assert not IdempotencyRecord.objects.exists()
    # when: the same key is sent again with values that fit the budget
    response = client.post(TEAM, {**form, "points": 5})
    # then: it is a fresh operation, not a "key reused" refusal
    assert response.status_code == 302
    assert balance_of(user=crew.agents[0]) == 5


def test_english_pages_after_switching(crew, reason):
    fund_budget(crew.supervisor, 200)
    client = signed_in(crew.supervisor)
    assert 'lang="fi"' in text(client.get(TEAM))
    client.post(reverse("language-set"), {"language": "en", "next": TEAM})
    response = client.post(TEAM, award_form(crew.agents[0], reason, points=30), follow=True)
    page = text(response)
    assert 'lang="en"' in page
    assert f"You gave 30 points to {crew.agents[0].name}" in page
    assert "Award budget left" in page


def test_statement_line_for_an_award_in_english(crew, reason):
    fund_budget(crew.supervisor, 200)
    agent = crew.agents[0]
    agent.preferred_language = "en"
    agent.save()
    award_create(giver=crew.supervisor, recipient=agent, reason=reason, points=12)
    client = signed_in(agent)
    client.post(reverse("language-set"), {"language": "en", "next": HOME})
    response = client.get(HOME)
    [line] = response.context["lines"]
    assert line.title == reason.name_en
    assert line.detail == f"Awarded by {crew.supervisor.name}"
    assert "+12 pts" in text(response)


def test_hr_without_a_team_page_has_no_team_link(crew):
    page = text(signed_in(HRFactory()).get(HOME))
    assert 'href="/team/"' not in page


@pytest.mark.parametrize(
    ("who", "url"),
    [
        ("agent", HOME),
        ("supervisor", HOME),
        ("supervisor", f"{HISTORY}?account=budget"),
        ("supervisor", TEAM),
    ],
)
def test_pages_do_not_query_per_line(crew, reason, django_assert_max_num_queries, who, url):
    # given: a busy team, so that a query per line or per member would show
    fund_budget(crew.supervisor, 10_000)
    for member in crew.agents + [AgentFactory(team=crew.team) for _ in range(20)]:
        award_create(
            giver=crew.supervisor, recipient=member, reason=reason, points=10, message="Kiitos"
        )
    client = signed_in(crew.agents[0] if who == "agent" else crew.supervisor)
    # when / then
    with django_assert_max_num_queries(15):
        assert client.get(url).status_code == 200
