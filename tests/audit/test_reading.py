"""HR reads the audit log on a page and in the API; nobody else does, and nobody writes it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.translation import override

from audit.describers import audit_describe
from audit.models import AuditAction, AuditEvent
from audit.services import audit_record
from tests.api_support import assert_error, isolate_throttle_cache
from tests.audit.support import admin_login
from tests.people.factories import AgentFactory, SupervisorFactory

pytestmark = pytest.mark.django_db
API = "/api/v1/audit/"
PAGE = "/hr/audit/"


@pytest.fixture(autouse=True)
def _own_throttle_cache(monkeypatch):
    isolate_throttle_cache(monkeypatch)


@pytest.fixture
def log(crew):
    """Three events: an old one by HR, a recent one by HR, one by the system."""
    now = timezone.now()
    old = audit_record(
        actor=crew.hr,
        action=AuditAction.PEOPLE_ROLE_CHANGED,
        subject=crew.agents[0],
        subject_label=crew.agents[0].name,
        details={"changes": {"role": ["agent", "supervisor"]}},
        at=now - timedelta(days=10),
    )
    recent = audit_record(
        actor=crew.hr,
        action=AuditAction.BUDGET_POLICY_CHANGED,
        subject_label=crew.supervisor.name,
        details={"supervisor": crew.supervisor.pk, "changes": {"amount": [100, 250]}},
        at=now - timedelta(hours=1),
    )
    system = audit_record(
        actor=None,
        action=AuditAction.DRAWING_CLOSED,
        subject_label="Elokuvaliput",
        details={"winners": 1, "bidders": 3, "price": 120},
        at=now,
    )
    return [old, recent, system]


# --- API ----------------------------------------------------------------------------------------


def test_hr_lists_events_newest_first_with_a_description(api, crew, log):
    response = api(crew.hr).get(API, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 3
    assert [e["id"] for e in body["results"]] == [log[2].pk, log[1].pk, log[0].pk]
    first = body["results"][0]
    assert first["actor"] is None and first["action"] == "drawing.closed"
    assert first["description"] == (
        "Drawing of Elokuvaliput closed: 1 winners of 3 bidders, price 120 pts"
    )
    assert body["results"][1]["actor"] == {"id": crew.hr.pk, "name": crew.hr.name}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("action=budget.policy_changed", [1]),
        ("actor=system", [2]),
        ("since={today}", [2, 1]),
        ("until={ten_days_ago}", [0]),
    ],
)
def test_hr_filters_by_action_actor_and_dates(api, crew, log, query, expected):
    today = timezone.localdate()
    query = query.format(today=today, ten_days_ago=today - timedelta(days=10))

    response = api(crew.hr).get(f"{API}?{query}")

    assert response.status_code == 200, response.content
    assert [e["id"] for e in response.json()["results"]] == [log[i].pk for i in expected]


def test_filtering_by_a_person(api, crew, log):
    response = api(crew.hr).get(f"{API}?actor={crew.hr.pk}")

    assert [e["id"] for e in response.json()["results"]] == [log[1].pk, log[0].pk]


@pytest.mark.parametrize(
    "query", ["action=nope", "actor=abc", "since=yesterday", "since=2025-02-02&until=2025-01-01"]
)
def test_bad_filters_are_a_400(api, crew, log, query):
    assert_error(api(crew.hr).get(f"{API}?{query}"), 400, "invalid")


def test_the_api_is_paginated(api, crew, log):
    body = api(crew.hr).get(f"{API}?page_size=2").json()

    assert len(body["results"]) == 2 and body["next"] is not None


def test_hr_reads_one_event(api, crew, log):
    response = api(crew.hr).get(f"{API}{log[1].pk}/")

    assert response.status_code == 200
    assert response.json()["details"] == {
        "supervisor": crew.supervisor.pk,
        "changes": {"amount": [100, 250]},
    }
    assert_error(api(crew.hr).get(f"{API}999999/"), 404, "not_found")


@pytest.mark.parametrize("factory", [AgentFactory, SupervisorFactory])
def test_everyone_but_hr_is_refused(api, log, factory):
    person = factory()

    assert_error(api(person).get(API), 403, "permission_denied")
    assert_error(api(person).get(f"{API}{log[0].pk}/"), 403, "permission_denied")


def test_anonymous_is_refused(api, log):
    assert api(None).get(API).status_code in (401, 403)


@pytest.mark.parametrize(
    ("method", "detail"),
    [("post", False), ("put", True), ("patch", True), ("delete", True), ("post", True)],
)
def test_nobody_writes_the_log(api, crew, log, method, detail):
    url = f"{API}{log[0].pk}/" if detail else API

    response = getattr(api(crew.hr), method)(url, {"action": "x"}, format="json")

    assert response.status_code == 405
    assert AuditEvent.objects.count() == 3
    assert AuditEvent.objects.get(pk=log[0].pk).action == AuditAction.PEOPLE_ROLE_CHANGED


def test_the_endpoint_is_in_the_openapi_schema(api, crew):
    schema = api(crew.hr).get("/api/v1/schema/?format=json").json()

    assert set(schema["paths"]["/api/v1/audit/"]) == {"get"}
    assert set(schema["paths"]["/api/v1/audit/{id}/"]) == {"get"}
    names = [p["name"] for p in schema["paths"]["/api/v1/audit/"]["get"]["parameters"]]
    assert {"action", "actor", "since", "until", "page"} <= set(names)


# --- the page -----------------------------------------------------------------------------------


def test_hr_reads_the_page_in_finnish(client, crew, log):
    client.force_login(crew.hr)

    response = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="fi")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Tapahtumaloki" in page
    with override("fi"):
        assert audit_describe(log[1]) in page
    assert "Järjestelmä" in page  # the system's event


def test_the_page_filters_and_paginates(client, crew, log):
    client.force_login(crew.hr)

    response = client.get(f"{PAGE}?action=drawing.closed", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert list(response.context["page"].object_list) == [log[2]]
    assert response.context["query"] == "action=drawing.closed"


def test_a_bad_filter_on_the_page_is_a_400(client, crew, log):
    client.force_login(crew.hr)

    assert client.get(f"{PAGE}?since=nope").status_code == 400


@pytest.mark.parametrize("factory", [AgentFactory, SupervisorFactory])
def test_the_page_is_hr_only(client, factory):
    client.force_login(factory())

    assert client.get(PAGE).status_code == 403


def test_hr_sees_the_link_and_others_do_not(client, crew):
    client.force_login(crew.hr)
    assert PAGE in client.get("/").content.decode()

    client.force_login(crew.agents[0])
    assert PAGE not in client.get("/").content.decode()


def test_every_action_reads_in_plain_language_in_both_languages(crew):
    for action in AuditAction.values:
        event = AuditEvent(action=action, subject_label="X", details={})
        for language in ("fi", "en"):
            with override(language):
                text = audit_describe(event)
            assert text and text != action, (action, language)


def test_the_admin_is_read_only(client, crew, log):
    admin_login(client, crew.hr)

    assert client.get("/admin/audit/auditevent/").status_code == 200
    assert client.get("/admin/audit/auditevent/add/").status_code == 403
    response = client.post(f"/admin/audit/auditevent/{log[0].pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert AuditEvent.objects.count() == 3
