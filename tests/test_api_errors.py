"""The API's edges: authentication (session-less token flow), the error format, the schema and
the vendored interactive docs."""

from __future__ import annotations

import re

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.urls import URLResolver, get_resolver
from knox.models import AuthToken
from rest_framework.test import APIClient
from rest_framework.throttling import AnonRateThrottle

from ledger.models import Account, AccountKind, Entry
from ledger.selectors import balance_of
from ledger.services import award_create
from people.services import person_deactivate
from tests.api_support import assert_error, db_state, isolate_throttle_cache
from tests.conftest import fund_budget
from tests.people.factories import PASSWORD

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"


@pytest.fixture(autouse=True)
def _own_throttle_cache(monkeypatch):
    isolate_throttle_cache(monkeypatch)


def token_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def obtain_token(username: str, password: str):
    return APIClient().post(TOKEN_URL, {"username": username, "password": password}, format="json")


# Every endpoint, with a body that would be valid enough to get past parsing.
ENDPOINTS = [
    ("get", "/api/v1/me/"),
    ("get", "/api/v1/roster/imports/"),
    ("post", "/api/v1/roster/imports/"),
    ("get", "/api/v1/roster/imports/1/"),
    ("post", "/api/v1/roster/imports/1/apply/"),
    ("get", "/api/v1/people/"),
    ("post", "/api/v1/people/"),
    ("get", "/api/v1/people/1/"),
    ("patch", "/api/v1/people/1/"),
    ("post", "/api/v1/people/1/deactivate/"),
    ("get", "/api/v1/teams/"),
    ("post", "/api/v1/teams/"),
    ("patch", "/api/v1/teams/1/"),
    ("get", "/api/v1/awards/"),
    ("post", "/api/v1/awards/"),
    ("get", "/api/v1/awards/1/"),
    ("get", "/api/v1/award-reasons/"),
    ("post", "/api/v1/award-reasons/"),
    ("patch", "/api/v1/award-reasons/1/"),
    ("get", "/api/v1/thanks/"),
    ("post", "/api/v1/thanks/"),
    ("get", "/api/v1/thanks/1/"),
    ("post", "/api/v1/thanks/1/react/"),
    ("post", "/api/v1/thanks/1/award/"),
    ("get", "/api/v1/thanks/for-my-team/"),
    ("get", "/api/v1/budgets/"),
    ("post", "/api/v1/budgets/"),
    ("get", "/api/v1/budgets/1/"),
    ("get", "/api/v1/ledger/entries/"),
    ("post", "/api/v1/ledger/transactions/1/reverse/"),
    ("get", "/api/v1/rewards/"),
    ("post", "/api/v1/rewards/"),
    ("get", "/api/v1/rewards/1/"),
    ("patch", "/api/v1/rewards/1/"),
    ("post", "/api/v1/rewards/1/restock/"),
    ("post", "/api/v1/rewards/1/deactivate/"),
    ("post", "/api/v1/rewards/1/quote/"),
    ("get", "/api/v1/redemptions/"),
    ("post", "/api/v1/redemptions/"),
    ("get", "/api/v1/redemptions/1/"),
    ("post", "/api/v1/redemptions/1/cancel/"),
    ("post", "/api/v1/redemptions/1/approve/"),
    ("post", "/api/v1/redemptions/1/reject/"),
    ("post", "/api/v1/redemptions/1/fulfil/"),
    ("get", "/api/v1/goal/"),
    ("put", "/api/v1/goal/"),
    ("delete", "/api/v1/goal/"),
    ("get", "/api/v1/wishes/"),
    ("post", "/api/v1/wishes/"),
    ("get", "/api/v1/wishes/1/"),
    ("patch", "/api/v1/wishes/1/"),
    ("delete", "/api/v1/wishes/1/"),
    ("post", "/api/v1/rewards/1/activate/"),
    ("get", "/api/v1/notifications/"),
    ("post", "/api/v1/notifications/read/"),
    ("get", "/api/v1/rewards/1/price-history/"),
    ("get", "/api/v1/rewards/1/price-ticks/"),
    ("get", "/api/v1/pricing/parameters/"),
    ("post", "/api/v1/pricing/parameters/"),
    ("patch", "/api/v1/pricing/parameters/"),
    ("get", "/api/v1/pricing/parameters/versions/"),
    ("post", "/api/v1/pricing/preview/"),
    ("get", "/api/v1/pricing/ticks/"),
    ("get", "/api/v1/pricing/ticks/1/"),
    ("get", "/api/v1/pricing/ticks/1/lines/"),
    ("get", "/api/v1/pricing/sales/"),
    ("post", "/api/v1/pricing/sales/"),
    ("get", "/api/v1/pricing/sales/1/"),
    ("delete", "/api/v1/pricing/sales/1/"),
    ("get", "/api/v1/drawings/"),
    ("post", "/api/v1/drawings/"),
    ("get", "/api/v1/drawings/1/"),
    ("post", "/api/v1/drawings/1/bid/"),
    ("delete", "/api/v1/drawings/1/bid/"),
    ("post", "/api/v1/drawings/1/entry/"),
    ("get", "/api/v1/drawings/1/results/"),
    ("post", "/api/v1/drawings/1/close/"),
    ("get", "/api/v1/audit/"),
    ("get", "/api/v1/audit/1/"),
    ("get", "/api/v1/insights/segments/"),
    ("get", "/api/v1/insights/economy/"),
    ("get", "/api/v1/insights/fairness/"),
    ("post", "/api/v1/insights/recompute/"),
    ("post", "/api/v1/imports/history/"),
    ("get", "/api/v1/integrity/flags/"),
    ("get", "/api/v1/integrity/flags/1/"),
    ("post", "/api/v1/integrity/flags/1/dismiss/"),
    ("post", "/api/v1/integrity/flags/1/reverse/"),
    ("post", "/api/v1/auth/logout/"),
    ("post", "/api/v1/auth/logout-all/"),
    ("get", "/api/v1/auth/tokens/"),
    ("delete", "/api/v1/auth/tokens/1/"),
    ("get", "/api/v1/leavers/"),
    ("get", "/api/v1/leavers/policy/"),
    ("put", "/api/v1/leavers/policy/"),
    ("post", "/api/v1/leavers/1/settle/"),
    ("get", "/api/v1/chat-channels/"),
    ("post", "/api/v1/chat-channels/"),
    ("get", "/api/v1/chat-channels/1/"),
    ("patch", "/api/v1/chat-channels/1/"),
    ("delete", "/api/v1/chat-channels/1/"),
    ("post", "/api/v1/chat-channels/1/test/"),
]
# Open on purpose: signing in, and (for people signed in) the API's description.
UNLISTED = {"/api/v1/auth/token/", "/api/v1/schema/", "/api/v1/docs/"}
BODIES = {
    "/api/v1/awards/": {"recipient": 1, "reason": "customer-feedback", "points": 10},
    "/api/v1/people/": {"username": "x", "display_name": "X", "password": "a-long-passphrase"},
    "/api/v1/teams/": {"name": "New team"},
    "/api/v1/budgets/": {"supervisor": 1, "amount": 100},
    "/api/v1/ledger/transactions/1/reverse/": {"reason": "mistake"},
    "/api/v1/rewards/": {"name_fi": "X", "name_en": "X", "base_price": 10},
    "/api/v1/rewards/1/restock/": {"quantity": 1},
    "/api/v1/redemptions/": {"quote": 1},
    "/api/v1/redemptions/1/reject/": {"reason": "no"},
    "/api/v1/goal/": {"reward": 1},
    "/api/v1/wishes/": {"reward": 1},
    "/api/v1/integrity/flags/1/dismiss/": {"note": "fine"},
    "/api/v1/integrity/flags/1/reverse/": {"award_ids": [1], "note": "collusion"},
    "/api/v1/leavers/policy/": {"mode": "lapse", "grace_days": 0},
    "/api/v1/chat-channels/": {
        "team": 1,
        "kind": "slack",
        "name": "#x",
        "webhook_url": "https://8.8.8.8/hook",
    },
    "/api/v1/thanks/": {"recipient": 1, "reason": "customer-feedback", "message": "Kiitos!"},
    "/api/v1/thanks/1/react/": {"emoji": "clap"},
    "/api/v1/thanks/1/award/": {"points": 10},
}


