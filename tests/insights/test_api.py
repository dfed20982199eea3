"""The insights API: filters, pagination, refusals with stable codes, the OpenAPI schema."""

from __future__ import annotations

import pytest

from insights.models import InsightsRun, PersonSegment
from people.models import Team
from tests.api_support import assert_error

SEGMENTS = "/api/v1/insights/segments/"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", [SEGMENTS, "/api/v1/insights/economy/", "/api/v1/insights/fairness/"]
)
def test_no_run_yet_is_a_409_with_a_stable_code(crew, api, url) -> None:
    assert_error(api(crew.hr).get(url), 409, "insights_not_computed")


@pytest.mark.django_db
def test_segments_are_paginated_with_evidence(crew, small_population, api) -> None:
    body = api(crew.hr).get(SEGMENTS, {"page_size": 10}).json()
    assert body["count"] == PersonSegment.objects.filter(run=small_population, months=12).count()
    assert len(body["results"]) == 10 and body["next"]
    row = body["results"][0]
    assert {"username", "segment", "evidence", "team", "employment_type", "rule"} <= set(row)
    assert {
        "median_days_to_redeem",
        "median_price_months",
        "longest_saving_streak_days",
        "balance_kept_months",
    } <= set(row["evidence"])


@pytest.mark.django_db
def test_segments_filter_by_team_segment_and_window(crew, small_population, api) -> None:
    team = Team.objects.get(name="pop team 2")
    body = api(crew.hr).get(SEGMENTS, {"team": team.pk, "page_size": 200}).json()
    assert body["count"] == 12
    assert {r["team"] for r in body["results"]} == {team.pk}
    segment = PersonSegment.objects.filter(run=small_population, months=24).first().segment
    body = api(crew.hr).get(SEGMENTS, {"segment": segment, "months": 24, "page_size": 200}).json()
    expected = PersonSegment.objects.filter(run=small_population, months=24, segment=segment)
    assert body["count"] == expected.count() > 0
    assert {r["segment"] for r in body["results"]} == {segment}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"months": 5}, "months"),
        ({"months": "twelve"}, "months"),
        ({"team": "x"}, "team"),
        ({"team": 999_999_999}, "team"),
        ({"team": "9" * 40}, "team"),
        ({"segment": "whale"}, "segment"),
        ({"employment_type": "contractor"}, "employment_type"),
    ],
)
def test_bad_filters_are_400_naming_the_field(crew, small_population, api, params, field) -> None:
    body = assert_error(api(crew.hr).get(SEGMENTS, params), 400, "invalid")
    assert field in body["fields"]


@pytest.mark.django_db
def test_economy_and_fairness_take_a_window(crew, small_population, api) -> None:
    for url in ("/api/v1/insights/economy/", "/api/v1/insights/fairness/"):
        body = api(crew.hr).get(url, {"months": 6}).json()
        assert body["months"] == 6
        assert_error(api(crew.hr).get(url, {"months": 7}), 400, "invalid")
    fairness = api(crew.hr).get("/api/v1/insights/fairness/").json()
    # teams of 12: shown, with their spread
    assert all(not g["suppressed"] and g["gini"] is not None for g in fairness["by_team"])


@pytest.mark.django_db
def test_recompute_api_queues_a_run(crew, api, eager_celery, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api(crew.hr).post("/api/v1/insights/recompute/")
    assert response.status_code == 202 and response.json() == {"status": "queued"}
    assert InsightsRun.objects.count() == 1


@pytest.mark.django_db
def test_schema_lists_the_insights_endpoints(crew, api) -> None:
    schema = api(crew.hr).get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    for path in ("segments", "economy", "fairness", "recompute"):
        assert f"/api/v1/insights/{path}/" in schema["paths"]
    params = {p["name"] for p in schema["paths"]["/api/v1/insights/segments/"]["get"]["parameters"]}
    assert {"team", "segment", "months", "page"} <= params
