"""SCIM 2.0 provisioning over real HTTP against a live server, with the request bodies Entra ID
and Okta send (Microsoft's "Develop a SCIM endpoint" and Okta's "SCIM 2.0 protocol" references):
create, read, filter, change, deactivate and reactivate people; create, fill, empty, rename and
delete teams; the discovery endpoints."""

from __future__ import annotations

import pytest
import requests
from knox.models import AuthToken

from audit.models import AuditAction, AuditEvent
from people.models import Role, Team, User
from people.services import api_token_create
from tests.people.factories import PASSWORD, AgentFactory, TeamFactory

from .scim_support import ENTERPRISE, GROUP, USER, Scim, enable_scim

pytestmark = pytest.mark.usefixtures("transactional_db")


@pytest.fixture
def scim(settings, live_server) -> Scim:
    enable_scim(settings)
    return Scim(base=f"{live_server.url}/scim/v2")


def entra_user(user_name: str, **more) -> dict:
    """The body Entra ID posts to create a user (its enterprise extension included)."""
    return {
        "schemas": [USER, ENTERPRISE],
        "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        "userName": user_name,
        "active": True,
        "emails": [{"primary": True, "type": "work", "value": "anna.virtanen@example.com"}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "Anna Virtanen", "familyName": "Virtanen", "givenName": "Anna"},
        "roles": [],
        ENTERPRISE: {"employeeNumber": "E-1001", "department": "Sales"},
        **more,
    }


def okta_user(user_name: str) -> dict:
    """The body Okta posts to create a user."""
    return {
        "schemas": [USER],
        "userName": user_name,
        "name": {"givenName": "Onni", "familyName": "Okkonen"},
        "emails": [{"primary": True, "value": user_name, "type": "work"}],
        "displayName": "Onni Okkonen",
        "locale": "en-US",
        "externalId": "00ujl29u0le5T6Aj10h7",
        "groups": [],
        "password": "1mz050nq",
        "active": True,
    }


def sign_in(scim: Scim, username: str) -> int:
    """Ask the real sign-in endpoint for an API token: its status."""
    url = scim.base.removesuffix("/scim/v2") + "/api/v1/auth/token/"
    return requests.post(
        url, json={"username": username, "password": PASSWORD}, timeout=30
    ).status_code


def scim_audit(subject: User | Team) -> list[str]:
    events = AuditEvent.objects.filter(subject_id=str(subject.pk), actor=None).order_by("at", "pk")
    return [event.action for event in events if event.details.get("via") == "scim"]


def test_discovery_describes_what_is_served(scim: Scim) -> None:
    config = scim.get("/ServiceProviderConfig")
    assert config.status_code == 200
    assert config.headers["Content-Type"].startswith("application/scim+json")
    body = config.json()
    assert body["patch"]["supported"] is True
    assert body["filter"]["supported"] is True
    assert body["bulk"]["supported"] is False
    assert body["authenticationSchemes"][0]["type"] == "oauthbearertoken"

    types = {t["id"]: t for t in scim.get("/ResourceTypes").json()["Resources"]}
    assert types["User"]["endpoint"] == "/Users"
    assert types["User"]["schemaExtensions"] == [{"schema": ENTERPRISE, "required": False}]
    assert types["Group"]["endpoint"] == "/Groups"
    assert scim.get("/ResourceTypes/User").json()["id"] == "User"

    schemas = {s["id"] for s in scim.get("/Schemas").json()["Resources"]}
    assert {USER, GROUP, ENTERPRISE} <= schemas
    assert scim.get(f"/Schemas/{USER}").json()["id"] == USER


