"""People from another system's history, added in bulk with the teams they need."""

from __future__ import annotations

import pytest
from django.db import IntegrityError

from core.errors import InvalidInputError
from people.models import EmploymentType, Role, Team, User
from people.selectors import people_by_username
from people.services import ImportedPerson, people_import, team_leaders_add
from tests.api_support import db_state
from tests.people.factories import AgentFactory, SupervisorFactory, TeamFactory

pytestmark = pytest.mark.django_db


def _person(username: str, team: str = "", role: str = Role.AGENT) -> ImportedPerson:
    return ImportedPerson(
        username=username,
        display_name=username.title(),
        role=role,
        employment_type=EmploymentType.AGENCY,
        team=team,
    )


def test_people_are_added_without_a_usable_password_with_the_teams_they_need():
    # given: a team "Chat" exists
    chat = TeamFactory(name="Chat")
    # when
    imported = people_import(
        people=[
            _person("aino", "chat"),
            _person("eero", "Phone"),
            _person("ilkka", "phone"),
            _person("sanna", role=Role.SUPERVISOR),
        ]
    )
    # then: in the order given; teams matched case-insensitively, the missing one created once
    assert [u.username for u in imported.people] == ["aino", "eero", "ilkka", "sanna"]
    assert imported.teams_created == 1
    people = {u.username: User.objects.get(pk=u.pk) for u in imported.people}
    assert people["aino"].team == chat
    assert people["eero"].team == people["ilkka"].team == Team.objects.get(name="phone")
    assert people["sanna"].team is None and people["sanna"].role == Role.SUPERVISOR
    assert all(
        not u.has_usable_password() and u.employment_type == EmploymentType.AGENCY
        for u in people.values()
    )


def test_a_taken_username_is_refused_and_nothing_is_written():
    AgentFactory(username="aino")
    before = db_state()
    with pytest.raises(IntegrityError):
        people_import(people=[_person("eero", "New team"), _person("aino")])
    assert db_state() == before


def test_an_unknown_role_is_refused_and_nothing_is_written():
    before = db_state()
    with pytest.raises(InvalidInputError):
        people_import(people=[_person("eero", "New team"), _person("aino", role="boss")])
    assert db_state() == before


def test_team_leaders_are_added_next_to_the_current_ones():
    team, other = TeamFactory(), TeamFactory()
    current, new = SupervisorFactory(), SupervisorFactory()
    team.leaders.add(current)
    leads = [(new, team), (new, other), (new, team)]
    team_leaders_add(leads=leads)
    assert set(team.leaders.all()) == {current, new}
    assert set(other.leaders.all()) == {new}


def test_only_active_supervisors_can_lead_and_nothing_is_written():
    team = TeamFactory()
    leads = [(SupervisorFactory(), team), (AgentFactory(username="not-a-boss"), team)]
    before = db_state()
    with pytest.raises(InvalidInputError) as info:
        team_leaders_add(leads=leads)
    assert "not-a-boss" in str(info.value.fields)
    assert db_state() == before


def test_people_are_found_by_username_whatever_the_case():
    aino = AgentFactory(username="Aino.Virtanen")
    assert people_by_username(usernames=["aino.virtanen", "AINO.VIRTANEN", "nobody"]) == {
        "aino.virtanen": aino
    }
