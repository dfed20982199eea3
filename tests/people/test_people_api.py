"""People and teams API: HR manages them, everyone else sees only what is theirs to see."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from ledger.models import Account, AccountKind, Entry
from ledger.selectors import balance_of
from ledger.services import award_create
from people.models import EmploymentType, Role, Team, User
from tests.api_support import assert_error, db_state, isolate_throttle_cache
from tests.conftest import fund_budget
from tests.people.factories import (
    PASSWORD,
    AgentFactory,
    SupervisorFactory,
    TeamFactory,
)

pytestmark = pytest.mark.django_db

PEOPLE = "/api/v1/people/"
TEAMS = "/api/v1/teams/"
NEW_PASSWORD = "kahvi-ja-pulla-42"


@pytest.fixture(autouse=True)
def _own_throttle_cache(monkeypatch):
    isolate_throttle_cache(monkeypatch)


def person_url(person: User) -> str:
    return f"{PEOPLE}{person.pk}/"


def new_person(**overrides):
    body = {
        "username": "aino.virtanen",
        "display_name": "Aino Virtanen",
        "password": NEW_PASSWORD,
        "role": "agent",
        "employment_type": "agency",
        "preferred_language": "fi",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not ...}


def sign_in(username: str, password: str) -> APIClient | None:
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": username, "password": password}, format="json"
    )
    if response.status_code != 200:
        return None
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return client


# --- create -----------------------------------------------------------------------------------


def test_hr_creates_a_person_who_can_then_sign_in(api, crew):
    # when
    response = api(crew.hr).post(PEOPLE, new_person(team=crew.team.pk), format="json")
    # then
    assert response.status_code == 201, response.json()
    body = response.json()
    assert "password" not in body
    assert body["username"] == "aino.virtanen"
    assert body["display_name"] == "Aino Virtanen"
    assert body["role"] == "agent"
    assert body["employment_type"] == "agency"
    assert body["team"] == {"id": crew.team.pk, "name": crew.team.name}
    assert body["is_active"] is True
    person = User.objects.get(pk=body["id"])
    assert person.check_password(NEW_PASSWORD)
    client = sign_in("aino.virtanen", NEW_PASSWORD)
    assert client is not None
    me = client.get("/api/v1/me/").json()
    assert me["id"] == person.pk
    assert me["balance"] == 0
    assert me["budget_left"] is None


def test_hr_creates_a_supervisor_without_a_team_with_defaults(api, crew):
    response = api(crew.hr).post(
        PEOPLE,
        {
            "username": "esihenkilo",
            "display_name": "Esa",
            "password": NEW_PASSWORD,
            "role": "supervisor",
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    person = User.objects.get(username="esihenkilo")
    assert person.role == Role.SUPERVISOR
    assert person.team is None
    assert person.employment_type == EmploymentType.PERMANENT
    assert person.preferred_language == "fi"
    assert sign_in("esihenkilo", NEW_PASSWORD).get("/api/v1/me/").json()["budget_left"] == 0


BAD_PERSON_BODIES = [
    pytest.param(new_person(username=...), "username", id="no-username"),
    pytest.param(new_person(username=""), "username", id="blank-username"),
    pytest.param(new_person(username="has space"), "username", id="space-in-username"),
    pytest.param(new_person(username="x" * 151), "username", id="long-username"),
    pytest.param(new_person(username=None), "username", id="null-username"),
    pytest.param(new_person(display_name=...), "display_name", id="no-display-name"),
    pytest.param(new_person(display_name=""), "display_name", id="blank-display-name"),
    pytest.param(new_person(display_name="x" * 151), "display_name", id="long-display-name"),
    pytest.param(new_person(password=...), "password", id="no-password"),
    pytest.param(new_person(password="x" * 129), "password", id="long-password"),
    pytest.param(new_person(role="boss"), "role", id="unknown-role"),
    pytest.param(new_person(employment_type="intern"), "employment_type", id="unknown-employment"),
    pytest.param(new_person(preferred_language="sv"), "preferred_language", id="unknown-language"),
    pytest.param(new_person(team=999999), "team", id="unknown-team"),
    pytest.param(new_person(team=2**63), "team", id="team-out-of-range"),
    pytest.param(new_person(team="abc"), "team", id="team-not-a-number"),
    pytest.param(new_person(team=True), "team", id="team-boolean"),
    pytest.param(new_person(team=1.5), "team", id="team-float"),
    pytest.param(new_person(team=0), "team", id="team-zero"),
    pytest.param(new_person(email="not-an-email"), "email", id="bad-email"),
    pytest.param([new_person()], "non_field_errors", id="json-list"),
]


@pytest.mark.parametrize(("body", "field"), BAD_PERSON_BODIES)
def test_create_person_with_bad_input_is_a_400_and_writes_nothing(api, crew, body, field):
    before = db_state()

    response = api(crew.hr).post(PEOPLE, body, format="json")

    error = assert_error(response, 400, "invalid")
    assert field in error["fields"], error
    assert db_state() == before


@pytest.mark.parametrize("password", ["short", "password", "12345678", "qwertyuiop"])
def test_create_person_with_a_weak_password_is_a_400_on_password(api, crew, password):
    before = db_state()

    response = api(crew.hr).post(PEOPLE, new_person(password=password), format="json")

    error = assert_error(response, 400, "invalid")
    assert list(error["fields"]) == ["password"]
    assert error["fields"]["password"]
    assert db_state() == before


def test_create_person_with_malformed_json_is_a_400(api, crew):
    before = db_state()

    response = api(crew.hr).post(PEOPLE, '{"username": "x"', content_type="application/json")

    assert_error(response, 400, "malformed_request")
    assert db_state() == before


@pytest.mark.parametrize("username", ["aino.virtanen", "AINO.Virtanen"])
def test_create_person_with_a_taken_username_is_a_409(api, crew, username):
    # given
    api(crew.hr).post(PEOPLE, new_person(), format="json")
    before = db_state()
    # when
    response = api(crew.hr).post(
        PEOPLE, new_person(username=username, display_name="Another Aino"), format="json"
    )
    # then
    error = assert_error(response, 409, "conflict")
    assert error["extra"] == {"field": "username"}
    assert db_state() == before


@pytest.mark.parametrize("who", ["agent", "supervisor", "agency_agent"])
def test_only_hr_creates_people(api, crew, who):
    actor = {
        "agent": crew.agents[0],
        "supervisor": crew.supervisor,
        "agency_agent": AgentFactory(team=crew.team, employment_type=EmploymentType.AGENCY),
    }[who]
    before = db_state()

    response = api(actor).post(PEOPLE, new_person(role="hr"), format="json")

    assert_error(response, 403, "permission_denied")
    assert db_state() == before


def test_non_hr_with_bad_input_still_gets_403_not_a_hint_about_the_fields(api, crew):
    before = db_state()

    response = api(crew.agents[0]).post(PEOPLE, {"username": ""}, format="json")

    assert_error(response, 403, "permission_denied")
    assert db_state() == before


def test_superuser_counts_as_hr(api, crew):
    admin = AgentFactory(team=None, is_superuser=True)

    response = api(admin).post(PEOPLE, new_person(), format="json")

    assert response.status_code == 201


# --- list and read ----------------------------------------------------------------------------


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {p["id"] for p in response.json()["results"]}


def test_hr_lists_everyone_including_people_who_left(api, crew):
    gone = AgentFactory(team=crew.team, is_active=False)

    everyone = ids(api(crew.hr).get(PEOPLE))

    assert everyone == set(User.objects.values_list("pk", flat=True))
    assert gone.pk in everyone


def test_an_agent_lists_only_themself(api, crew):
    assert ids(api(crew.agents[0]).get(PEOPLE)) == {crew.agents[0].pk}


def test_a_supervisor_lists_themself_and_the_active_members_of_their_teams(api, crew):
    # given: a second team they lead, another team they do not, and someone who left
    second = TeamFactory()
    second.leaders.add(crew.supervisor)
    theirs = AgentFactory(team=second)
    other = AgentFactory(team=TeamFactory())
    gone = AgentFactory(team=crew.team, is_active=False)
    # when
    visible = ids(api(crew.supervisor).get(PEOPLE))
    # then
    assert visible == {crew.supervisor.pk, theirs.pk, *(a.pk for a in crew.agents)}
    assert other.pk not in visible
    assert gone.pk not in visible


def test_people_list_is_paginated(api, crew):
    response = api(crew.hr).get(PEOPLE, {"page_size": 2})

    body = response.json()
    assert body["count"] == User.objects.count()
    assert len(body["results"]) == 2
    assert body["next"]


def test_everyone_reads_themself(api, crew):
    for person in [crew.agents[0], crew.supervisor, crew.hr]:
        response = api(person).get(person_url(person))
        assert response.status_code == 200
        assert response.json()["username"] == person.username


def test_an_agent_reading_someone_else_gets_404_not_found(api, crew):
    # another team member, their own supervisor, HR: all "not found", never "forbidden"
    for other in [crew.agents[1], crew.supervisor, crew.hr]:
        assert_error(api(crew.agents[0]).get(person_url(other)), 404, "not_found")


def test_a_supervisor_reads_their_members_but_not_other_teams(api, crew):
    other = AgentFactory(team=TeamFactory())
    other_supervisor = SupervisorFactory()

    assert api(crew.supervisor).get(person_url(crew.agents[0])).status_code == 200
    assert_error(api(crew.supervisor).get(person_url(other)), 404, "not_found")
    assert_error(api(crew.supervisor).get(person_url(other_supervisor)), 404, "not_found")
    assert_error(api(crew.supervisor).get(person_url(crew.hr)), 404, "not_found")


def test_hr_reads_anyone(api, crew):
    other = AgentFactory(team=TeamFactory())

    assert api(crew.hr).get(person_url(other)).json()["id"] == other.pk


def test_reading_an_unknown_person_is_a_404(api, crew):
    assert_error(api(crew.hr).get(f"{PEOPLE}999999/"), 404, "not_found")
    assert_error(api(crew.hr).get(f"{PEOPLE}abc/"), 404, "not_found")


# --- /me/ -------------------------------------------------------------------------------------


def test_me_shows_balance_and_for_supervisors_budget_left(api, crew, reason):
    # given
    fund_budget(crew.supervisor, 200)
    award_create(giver=crew.supervisor, recipient=crew.agents[0], reason=reason, points=30)
    # when
    agent_me = api(crew.agents[0]).get("/api/v1/me/").json()
    supervisor_me = api(crew.supervisor).get("/api/v1/me/").json()
    hr_me = api(crew.hr).get("/api/v1/me/").json()
    # then
    assert agent_me["balance"] == 30
    assert agent_me["budget_left"] is None
    assert agent_me["is_hr"] is False
    assert agent_me["team"] == {"id": crew.team.pk, "name": crew.team.name}
    assert supervisor_me["balance"] == 0
    assert supervisor_me["budget_left"] == 170
    assert supervisor_me["teams_led"] == [{"id": crew.team.pk, "name": crew.team.name}]
    assert hr_me["is_hr"] is True
    assert hr_me["budget_left"] is None


# --- update -----------------------------------------------------------------------------------


def test_hr_updates_a_person(api, crew):
    # given
    agent = crew.agents[0]
    other_team = TeamFactory()
    # when
    response = api(crew.hr).patch(
        person_url(agent),
        {
            "display_name": "Uusi Nimi",
            "team": other_team.pk,
            "employment_type": "agency",
            "preferred_language": "en",
            "email": "uusi@example.com",
        },
        format="json",
    )
    # then
    assert response.status_code == 200, response.json()
    assert response.json()["team"] == {"id": other_team.pk, "name": other_team.name}
    agent.refresh_from_db()
    assert agent.display_name == "Uusi Nimi"
    assert agent.team == other_team
    assert agent.employment_type == EmploymentType.AGENCY
    assert agent.preferred_language == "en"
    assert agent.email == "uusi@example.com"


def test_hr_promotes_an_agent_and_removes_their_team(api, crew):
    agent = crew.agents[0]

    response = api(crew.hr).patch(
        person_url(agent), {"role": "supervisor", "team": None}, format="json"
    )

    assert response.status_code == 200
    agent.refresh_from_db()
    assert agent.role == Role.SUPERVISOR
    assert agent.team is None


def test_update_cannot_change_the_username_or_password(api, crew):
    agent = crew.agents[0]
    before = db_state()

    response = api(crew.hr).patch(
        person_url(agent), {"username": "renamed", "password": "x"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["username"] == agent.username
    assert db_state() == before


BAD_UPDATES = [
    pytest.param({"display_name": ""}, "display_name", id="blank-display-name"),
    pytest.param({"display_name": None}, "display_name", id="null-display-name"),
    pytest.param({"display_name": "x" * 151}, "display_name", id="long-display-name"),
    pytest.param({"role": "boss"}, "role", id="unknown-role"),
    pytest.param({"employment_type": "intern"}, "employment_type", id="unknown-employment"),
    pytest.param({"preferred_language": "sv"}, "preferred_language", id="unknown-language"),
    pytest.param({"team": 999999}, "team", id="unknown-team"),
    pytest.param({"team": 2**63}, "team", id="team-out-of-range"),
    pytest.param({"team": "abc"}, "team", id="team-string"),
    pytest.param({"team": True}, "team", id="team-boolean"),
    pytest.param({"email": "nope"}, "email", id="bad-email"),
    pytest.param({"display_name": "Fine", "team": 999999}, "team", id="good-and-bad"),
    pytest.param([{"display_name": "x"}], "non_field_errors", id="json-list"),
]


@pytest.mark.parametrize(("body", "field"), BAD_UPDATES)
def test_update_person_with_bad_input_is_a_400_and_writes_nothing(api, crew, body, field):
    before = db_state()

    response = api(crew.hr).patch(person_url(crew.agents[0]), body, format="json")

    error = assert_error(response, 400, "invalid")
    assert field in error["fields"], error
    assert db_state() == before


def test_update_person_with_malformed_json_is_a_400(api, crew):
    before = db_state()

    response = api(crew.hr).patch(
        person_url(crew.agents[0]), "{display_name", content_type="application/json"
    )

    assert_error(response, 400, "malformed_request")
    assert db_state() == before


@pytest.mark.parametrize("who", ["self", "supervisor_of", "other_agent"])
def test_only_hr_updates_people(api, crew, who):
    target = crew.agents[0]
    actor = {"self": target, "supervisor_of": crew.supervisor, "other_agent": crew.agents[1]}[who]
    before = db_state()

    response = api(actor).patch(person_url(target), {"role": "hr"}, format="json")

    assert_error(response, 403, "permission_denied")
    assert db_state() == before


def test_update_unknown_person_is_a_404(api, crew):
    before = db_state()

    response = api(crew.hr).patch(f"{PEOPLE}999999/", {"display_name": "X"}, format="json")

    assert_error(response, 404, "not_found")
    assert db_state() == before


# --- deactivate -------------------------------------------------------------------------------


def test_hr_deactivates_someone_who_leaves_and_their_ledger_stays(api, crew, reason):
    # given: an agent with points and a token
    agent = crew.agents[0]
    fund_budget(crew.supervisor, 100)
    award_create(giver=crew.supervisor, recipient=agent, reason=reason, points=25)
    assert sign_in(agent.username, PASSWORD) is not None
    entries = list(Entry.objects.filter(account__owner=agent).values_list("id", "amount"))
    # when
    response = api(crew.hr).post(f"{person_url(agent)}deactivate/")
    # then
    assert response.status_code == 200
    assert response.json()["is_active"] is False
    agent.refresh_from_db()
    assert agent.is_active is False
    assert sign_in(agent.username, PASSWORD) is None
    assert Account.objects.filter(owner=agent, kind=AccountKind.WALLET).exists()
    assert balance_of(user=agent) == 25
    assert list(Entry.objects.filter(account__owner=agent).values_list("id", "amount")) == entries
    # HR still sees them; their supervisor no longer does
    assert api(crew.hr).get(person_url(agent)).json()["is_active"] is False
    assert_error(api(crew.supervisor).get(person_url(agent)), 404, "not_found")


def test_a_deactivated_supervisor_stops_leading_their_teams(api, crew):
    response = api(crew.hr).post(f"{person_url(crew.supervisor)}deactivate/")

    assert response.status_code == 200
    assert response.json()["teams_led"] == []
    assert not crew.team.leaders.exists()


def test_deactivating_twice_changes_nothing_the_second_time(api, crew):
    api(crew.hr).post(f"{person_url(crew.agents[0])}deactivate/")
    before = db_state()

    response = api(crew.hr).post(f"{person_url(crew.agents[0])}deactivate/")

    assert response.status_code == 200
    assert response.json()["is_active"] is False
    assert db_state() == before


@pytest.mark.parametrize("who", ["self", "supervisor_of", "other_agent"])
def test_only_hr_deactivates_people(api, crew, who):
    target = crew.agents[0]
    actor = {"self": target, "supervisor_of": crew.supervisor, "other_agent": crew.agents[1]}[who]
    before = db_state()

    response = api(actor).post(f"{person_url(target)}deactivate/")

    assert_error(response, 403, "permission_denied")
    assert db_state() == before


@pytest.mark.parametrize("pk", ["999999", str(2**63)])
def test_deactivating_an_unknown_person_is_a_404(api, crew, pk):
    before = db_state()

    response = api(crew.hr).post(f"{PEOPLE}{pk}/deactivate/")

    assert_error(response, 404, "not_found")
    assert db_state() == before


# --- agency staff -----------------------------------------------------------------------------


def test_agency_staff_see_the_same_shapes_as_permanent_staff(api, crew):
    permanent = crew.agents[0]
    agency = AgentFactory(team=crew.team, employment_type=EmploymentType.AGENCY)

    for url in ["/api/v1/me/", PEOPLE, TEAMS, "/api/v1/awards/", "/api/v1/ledger/entries/"]:
        a = api(permanent).get(url)
        b = api(agency).get(url)
        assert a.status_code == b.status_code == 200, url
        assert shape(a.json()) == shape(b.json()), url
    assert api(agency).get("/api/v1/me/").json()["employment_type"] == "agency"


def shape(value):
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(v) for v in value[:1]]
    return type(value).__name__


# --- teams ------------------------------------------------------------------------------------


def test_everyone_reads_the_teams(api, crew):
    response = api(crew.agents[0]).get(TEAMS)

    assert response.status_code == 200
    (team,) = response.json()["results"]
    assert team["id"] == crew.team.pk
    assert team["member_count"] == 3
    assert [leader["id"] for leader in team["leaders"]] == [crew.supervisor.pk]
    assert api(crew.agents[0]).get(f"{TEAMS}{crew.team.pk}/").json()["name"] == crew.team.name


def test_hr_creates_a_team_with_leaders(api, crew):
    second = SupervisorFactory()

    response = api(crew.hr).post(
        TEAMS,
        {"name": "Asiakaspalvelu 2", "leaders": [crew.supervisor.pk, second.pk]},
        format="json",
    )

    assert response.status_code == 201, response.json()
    team = Team.objects.get(name="Asiakaspalvelu 2")
    assert set(team.leaders.all()) == {crew.supervisor, second}
    assert response.json()["member_count"] == 0


BAD_TEAM_BODIES = [
    pytest.param({}, "name", id="no-name"),
    pytest.param({"name": ""}, "name", id="blank-name"),
    pytest.param({"name": None}, "name", id="null-name"),
    pytest.param({"name": "x" * 101}, "name", id="long-name"),
    pytest.param({"name": "T", "leaders": "abc"}, "leaders", id="leaders-not-a-list"),
    pytest.param({"name": "T", "leaders": ["abc"]}, "leaders", id="leader-string"),
    pytest.param({"name": "T", "leaders": [2**63]}, "leaders", id="leader-out-of-range"),
    pytest.param({"name": "T", "leaders": [999999]}, "leaders", id="unknown-leader"),
    pytest.param({"name": "T", "leaders": [True]}, "leaders", id="leader-boolean"),
    pytest.param([{"name": "T"}], "non_field_errors", id="json-list"),
]


@pytest.mark.parametrize(("body", "field"), BAD_TEAM_BODIES)
def test_create_team_with_bad_input_is_a_400_and_writes_nothing(api, crew, body, field):
    before = db_state()

    response = api(crew.hr).post(TEAMS, body, format="json")

    error = assert_error(response, 400, "invalid")
    assert field in error["fields"], error
    assert db_state() == before


@pytest.mark.parametrize("leader", ["agent", "hr", "inactive_supervisor"])
def test_create_team_led_by_someone_who_is_not_an_active_supervisor_writes_nothing(
    api, crew, leader
):
    person = {
        "agent": crew.agents[0],
        "hr": crew.hr,
        "inactive_supervisor": SupervisorFactory(is_active=False),
    }[leader]
    before = db_state()

    response = api(crew.hr).post(
        TEAMS, {"name": "Uusi tiimi", "leaders": [crew.supervisor.pk, person.pk]}, format="json"
    )

    error = assert_error(response, 400, "invalid")
    assert "leaders" in error["fields"]
    assert db_state() == before
    assert not Team.objects.filter(name="Uusi tiimi").exists()


@pytest.mark.parametrize("name", ["same", "SAME"])
def test_create_team_with_a_taken_name_is_a_409(api, crew, name):
    TeamFactory(name="Same")
    before = db_state()

    response = api(crew.hr).post(TEAMS, {"name": name}, format="json")

    error = assert_error(response, 409, "conflict")
    assert error["extra"] == {"field": "name"}
    assert db_state() == before


@pytest.mark.parametrize("who", ["agent", "supervisor"])
def test_only_hr_creates_and_changes_teams(api, crew, who):
    actor = crew.agents[0] if who == "agent" else crew.supervisor
    before = db_state()

    created = api(actor).post(TEAMS, {"name": "Mine"}, format="json")
    changed = api(actor).patch(
        f"{TEAMS}{crew.team.pk}/", {"name": "Mine", "leaders": [crew.supervisor.pk]}, format="json"
    )

    assert_error(created, 403, "permission_denied")
    assert_error(changed, 403, "permission_denied")
    assert db_state() == before


def test_hr_renames_a_team_and_changes_its_leaders(api, crew):
    new_leader = SupervisorFactory()

    response = api(crew.hr).patch(
        f"{TEAMS}{crew.team.pk}/", {"name": "Renamed", "leaders": [new_leader.pk]}, format="json"
    )

    assert response.status_code == 200, response.json()
    crew.team.refresh_from_db()
    assert crew.team.name == "Renamed"
    assert list(crew.team.leaders.all()) == [new_leader]


def test_hr_empties_a_teams_leaders(api, crew):
    response = api(crew.hr).patch(f"{TEAMS}{crew.team.pk}/", {"leaders": []}, format="json")

    assert response.status_code == 200
    assert not crew.team.leaders.exists()
    assert crew.team.name == Team.objects.get(pk=crew.team.pk).name


BAD_TEAM_UPDATES = [
    pytest.param({"name": ""}, "name", id="blank-name"),
    pytest.param({"name": "x" * 101}, "name", id="long-name"),
    pytest.param({"leaders": [999999]}, "leaders", id="unknown-leader"),
    pytest.param({"leaders": ["abc"]}, "leaders", id="leader-string"),
    pytest.param({"leaders": [2**63]}, "leaders", id="leader-out-of-range"),
    pytest.param({"name": "Renamed", "leaders": [999999]}, "leaders", id="rename-and-bad-leader"),
    pytest.param([{"name": "T"}], "non_field_errors", id="json-list"),
]


@pytest.mark.parametrize(("body", "field"), BAD_TEAM_UPDATES)
def test_update_team_with_bad_input_is_a_400_and_writes_nothing(api, crew, body, field):
    before = db_state()

    response = api(crew.hr).patch(f"{TEAMS}{crew.team.pk}/", body, format="json")

    error = assert_error(response, 400, "invalid")
    assert field in error["fields"], error
    assert db_state() == before


def test_rename_together_with_an_agent_as_leader_writes_nothing(api, crew):
    # the rename happens before the leaders are checked: the whole update must roll back
    before = db_state()

    response = api(crew.hr).patch(
        f"{TEAMS}{crew.team.pk}/",
        {"name": "Renamed", "leaders": [crew.agents[0].pk]},
        format="json",
    )

    assert_error(response, 400, "invalid")
    assert db_state() == before


def test_rename_team_to_a_taken_name_is_a_409(api, crew):
    TeamFactory(name="Taken")
    before = db_state()

    response = api(crew.hr).patch(f"{TEAMS}{crew.team.pk}/", {"name": "taken"}, format="json")

    assert_error(response, 409, "conflict")
    assert db_state() == before


def test_update_unknown_team_is_a_404(api, crew):
    before = db_state()

    response = api(crew.hr).patch(f"{TEAMS}999999/", {"name": "X"}, format="json")

    assert_error(response, 404, "not_found")
    assert db_state() == before


def test_people_deactivated_do_not_count_as_team_members(api, crew):
    api(crew.hr).post(f"{person_url(crew.agents[0])}deactivate/")

    assert api(crew.hr).get(f"{TEAMS}{crew.team.pk}/").json()["member_count"] == 2


def test_a_new_hr_person_can_use_hr_endpoints(api, crew):
    # given: HR creates a colleague in HR
    api(crew.hr).post(PEOPLE, new_person(username="hr2", role="hr"), format="json")
    client = sign_in("hr2", NEW_PASSWORD)
    # when
    response = client.post(TEAMS, {"name": "By new HR"}, format="json")
    # then
    assert response.status_code == 201
    assert User.objects.get(username="hr2").is_hr


def test_hr_created_through_the_api_can_use_the_admin(api, crew):
    # given
    response = api(crew.hr).post(
        "/api/v1/people/",
        {
            "username": "hanna",
            "display_name": "Hanna HR",
            "role": "hr",
            "password": "a-long-secret-2026",
        },
        format="json",
    )
    assert response.status_code == 201
    client = Client()
    # when: signing in through the admin's own form
    signed_in = client.post(
        "/admin/login/?next=/admin/", {"username": "hanna", "password": "a-long-secret-2026"}
    )
    assert signed_in.status_code == 302, signed_in.content[:300]
    # then
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/ledger/budgetpolicy/").status_code == 200
    assert client.get("/admin/people/user/").status_code == 200


def test_an_agent_cannot_use_the_admin(crew):
    client = Client()
    client.force_login(crew.agents[0])
    assert client.get("/admin/").status_code == 302