def test_entra_id_creates_finds_changes_deactivates_and_reactivates_a_person(scim: Scim) -> None:
    # given Entra ID checks that nobody has the user name yet
    found = scim.get("/Users", params={"filter": 'userName eq "anna.virtanen@example.com"'})
    assert found.status_code == 200
    assert found.json()["totalResults"] == 0

    # when it creates the person
    created = scim.post("/Users", entra_user("anna.virtanen@example.com"))

    # then an agent with no password exists, mapped field by field
    assert created.status_code == 201, created.text
    body = created.json()
    person = User.objects.get(pk=int(body["id"]))
    assert created.headers["Location"] == f"{scim.base}/Users/{person.pk}"
    assert (person.username, person.email, person.employee_id, person.sso_subject) == (
        "anna.virtanen@example.com",
        "anna.virtanen@example.com",
        "E-1001",
        "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
    )
    assert (person.first_name, person.last_name, person.display_name) == (
        "Anna",
        "Virtanen",
        "Anna Virtanen",
    )
    assert person.role == Role.AGENT and person.is_active and not person.has_usable_password()
    assert body["userName"] == "anna.virtanen@example.com"
    assert body[ENTERPRISE] == {"employeeNumber": "E-1001"}
    assert body["meta"]["location"] == created.headers["Location"]

    # and Entra ID finds it again by user name (any case) and by its own id
    for query in (
        'userName eq "Anna.Virtanen@example.com"',
        'externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"',
        f'{ENTERPRISE}:employeeNumber eq "E-1001"',
    ):
        listed = scim.get("/Users", params={"filter": query}).json()
        assert listed["totalResults"] == 1, query
        assert listed["Resources"][0]["id"] == str(person.pk)
    assert scim.get(f"/Users/{person.pk}").json()["displayName"] == "Anna Virtanen"

    # when it changes the name, the work e-mail and the employee number (its PATCH shape)
    changed = scim.patch(
        f"/Users/{person.pk}",
        {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "anna.k@example.com"},
        {"op": "Replace", "path": "name.familyName", "value": "Korhonen"},
        {"op": "Replace", "path": "displayName", "value": "Anna Korhonen"},
        {"op": "Add", "path": f"{ENTERPRISE}:employeeNumber", "value": "E-2002"},
        {"op": "Replace", "path": f"{ENTERPRISE}:manager", "value": {"value": "123"}},
    )

    # then the fields change and the audit trail says SCIM did it
    assert changed.status_code == 200, changed.text
    person.refresh_from_db()
    assert (person.email, person.last_name, person.display_name, person.employee_id) == (
        "anna.k@example.com",
        "Korhonen",
        "Anna Korhonen",
        "E-2002",
    )
    assert changed.json()["emails"] == [{"value": "anna.k@example.com", "type": "work"}]

    # given the person has signed in (HR set a password) and holds an API token
    person.set_password(PASSWORD)
    person.save(update_fields=["password"])
    api_token_create(user=person)

    # when Entra ID disables them, with its "False" as a string and a capitalised op
    disabled = scim.patch(
        f"/Users/{person.pk}", {"op": "Replace", "path": "active", "value": "False"}
    )

    # then they can no longer sign in and their token is gone; the person stays
    assert disabled.status_code == 200, disabled.text
    assert disabled.json()["active"] is False
    person.refresh_from_db()
    assert not person.is_active
    assert not AuthToken.objects.filter(user=person).exists()
    assert sign_in(scim, person.username) == 400
    filtered = scim.get("/Users", params={"filter": 'userName eq "anna.virtanen@example.com"'})
    assert filtered.json()["Resources"][0]["active"] is False

    # when it enables them again
    enabled = scim.patch(
        f"/Users/{person.pk}", {"op": "Replace", "path": "active", "value": "True"}
    )

    # then they may sign in again
    assert enabled.status_code == 200
    person.refresh_from_db()
    assert person.is_active
    assert sign_in(scim, person.username) == 200
    assert scim_audit(person) == [
        AuditAction.PEOPLE_CREATED,
        AuditAction.PEOPLE_UPDATED,
        AuditAction.PEOPLE_DEACTIVATED,
        AuditAction.PEOPLE_ACTIVATED,
    ]


def test_okta_creates_replaces_and_deactivates_a_person(scim: Scim) -> None:
    # given Okta creates a person (it sends a password: ignored, people here sign in by SSO)
    created = scim.post("/Users", okta_user("onni@example.com"))
    assert created.status_code == 201, created.text
    person = User.objects.get(pk=int(created.json()["id"]))
    assert person.preferred_language == "en"
    assert not person.has_usable_password()

    # when Okta replaces the whole resource (PUT), with a new user name and family name
    replaced = created.json() | {
        "userName": "onni.o@example.com",
        "name": {"givenName": "Onni", "familyName": "Oksanen"},
    }
    put = scim.put(f"/Users/{person.pk}", replaced)

    # then the new values are there
    assert put.status_code == 200, put.text
    person.refresh_from_db()
    assert (person.username, person.last_name, person.sso_subject) == (
        "onni.o@example.com",
        "Oksanen",
        "00ujl29u0le5T6Aj10h7",
    )

    # when Okta deactivates with its path-less PATCH
    off = scim.patch(f"/Users/{person.pk}", {"op": "replace", "value": {"active": False}})

    # then the person is inactive
    assert off.status_code == 200, off.text
    person.refresh_from_db()
    assert not person.is_active


def test_delete_deactivates_and_keeps_the_person(scim: Scim) -> None:
    # given
    agent = AgentFactory()
    api_token_create(user=agent)
    # when
    response = scim.delete(f"/Users/{agent.pk}")
    # then
    assert response.status_code == 204
    agent.refresh_from_db()
    assert not agent.is_active
    assert not AuthToken.objects.filter(user=agent).exists()
    assert scim.get(f"/Users/{agent.pk}").json()["active"] is False
    assert scim_audit(agent) == [AuditAction.PEOPLE_DEACTIVATED]


