"""What /scim/v2/ refuses: anyone without the provisioning token (a session or an ordinary API
token included), and bad input, each with a SCIM error (status, scimType) and nothing written."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from people.models import User
from people.services import api_token_create
from tests.people.factories import AgentFactory, HRFactory, TeamFactory

from .scim_support import (
    GROUP,
    PATCH_OP,
    SCIM_JSON,
    TOKEN,
    USER,
    assert_scim_error,
    enable_scim,
    state,
)


@pytest.fixture
def scim(settings, db) -> Client:
    enable_scim(settings)
    return Client(headers={"Authorization": f"Bearer {TOKEN}"}, raise_request_exception=False)


def send(client: Client, method: str, url: str, body: Any = None, raw: str | None = None) -> Any:
    data = raw if raw is not None else (json.dumps(body) if body is not None else "")
    return client.generic(method, url, data=data, content_type=SCIM_JSON)


def user_body(user_name: str, **more: Any) -> dict[str, Any]:
    return {"schemas": [USER], "userName": user_name, "active": True, **more}


# --- who may call -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("GET", "/scim/v2/Users"),
        ("POST", "/scim/v2/Users"),
        ("PATCH", "/scim/v2/Users/1"),
        ("DELETE", "/scim/v2/Groups/1"),
        ("GET", "/scim/v2/ServiceProviderConfig"),
    ],
)
def test_without_the_token_is_401_and_writes_nothing(settings, db, method, url) -> None:
    # given an HR person signed in with a session, and an agent with an API token
    enable_scim(settings)
    hr, agent = HRFactory(), AgentFactory()
    session = Client(raise_request_exception=False)
    session.force_login(hr)
    ordinary_token = api_token_create(user=agent).key
    before = state()
    callers = {
        "nobody": Client(raise_request_exception=False),
        "a session": session,
        "a user's API token": Client(headers={"Authorization": f"Token {ordinary_token}"}),
        "a user's token as bearer": Client(headers={"Authorization": f"Bearer {ordinary_token}"}),
        "a wrong token": Client(headers={"Authorization": f"Bearer {TOKEN}x"}),
        "the token as Basic": Client(headers={"Authorization": f"Basic {TOKEN}"}),
    }
    for who, client in callers.items():
        # when
        response = send(client, method, url, user_body("intruder"))
        # then
        assert response.status_code == 401, who
        assert_scim_error(response, 401)
        assert response["WWW-Authenticate"].startswith("Bearer")
    assert state() == before


def test_scim_is_off_without_a_configured_token(settings, db) -> None:
    # given no token configured
    settings.SCIM_TOKEN_SHA256 = ""
    before = state()
    client = Client(headers={"Authorization": f"Bearer {TOKEN}"})
    # when / then: every address is not found
    for method, url in (("GET", "/scim/v2/Users"), ("POST", "/scim/v2/Users")):
        assert_scim_error(send(client, method, url, user_body("x")), 404)
    assert state() == before


def test_repeated_wrong_tokens_are_throttled(settings, db) -> None:
    # given
    enable_scim(settings)
    settings.SCIM_AUTH_FAILURES_PER_MINUTE = 3
    wrong = Client(headers={"Authorization": "Bearer guess"})
    for _ in range(3):
        assert send(wrong, "GET", "/scim/v2/Users").status_code == 401
    # when the next one comes, even with the right token, from the same address
    right = Client(headers={"Authorization": f"Bearer {TOKEN}"})
    response = send(right, "GET", "/scim/v2/Users")
    # then
    assert_scim_error(response, 429)
    assert response["Retry-After"] == "60"


# --- bad input ------------------------------------------------------------------------------


def test_a_taken_user_name_or_id_is_409_uniqueness(scim: Client) -> None:
    # given
    taken = AgentFactory(username="anna", employee_id="E-1")
    taken.sso_subject = "okta-1"
    taken.save(update_fields=["sso_subject"])
    other = AgentFactory(username="onni")
    before = state()
    enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    attempts = [
        ("POST", "/scim/v2/Users", user_body("ANNA")),
        ("POST", "/scim/v2/Users", user_body("new", externalId="okta-1")),
        ("POST", "/scim/v2/Users", user_body("new", **{enterprise: {"employeeNumber": "E-1"}})),
        ("PUT", f"/scim/v2/Users/{other.pk}", user_body("anna")),
        (
            "PATCH",
            f"/scim/v2/Users/{other.pk}",
            {
                "schemas": [PATCH_OP],
                "Operations": [
                    {"op": "Replace", "path": "displayName", "value": "Renamed"},
                    {"op": "Replace", "path": f"{enterprise}:employeeNumber", "value": "E-1"},
                ],
            },
        ),
    ]
    for method, url, body in attempts:
        # when / then
        assert_scim_error(send(scim, method, url, body), 409, "uniqueness")
    assert state() == before


def test_a_taken_team_name_is_409_uniqueness(scim: Client) -> None:
    # given
    TeamFactory(name="Sales")
    team = TeamFactory(name="Support")
    before = state()
    # when / then
    assert_scim_error(
        send(scim, "POST", "/scim/v2/Groups", {"schemas": [GROUP], "displayName": "sales"}),
        409,
        "uniqueness",
    )
    patch = {
        "schemas": [PATCH_OP],
        "Operations": [{"op": "Replace", "path": "displayName", "value": "SALES"}],
    }
    assert_scim_error(send(scim, "PATCH", f"/scim/v2/Groups/{team.pk}", patch), 409, "uniqueness")
    assert state() == before


def _patch(*operations: Any) -> dict[str, Any]:
    return {"schemas": [PATCH_OP], "Operations": list(operations)}


BAD_USER_REQUESTS = {
    "no userName": ("POST", "/scim/v2/Users", {"schemas": [USER], "active": True}),
    "blank userName": ("POST", "/scim/v2/Users", user_body("  ")),
    "userName not a string": ("POST", "/scim/v2/Users", user_body(42)),
    "userName too long": ("POST", "/scim/v2/Users", user_body("a" * 151)),
    "userName with spaces": ("POST", "/scim/v2/Users", user_body("anna virtanen")),
    "bad e-mail": ("POST", "/scim/v2/Users", user_body("x", emails=[{"value": "not-mail"}])),
    "emails not objects": ("POST", "/scim/v2/Users", user_body("x", emails=["a@b.fi"])),
    "active neither true nor false": ("POST", "/scim/v2/Users", user_body("x", active="maybe")),
    "body a list": ("POST", "/scim/v2/Users", [user_body("x")]),
    "patch without operations": ("PATCH", "/scim/v2/Users/{pk}", {"schemas": [PATCH_OP]}),
    "unknown op": ("PATCH", "/scim/v2/Users/{pk}", _patch({"op": "Move", "path": "userName"})),
    "remove without path": ("PATCH", "/scim/v2/Users/{pk}", _patch({"op": "remove"})),
    "remove userName": (
        "PATCH",
        "/scim/v2/Users/{pk}",
        _patch({"op": "remove", "path": "userName"}),
    ),
    "active string maybe": (
        "PATCH",
        "/scim/v2/Users/{pk}",
        _patch({"op": "Replace", "path": "active", "value": "maybe"}),
    ),
    "no path and a non-object": (
        "PATCH",
        "/scim/v2/Users/{pk}",
        _patch({"op": "replace", "value": "x"}),
    ),
    "filter on an unknown attribute": ("GET", '/scim/v2/Users?filter=title eq "boss"', None),
    "filter not SCIM": ("GET", "/scim/v2/Users?filter=userName = 'x'", None),
    "filter with a wrong type": ("GET", '/scim/v2/Users?filter=active eq "maybe"', None),
    "startIndex zero": ("GET", "/scim/v2/Users?startIndex=0", None),
    "count not a number": ("GET", "/scim/v2/Users?count=many", None),
}


@pytest.mark.parametrize("case", BAD_USER_REQUESTS)
def test_bad_user_requests_are_400_and_write_nothing(scim: Client, case: str) -> None:
    # given
    agent = AgentFactory()
    method, url, body = BAD_USER_REQUESTS[case]
    before = state()
    # when
    response = send(scim, method, url.format(pk=agent.pk), body)
    # then
    assert_scim_error(response, 400)
    assert state() == before


BAD_GROUP_REQUESTS = {
    "no displayName": ("POST", "/scim/v2/Groups", {"schemas": [GROUP]}),
    "displayName too long": ("POST", "/scim/v2/Groups", {"displayName": "x" * 101}),
    "unknown member": (
        "POST",
        "/scim/v2/Groups",
        {"displayName": "T", "members": [{"value": "999999"}]},
    ),
    "member id not a number": (
        "PATCH",
        "/scim/v2/Groups/{pk}",
        _patch({"op": "Add", "path": "members", "value": [{"value": "abc"}]}),
    ),
    "members not objects": (
        "PATCH",
        "/scim/v2/Groups/{pk}",
        _patch({"op": "Add", "path": "members", "value": ["1"]}),
    ),
    "unknown path": (
        "PATCH",
        "/scim/v2/Groups/{pk}",
        _patch({"op": "Replace", "path": "owner", "value": "x"}),
    ),
    "remove displayName": (
        "PATCH",
        "/scim/v2/Groups/{pk}",
        _patch({"op": "Remove", "path": "displayName"}),
    ),
}


@pytest.mark.parametrize("case", BAD_GROUP_REQUESTS)
def test_bad_group_requests_are_400_and_write_nothing(scim: Client, case: str) -> None:
    # given
    team = TeamFactory()
    AgentFactory(team=team)
    method, url, body = BAD_GROUP_REQUESTS[case]
    before = state()
    # when
    response = send(scim, method, url.format(pk=team.pk), body)
    # then
    assert_scim_error(response, 400)
    assert state() == before


@pytest.mark.parametrize("resource", ["Users", "Groups"])
@pytest.mark.parametrize("ident", ["999999", "abc", "1.5", "9" * 40, "%00"])
@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
def test_an_unknown_id_is_404_and_writes_nothing(scim: Client, resource, ident, method) -> None:
    # given
    before = state()
    body = _patch({"op": "replace", "value": {"active": False}}) if method == "PATCH" else None
    if method == "PUT":
        body = {"userName": "x", "displayName": "x"}
    # when
    response = send(scim, method, f"/scim/v2/{resource}/{ident}", body)
    # then
    assert_scim_error(response, 404)
    assert state() == before


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("{not json", 400),
        ("[" * 5000 + "]" * 5000, 400),
        ('{"userName": "' + "x" * 1_100_000 + '"}', 413),
        ("\xff\xfe", 400),
    ],
    ids=["malformed", "too deep", "too large", "not utf-8"],
)
def test_unreadable_bodies_are_refused(scim: Client, raw: str, status: int) -> None:
    # given
    before = state()
    # when
    response = send(scim, "POST", "/scim/v2/Users", raw=raw)
    # then
    assert_scim_error(response, status)
    assert state() == before


def test_post_to_an_id_and_put_to_the_collection_are_405(scim: Client) -> None:
    agent = AgentFactory()
    before = state()
    assert_scim_error(send(scim, "POST", f"/scim/v2/Users/{agent.pk}", user_body("x")), 405)
    assert_scim_error(send(scim, "PUT", "/scim/v2/Users", user_body("x")), 405)
    assert state() == before


def test_a_refused_patch_changes_nothing_of_what_came_before_it(scim: Client) -> None:
    """Operations apply together or not at all."""
    # given
    agent = AgentFactory(display_name="Before")
    before = state()
    # when: a good operation, then a bad one
    response = send(
        scim,
        "PATCH",
        f"/scim/v2/Users/{agent.pk}",
        _patch(
            {"op": "Replace", "path": "displayName", "value": "After"},
            {"op": "Replace", "path": "active", "value": "perhaps"},
        ),
    )
    # then
    assert_scim_error(response, 400, "invalidValue")
    assert User.objects.get(pk=agent.pk).display_name == "Before"
    assert state() == before


def test_scim_token_command_prints_a_token_that_the_printed_hash_accepts(settings, db) -> None:
    # given
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("scim_token", stdout=out)
    lines = out.getvalue().splitlines()
    token = lines[0].rsplit(" ", 1)[1]
    settings.SCIM_TOKEN_SHA256 = lines[1].split("=", 1)[1]
    # when
    response = Client(headers={"Authorization": f"Bearer {token}"}).get("/scim/v2/Users")
    # then
    assert response.status_code == 200
    assert response.json()["totalResults"] == 0


def test_removing_an_empty_list_of_members_removes_nobody(scim: Client) -> None:
    # given
    team = TeamFactory()
    member = AgentFactory(team=team)
    # when
    response = send(
        scim,
        "PATCH",
        f"/scim/v2/Groups/{team.pk}",
        _patch({"op": "Remove", "path": "members", "value": []}),
    )
    # then
    assert response.status_code == 200
    assert list(team.members.all()) == [member]
    # and a remove with no value at all empties the team (RFC 7644 3.5.2.2)
    send(scim, "PATCH", f"/scim/v2/Groups/{team.pk}", _patch({"op": "Remove", "path": "members"}))
    assert not team.members.exists()