# --- authentication ---------------------------------------------------------------------------


def api_routes() -> set[str]:
    """Every route under /api/v1/, as an address with 1 for each id."""

    def walk(patterns, prefix: str):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route)
            else:
                yield route

    routes = set()
    for route in walk(get_resolver().url_patterns, "/"):
        route = re.sub(
            r"<(?:\w+:)?\w+>|\(\?P<\w+>[^)]*\)", "1", route.replace("^", "").replace("$", "")
        )
        if route.startswith("/api/v1/") and route != "/api/v1/":
            routes.add(route)
    return routes


def test_every_api_route_is_checked_for_authentication():
    """A new endpoint must join ENDPOINTS: the 401 tests below then cover it too."""
    assert api_routes() - UNLISTED - {url for _method, url in ENDPOINTS} == set()


@pytest.mark.parametrize(("method", "url"), ENDPOINTS)
def test_anonymous_request_is_401_not_authenticated_and_writes_nothing(crew, reason, method, url):
    # given
    fund_budget(crew.supervisor, 100)
    before = db_state()
    # when
    response = getattr(APIClient(), method)(url, BODIES.get(url, {}), format="json")
    # then
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Token"
    assert db_state() == before


@pytest.mark.parametrize(("method", "url"), ENDPOINTS)
def test_unknown_token_is_401_authentication_failed_and_writes_nothing(crew, method, url):
    before = db_state()

    response = getattr(token_client("0" * 64), method)(url, BODIES.get(url, {}), format="json")

    assert_error(response, 401, "authentication_failed")
    assert db_state() == before


