"""The insights pages: empty state, charts, suppression notice, filters, CSV, the recompute
button, and recomputation after a history import."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

from insights.models import InsightsRun
from insights.signals import history_imported
from people.models import Team


def _hr(crew) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(crew.hr)
    return client


@pytest.mark.django_db
def test_without_a_run_the_page_says_so_and_offers_a_recompute(crew) -> None:
    page = _hr(crew).get("/hr/insights/").content.decode()
    assert 'data-testid="insights-none"' in page
    assert 'action="/hr/insights/recompute/"' in page


@pytest.mark.django_db
def test_dashboard_has_accessible_charts_and_the_privacy_notice(crew, small_population) -> None:
    client = _hr(crew)
    page = client.get("/hr/insights/").content.decode()
    assert page.count('role="img"') >= 6 and page.count("<title id=") >= 6
    assert "fewer than 5 people are suppressed" in page
    assert 'data-testid="table-segments"' in page and 'data-testid="table-flows"' in page
    assert 'href="/hr/insights/"' in page  # the nav link
    # the crew's 3-agent team is shown as suppressed in the fairness chart and tables
    assert "suppressed (fewer than 5)" in page
    fi = Client(HTTP_ACCEPT_LANGUAGE="fi")
    fi.force_login(crew.hr)
    assert "Näkymät" in fi.get("/hr/insights/").content.decode()


@pytest.mark.django_db
def test_people_table_filters_and_pages(crew, small_population) -> None:
    client = _hr(crew)
    team = Team.objects.get(name="pop team 1")
    page = client.get("/hr/insights/people/", {"team": team.pk}).content.decode()
    assert "12 people" in page
    bad = client.get("/hr/insights/people/", {"segment": "whale"})
    assert bad.status_code == 200 and "were not valid" in bad.content.decode()


@pytest.mark.django_db
def test_every_table_exports_as_csv(crew, small_population) -> None:
    client = _hr(crew)
    people = client.get("/hr/insights/people/", {"format": "csv", "months": 24})
    assert people["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(people.content.decode("utf-8-sig"))))
    assert rows[0][:5] == ["Person", "Username", "Team", "Employment type", "Segment"]
    assert len(rows) == 1 + small_population.people_segments.filter(months=24).count()
    for slug in (
        "segments",
        "segments-by-team",
        "flows",
        "most-wanted",
        "unwanted",
        "fairness-team",
        "fairness-supervisor",
        "fairness-employment-type",
    ):
        response = client.get(f"/hr/insights/export/{slug}.csv")
        assert response.status_code == 200, slug
        assert len(list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))) >= 1
    assert client.get("/hr/insights/export/nothing.csv").status_code == 404


@pytest.mark.django_db
def test_recompute_button_queues_a_run(crew, eager_celery, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = _hr(crew).post("/hr/insights/recompute/")
    assert response.status_code == 302
    assert InsightsRun.objects.count() == 1


@pytest.mark.django_db
def test_a_history_import_triggers_a_recomputation(
    eager_celery, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        history_imported.send(sender=None, rows=10)
    assert InsightsRun.objects.count() == 1
