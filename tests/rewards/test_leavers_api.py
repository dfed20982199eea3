"""The leavers' API (HR only): the list, the policy, settling one by hand; refusals write nothing."""

from __future__ import annotations

import pytest
from django.utils import timezone

from ledger.selectors import wallet_summary
from rewards.leavers.services import leaver_policy_get
from tests.api_support import assert_error, isolate_throttle_cache
from tests.rewards.conftest import leaver_writes
from tests.threads import api_as

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("postgres")]


@pytest.fixture(autouse=True)
def _own_throttle_cache(monkeypatch):
    isolate_throttle_cache(monkeypatch)


@pytest.fixture
def leaver(left_yesterday):
    return left_yesterday


def test_hr_lists_leavers_with_their_points(crew, leaver):
    body = api_as(crew.hr).get("/api/v1/leavers/").json()
    assert body["policy"]["mode"] == "keep"
    assert body["upcoming"] == []
    [row] = body["past"]
    assert (row["person"], row["available"], row["settlement"]) == (leaver.pk, 420, None)


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/v1/leavers/"),
        ("get", "/api/v1/leavers/policy/"),
        ("put", "/api/v1/leavers/policy/"),
        ("post", "/api/v1/leavers/1/settle/"),
    ],
)
def test_others_than_hr_are_refused(crew, leaver, method, url):
    before = leaver_writes()
    for person in (leaver, crew.agents[1], crew.supervisor):
        response = getattr(api_as(person), method)(url, {"mode": "lapse", "grace_days": 0})
        assert response.status_code == 403
    assert leaver_writes() == before


def test_hr_saves_the_policy(crew):
    response = api_as(crew.hr).put(
        "/api/v1/leavers/policy/", {"mode": "lapse", "grace_days": 0}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["mode"] == "lapse"
    assert leaver_policy_get().mode == "lapse"


@pytest.mark.parametrize(
    "body",
    [
        {"mode": "keep", "grace_days": "30"},
        {"mode": "keep", "grace_days": 400},
        {"mode": "convert", "grace_days": 0},
        {"mode": "convert", "grace_days": 0, "convert_reward": "1"},
        {"mode": "nope", "grace_days": 0},
        ["keep"],
    ],
)
def test_an_invalid_policy_is_400_and_writes_nothing(crew, body):
    before = leaver_writes()
    response = api_as(crew.hr).put("/api/v1/leavers/policy/", body, format="json")
    assert_error(response, 400, "invalid")
    assert leaver_policy_get().mode == "keep"
    assert leaver_writes() == before


def test_hr_settles_a_leaver_and_a_second_time_is_409(crew, leaver):
    client = api_as(crew.hr)
    response = client.post(f"/api/v1/leavers/{leaver.pk}/settle/")
    assert response.status_code == 200, response.content
    assert response.json()["lapsed"] == 420
    assert wallet_summary(user=leaver).balance == 0

    before = leaver_writes()
    assert_error(client.post(f"/api/v1/leavers/{leaver.pk}/settle/"), 409, "leaver_already_settled")
    assert leaver_writes() == before


def test_settling_refusals_have_stable_codes_and_write_nothing(crew, leaver):
    client = api_as(crew.hr)
    staying = crew.agents[1]
    leaving_later = crew.agents[2]
    leaving_later.employment_end = timezone.localdate()
    leaving_later.save(update_fields=["employment_end"])
    before = leaver_writes()

    assert_error(client.post("/api/v1/leavers/999999/settle/"), 404, "unknown_leaver")
    assert_error(client.post(f"/api/v1/leavers/{staying.pk}/settle/"), 409, "leaver_no_end_date")
    assert_error(
        client.post(f"/api/v1/leavers/{leaving_later.pk}/settle/"), 409, "leaver_not_ended"
    )
    assert leaver_writes() == before