@pytest.mark.parametrize(
    "header",
    ["Token", "Token two parts", "Token \u00e4\u00e4kk\u00f6set", "Bearer abc"],
    ids=["no-key", "spaces", "non-ascii", "other-scheme"],
)
def test_malformed_authorization_header_is_a_401_with_a_code(crew, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)

    response = client.get("/api/v1/me/")

    # An unknown scheme is ignored by TokenAuthentication, so the request is merely anonymous.
    code = "not_authenticated" if header.startswith("Bearer") else "authentication_failed"
    assert_error(response, 401, code)


def test_token_from_username_and_password_works_as_authorization_header(crew):
    agent = crew.agents[0]

    response = obtain_token(agent.username, PASSWORD)

    assert response.status_code == 200
    key = response.json()["token"]
    assert AuthToken.objects.get(user=agent).token_key == key[:15]
    assert response.json()["expiry"]
    me = token_client(key).get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["username"] == agent.username


def test_asking_for_a_token_twice_gives_a_new_token_each_time_and_both_work(crew):
    agent = crew.agents[0]

    first = obtain_token(agent.username, PASSWORD).json()["token"]
    second = obtain_token(agent.username, PASSWORD).json()["token"]

    assert first != second
    assert AuthToken.objects.filter(user=agent).count() == 2
    assert token_client(first).get("/api/v1/me/").status_code == 200
    assert token_client(second).get("/api/v1/me/").status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "nobody-here", "password": PASSWORD}, "non_field_errors"),
        ({"password": PASSWORD}, "username"),
        ({"username": "x"}, "password"),
        ({"username": "", "password": ""}, "username"),
    ],
    ids=["unknown-user", "no-username", "no-password", "blank"],
)
def test_token_request_with_bad_credentials_is_a_400_and_issues_no_token(crew, body, field):
    before = db_state()

    response = APIClient().post(TOKEN_URL, body, format="json")

    error = assert_error(response, 400, "invalid")
    assert field in error["fields"]
    assert db_state() == before


def test_token_request_with_wrong_password_is_a_400_and_issues_no_token(crew):
    before = db_state()

    response = obtain_token(crew.agents[0].username, "not-the-password")

    error = assert_error(response, 400, "invalid")
    assert "non_field_errors" in error["fields"]
    assert "token" not in error
    assert db_state() == before


def test_token_request_with_malformed_json_is_a_400(crew):
    response = APIClient().post(TOKEN_URL, '{"username": ', content_type="application/json")

    assert_error(response, 400, "malformed_request")


