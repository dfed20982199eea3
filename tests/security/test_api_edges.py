"""What the schema fuzz found, pinned down: bodies Django cannot read answer in the API's error
format, and the schema documents the errors and shapes the API really answers with."""

from __future__ import annotations

import pytest
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory

from tests.api_support import assert_error, db_state, isolate_throttle_cache

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _own_throttle_cache(monkeypatch):
    isolate_throttle_cache(monkeypatch)


def browser(user) -> tuple[Client, str]:
    """A signed-in browser session that sends its CSRF token like a page's script would."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    csrf = get_token(RequestFactory().get("/"))
    client.cookies["csrftoken"] = csrf
    return client, csrf


def test_a_multipart_body_with_too_many_fields_is_a_json_400_and_writes_nothing(crew, settings):
    # given: a session write, where DRF's CSRF check makes Django read the form itself
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    client, csrf = browser(crew.agents[0])
    before = db_state()
    # when
    response = client.post(
        "/api/v1/notifications/read/",
        {f"f{i}": "x" for i in range(20)},
        HTTP_X_CSRFTOKEN=csrf,
    )
    # then: not Django's HTML "Bad Request" page
    assert_error(response, 400, "malformed_request")
    assert db_state() == before


def _schema(api, user) -> dict:
    response = api(user).get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def test_every_operation_documents_its_error_answers_in_the_error_shape(api, crew):
    schema = _schema(api, crew.hr)
    error = {"$ref": "#/components/schemas/Error"}
    assert set(schema["components"]["schemas"]["Error"]["required"]) == {"code", "detail"}
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            for code in ("401", "403", "429"):
                # An operation may describe an error itself (the import's 403 says "Not HR.").
                content = responses[code].get("content", {"application/json": {"schema": error}})
                assert content["application/json"]["schema"] == error, (method, path, code)
            if method in ("post", "put", "patch", "delete"):
                assert {"400", "404", "409"} <= set(responses), (method, path)


def test_the_schema_describes_what_the_api_answers(api, crew):
    schema = _schema(api, crew.hr)
    components = schema["components"]["schemas"]
    # HR and supervisors belong to no team: the person's team may be null.
    assert components["Person"]["properties"]["team"].get("nullable") or any(
        "nullable" in part or part.get("type") == "null"
        for part in components["Person"]["properties"]["team"].get("oneOf", [])
        + components["Person"]["properties"]["team"].get("anyOf", [])
        + components["Person"]["properties"]["team"].get("allOf", [])
    ), components["Person"]["properties"]["team"]
    # The pricing preview answers an object with its rows inside, not a bare list.
    preview = schema["paths"]["/api/v1/pricing/preview/"]["post"]["responses"]["200"]
    assert preview["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Preview"
    }
    # Cancelling a sale answers 200 with the sale.
    sale = schema["paths"]["/api/v1/pricing/sales/{id}/"]["delete"]["responses"]
    assert "200" in sale and "204" not in sale