def test_entra_id_creates_fills_empties_renames_and_deletes_a_team(scim: Scim) -> None:
    # given two people, one already in another team
    old_team = TeamFactory(name="Old team")
    anna = AgentFactory(team=old_team)
    onni = AgentFactory(team=None)

    # when Entra ID creates a group (its shape)
    created = scim.post(
        "/Groups",
        {
            "schemas": [
                GROUP,
                "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group",
            ],
            "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
            "displayName": "Asiakaspalvelu",
            "meta": {"resourceType": "Group"},
        },
    )

    # then a team with that name exists
    assert created.status_code == 201, created.text
    team = Team.objects.get(pk=int(created.json()["id"]))
    assert team.name == "Asiakaspalvelu"
    assert created.json()["members"] == []

    # when it adds both as members
    added = scim.patch(
        f"/Groups/{team.pk}",
        {"op": "Add", "path": "members", "value": [{"$ref": None, "value": str(anna.pk)}]},
        {"op": "Add", "path": "members", "value": [{"$ref": None, "value": str(onni.pk)}]},
    )

    # then both are in the team (Anna moved from her old one: one team each)
    assert added.status_code == 200, added.text
    assert {m["value"] for m in added.json()["members"]} == {str(anna.pk), str(onni.pk)}
    assert set(team.members.all()) == {anna, onni}
    assert scim.get(f"/Users/{anna.pk}").json()["groups"][0]["display"] == "Asiakaspalvelu"

    # and Entra ID's membership check finds Anna, without listing the members
    check = scim.get(
        "/Groups",
        params={
            "filter": f'id eq "{team.pk}" and members eq "{anna.pk}"',
            "excludedAttributes": "members",
        },
    ).json()
    assert check["totalResults"] == 1
    assert "members" not in check["Resources"][0]
    found = scim.get("/Groups", params={"filter": 'displayName eq "Asiakaspalvelu"'}).json()
    assert [g["id"] for g in found["Resources"]] == [str(team.pk)]

    # when it removes Onni and renames the group
    removed = scim.patch(
        f"/Groups/{team.pk}",
        {"op": "Remove", "path": "members", "value": [{"$ref": None, "value": str(onni.pk)}]},
        {"op": "Replace", "path": "displayName", "value": "Customer care"},
    )

    # then
    assert removed.status_code == 200, removed.text
    team.refresh_from_db()
    onni.refresh_from_db()
    assert team.name == "Customer care"
    assert onni.team is None
    assert list(team.members.all()) == [anna]

    # when it deletes the group while Anna is still in it
    deleted = scim.delete(f"/Groups/{team.pk}")

    # then the team is gone, Anna stays, in no team
    assert deleted.status_code == 204
    assert not Team.objects.filter(pk=team.pk).exists()
    anna.refresh_from_db()
    assert anna.is_active and anna.team is None
    assert scim.get(f"/Groups/{team.pk}").status_code == 404
    assert AuditEvent.objects.filter(
        action=AuditAction.TEAM_CHANGED, subject_id=str(team.pk), details__deleted=True
    ).exists()
    assert scim_audit(anna) == [AuditAction.PEOPLE_TEAM_CHANGED, AuditAction.PEOPLE_TEAM_CHANGED]


def test_okta_pushes_a_group_and_removes_one_member(scim: Scim) -> None:
    # given
    people = [AgentFactory(team=None) for _ in range(3)]
    created = scim.post(
        "/Groups",
        {
            "schemas": [GROUP],
            "displayName": "Okta team",
            "members": [{"value": str(p.pk), "display": p.name} for p in people[:2]],
        },
    )
    assert created.status_code == 201, created.text
    team_id = created.json()["id"]

    # when Okta replaces the group (PUT) with the second and third person
    put = scim.put(
        f"/Groups/{team_id}",
        {
            "schemas": [GROUP],
            "id": team_id,
            "displayName": "Okta team",
            "members": [{"value": str(p.pk)} for p in people[1:]],
        },
    )
    assert put.status_code == 200, put.text
    assert {m["value"] for m in put.json()["members"]} == {str(p.pk) for p in people[1:]}

    # and removes one by its filter path, then renames with a path-less replace
    removed = scim.patch(
        f"/Groups/{team_id}",
        {"op": "remove", "path": f'members[value eq "{people[1].pk}"]'},
        {"op": "replace", "value": {"id": team_id, "displayName": "Okta team 2"}},
    )

    # then
    assert removed.status_code == 200, removed.text
    team = Team.objects.get(pk=int(team_id))
    assert team.name == "Okta team 2"
    assert list(team.members.all()) == [people[2]]
    assert User.objects.get(pk=people[0].pk).team is None


def test_lists_are_paged(scim: Scim) -> None:
    # given
    for _ in range(3):
        AgentFactory()
    # when
    page = scim.get("/Users", params={"startIndex": 2, "count": 2}).json()
    # then
    assert page["totalResults"] == User.objects.count() == 3
    assert page["startIndex"] == 2 and page["itemsPerPage"] == 2
    assert [r["id"] for r in page["Resources"]] == [
        str(pk) for pk in User.objects.order_by("pk").values_list("pk", flat=True)[1:3]
    ]