def test_deactivated_person_cannot_get_a_token_and_their_old_one_stops_working(crew, reason):
    # given: an agent with a token and some points
    agent = crew.agents[0]
    fund_budget(crew.supervisor, 100)
    award_create(giver=crew.supervisor, recipient=agent, reason=reason, points=40)
    old_key = obtain_token(agent.username, PASSWORD).json()["token"]
    entries_before = list(Entry.objects.filter(account__owner=agent).values_list("id", "amount"))
    # when
    response = token_client_for_hr(crew).post(f"/api/v1/people/{agent.pk}/deactivate/")
    # then
    assert response.status_code == 200
    assert response.json()["is_active"] is False
    assert_error(token_client(old_key).get("/api/v1/me/"), 401, "authentication_failed")
    before = db_state()
    assert_error(obtain_token(agent.username, PASSWORD), 400, "invalid")
    assert db_state() == before
    # their ledger is kept
    assert Account.objects.filter(owner=agent, kind=AccountKind.WALLET).exists()
    assert balance_of(user=agent) == 40
    assert list(Entry.objects.filter(account__owner=agent).values_list("id", "amount")) == (
        entries_before
    )


def test_a_token_of_someone_deactivated_outside_the_api_stops_working(crew):
    # given: a token that survives (e.g. re-created by hand after the service deleted it)
    agent = crew.agents[0]
    person_deactivate(person=agent)
    _token, key = AuthToken.objects.create(user=agent)
    # when
    response = token_client(key).get("/api/v1/me/")
    # then: TokenAuthentication refuses inactive users as well
    assert_error(response, 401, "authentication_failed")


def token_client_for_hr(crew) -> APIClient:
    key = obtain_token(crew.hr.username, PASSWORD).json()["token"]
    return token_client(key)


def test_session_authentication_works_too(crew):
    client = APIClient()
    client.force_login(crew.agents[0])

    response = client.get("/api/v1/me/")

    assert response.status_code == 200
    assert response.json()["id"] == crew.agents[0].pk


def test_session_authenticated_write_without_csrf_token_is_refused(crew, reason):
    # given: a browser session (CSRF is enforced for session auth, unlike the test client default)
    fund_budget(crew.supervisor, 100)
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(crew.supervisor)
    before = db_state()
    # when
    response = client.post(
        "/api/v1/awards/",
        {"recipient": crew.agents[0].pk, "reason": reason.code, "points": 10},
        format="json",
    )
    # then
    assert_error(response, 403, "permission_denied")
    assert db_state() == before


# --- the error format -------------------------------------------------------------------------


def test_malformed_json_is_a_400_malformed_request(api, crew):
    before = db_state()

    response = api(crew.hr).post("/api/v1/teams/", '{"name": "x",', content_type="application/json")

    assert_error(response, 400, "malformed_request")
    assert db_state() == before


def test_unsupported_media_type_is_a_415_with_a_code(api, crew):
    before = db_state()

    response = api(crew.hr).post("/api/v1/teams/", "name=x", content_type="text/plain")

    assert_error(response, 415, "unsupported_media_type")
    assert db_state() == before


def test_unacceptable_accept_header_is_a_406_with_a_code(api, crew):
    response = api(crew.hr).get("/api/v1/me/", HTTP_ACCEPT="application/xml")

    assert response.status_code == 406
    assert response.json()["code"] == "not_acceptable"


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("put", "/api/v1/people/{agent}/"),
        ("delete", "/api/v1/people/{agent}/"),
        ("delete", "/api/v1/teams/{team}/"),
        ("put", "/api/v1/teams/{team}/"),
        ("get", "/api/v1/people/{agent}/deactivate/"),
        ("delete", "/api/v1/budgets/{supervisor}/"),
        ("get", "/api/v1/ledger/transactions/1/reverse/"),
        ("put", "/api/v1/me/"),
    ],
)
def test_unsupported_method_is_a_405_method_not_allowed_and_writes_nothing(api, crew, method, url):
    url = url.format(agent=crew.agents[0].pk, team=crew.team.pk, supervisor=crew.supervisor.pk)
    before = db_state()

    response = getattr(api(crew.hr), method)(url, {}, format="json")

    assert_error(response, 405, "method_not_allowed")
    assert db_state() == before


def test_unknown_object_is_a_404_not_found(api, crew):
    response = api(crew.hr).get("/api/v1/awards/999999/")

    assert_error(response, 404, "not_found")


