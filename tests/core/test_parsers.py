"""Nested or oversized JSON is a 400/413 with a code, never a 500, signed in or not.

Found in review: a body of 5,000 `[` ran Python's JSON decoder out of stack (RecursionError, a
500), on the token endpoint too, without signing in."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.parsers import JSONParser
from rest_framework.test import APIClient

from core.parsers import LimitedJSONParser, json_depth
from tests.api_support import assert_error, db_state, isolate_throttle_cache
from tests.people.factories import PASSWORD

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
DEEP = "[" * 5000 + "]" * 5000


@pytest.fixture(autouse=True)
def _own_throttle_cache(monkeypatch):
    isolate_throttle_cache(monkeypatch)


def post_raw(client, url: str, body: str | bytes):
    return client.post(url, body, content_type="application/json")


@pytest.mark.parametrize("body", [DEEP, "[" * 5000, '{"a":' * 3000 + "1" + "}" * 3000])
def test_deep_json_anonymously_on_the_token_endpoint_is_a_400(crew, body):
    before = db_state()
    response = post_raw(APIClient(), TOKEN_URL, body)
    assert_error(response, 400, "json_too_deep")
    assert db_state() == before


@pytest.mark.parametrize(
    "url",
    ["/api/v1/awards/", "/api/v1/teams/", "/api/v1/redemptions/", "/api/v1/notifications/read/"],
)
def test_deep_json_signed_in_is_a_400(api, crew, url):
    before = db_state()
    response = post_raw(api(crew.hr), url, DEEP)
    assert_error(response, 400, "json_too_deep")
    assert db_state() == before


def test_deep_json_anonymously_elsewhere_is_refused_without_a_500(crew):
    # Authentication comes before parsing: a 401 with a code, never the decoder.
    response = post_raw(APIClient(), "/api/v1/awards/", DEEP)
    assert_error(response, 401, "not_authenticated")


def test_deep_json_through_a_session_is_a_400():
    client = Client(enforce_csrf_checks=False)
    response = post_raw(client, TOKEN_URL, DEEP)
    assert response.status_code == 400
    assert response.json()["code"] == "json_too_deep"


def test_nesting_at_the_limit_is_parsed_and_one_more_is_refused(crew, settings):
    settings.API_JSON_MAX_DEPTH = 4
    body = {"username": crew.agents[0].username, "password": PASSWORD, "x": [[[1]]]}
    ok = post_raw(APIClient(), TOKEN_URL, json.dumps(body))
    assert ok.status_code == 200, ok.json()
    body["x"] = [[[[1]]]]
    assert_error(post_raw(APIClient(), TOKEN_URL, json.dumps(body)), 400, "json_too_deep")


def test_brackets_inside_strings_do_not_count(crew):
    password = "[[[[" * 2000 + '\\"{{{{' * 100
    body = json.dumps({"username": crew.agents[0].username, "password": password})
    response = post_raw(APIClient(), TOKEN_URL, body)
    # a wrong password: the ordinary answer, not json_too_deep
    assert_error(response, 400, "invalid")


def test_a_big_body_is_a_413_with_a_code(api, crew, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    big = json.dumps({"username": "x", "password": "a" * 20_000})
    before = db_state()
    assert_error(post_raw(APIClient(), TOKEN_URL, big), 413, "payload_too_large")
    assert_error(post_raw(api(crew.hr), "/api/v1/teams/", big), 413, "payload_too_large")
    assert db_state() == before


def test_ordinary_json_still_works(api, crew):
    response = post_raw(api(crew.hr), "/api/v1/teams/", json.dumps({"name": "Uusi tiimi"}))
    assert response.status_code == 201, response.json()
    token = post_raw(
        APIClient(),
        TOKEN_URL,
        json.dumps({"username": crew.agents[0].username, "password": PASSWORD}),
    )
    assert token.status_code == 200
    assert "token" in token.json()


def test_malformed_json_keeps_its_code(crew):
    assert_error(post_raw(APIClient(), TOKEN_URL, '{"username": '), 400, "malformed_request")
    assert_error(post_raw(APIClient(), TOKEN_URL, b'{"a": "\xff"}'), 400, "malformed_request")
    assert_error(post_raw(APIClient(), TOKEN_URL, '{"a": NaN}'), 400, "malformed_request")


@pytest.mark.parametrize(
    ("text", "depth"),
    [("1", 0), ('"[["', 0), ("[]", 1), ('[{"a": [1, {}]}]', 4), ('["\\"[", [[]]]', 3)],
)
def test_json_depth(text, depth):
    assert json_depth(text) == depth


def _views(resolver: URLResolver, prefix: str = ""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _views(pattern, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def test_every_api_view_parses_json_with_the_limited_parser():
    """A view that names its own parsers (as DRF's token view does) must keep the limits."""
    checked = 0
    for route, callback in _views(get_resolver()):
        cls = getattr(callback, "cls", None)
        if cls is None:
            continue
        initkwargs = getattr(callback, "initkwargs", {}) or {}
        parsers = initkwargs.get("parser_classes", cls.parser_classes)
        json_parsers = [p for p in parsers if issubclass(p, JSONParser)]
        assert all(issubclass(p, LimitedJSONParser) for p in json_parsers), route
        checked += 1
    assert checked > 10