@pytest.mark.parametrize(
    "url",
    [
        f"/api/v1/people/{2**63}/",
        f"/api/v1/people/{10**30}/",
        f"/api/v1/awards/{2**64}/",
        f"/api/v1/teams/{2**63}/",
        f"/api/v1/budgets/{2**63}/",
        f"/api/v1/award-reasons/{2**63}/",
        f"/api/v1/rewards/{2**63}/price-history/",
        f"/api/v1/rewards/{2**63}/price-ticks/",
        f"/api/v1/pricing/ticks/{2**63}/",
        f"/api/v1/pricing/ticks/{2**63}/lines/",
        f"/api/v1/pricing/sales/{2**63}/",
        f"/api/v1/drawings/{2**63}/",
        f"/api/v1/drawings/{2**63}/results/",
        f"/api/v1/audit/{2**63}/",
    ],
)
def test_an_id_beyond_the_database_range_in_the_url_is_a_404_not_a_500(api, crew, url):
    response = api(crew.hr).get(url)

    assert response.status_code == 404, response.content[:300]
    assert response.json()["code"] in {
        "not_found",
        "unknown_reward",
        "unknown_tick",
        "unknown_drawing",
    }


def test_anonymous_requests_beyond_the_rate_are_a_429_rate_limited(monkeypatch, crew):
    # given: a low anonymous rate (sign-in is the endpoint anonymous clients can reach)
    monkeypatch.setattr(AnonRateThrottle, "rate", "2/min", raising=False)
    client = APIClient()
    for _ in range(2):
        assert client.post(TOKEN_URL, {"username": "a", "password": "b"}).status_code == 400
    # when
    response = client.post(TOKEN_URL, {"username": crew.agents[0].username, "password": PASSWORD})
    # then
    body = assert_error(response, 429, "rate_limited")
    assert body["extra"]["wait_seconds"] > 0
    assert not AuthToken.objects.exists()


# --- schema and docs --------------------------------------------------------------------------


def test_schema_is_openapi_3_and_lists_every_resource(api, crew):
    response = api(crew.agents[0]).get("/api/v1/schema/")

    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    for path in [
        "/api/v1/awards/",
        "/api/v1/people/",
        "/api/v1/teams/",
        "/api/v1/budgets/",
        "/api/v1/me/",
        "/api/v1/ledger/entries/",
        "/api/v1/award-reasons/",
        "/api/v1/ledger/transactions/{id}/reverse/",
        "/api/v1/auth/token/",
    ]:
        assert path in schema["paths"], path


def test_schema_documents_the_idempotency_key_on_award_create(api, crew):
    schema = yaml.safe_load(api(crew.agents[0]).get("/api/v1/schema/").content)

    parameters = schema["paths"]["/api/v1/awards/"]["post"]["parameters"]

    assert {"in": "header", "name": "Idempotency-Key"}.items() <= parameters[0].items()


def test_schema_as_json_on_request(api, crew):
    response = api(crew.agents[0]).get("/api/v1/schema/", {"format": "json"})

    assert response.status_code == 200
    assert "/api/v1/awards/" in response.json()["paths"]


def test_docs_page_is_served_and_needs_no_external_host(api, crew):
    response = api(crew.agents[0]).get("/api/v1/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger" in html.lower()
    assert re.findall(r"https?://", html) == []
    assert re.findall(r"(?:src|href)\s*=\s*[\"']//", html) == []
    # every asset the page loads is vendored and served from our own static files
    assets = re.findall(r"(?:src|href)=\"([^\"]+)\"", html)
    assert assets, html[:500]
    # ... except its start-up script, served by the same view (no inline script: CSP)
    assert "/api/v1/docs/?script=" in assets
    for asset in assets:
        if asset == "/api/v1/docs/?script=":
            continue
        assert asset.startswith("/static/"), asset
        assert finders.find(asset.removeprefix("/static/")), asset
    script = api(crew.agents[0]).get("/api/v1/docs/?script=").content.decode()
    assert '"/api/v1/schema/"' in script


@pytest.mark.parametrize("url", ["/api/v1/nope/", "/api/v1/people/abc/", "/api/v2/awards/"])
def test_an_unknown_api_address_is_a_json_404(api, crew, url):
    response = api(crew.hr).get(url)

    assert_error(response, 404, "not_found")


def test_an_unknown_page_address_is_still_an_html_404(client, crew):
    client.force_login(crew.hr)

    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_the_api_description_is_not_public(crew):
    response = APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert_error(response, 401, "not_authenticated")
    # The HTML docs send a signed-out browser to sign in (and back), showing nothing meanwhile.
    docs = APIClient().get("/api/v1/docs/")
    assert docs.status_code == 302
    assert docs["Location"] == "/login/?next=/api/v1/docs/"
    assert b"swagger-ui" not in docs.content
