"""Privacy: only HR sees insights; agents and supervisors get 403, anonymous users 401/login."""

from __future__ import annotations

import pytest
from django.test import Client

from insights.models import InsightsRun
from tests.api_support import assert_error

PAGES = [
    "/hr/insights/",
    "/hr/insights/people/",
    "/hr/insights/people/?format=csv",
    "/hr/insights/export/flows.csv",
]
APIS = ["/api/v1/insights/segments/", "/api/v1/insights/economy/", "/api/v1/insights/fairness/"]


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["agent", "supervisor"])
@pytest.mark.parametrize("url", PAGES)
def test_pages_are_403_for_agents_and_supervisors(crew, small_population, who, url) -> None:
    user = crew.agents[0] if who == "agent" else crew.supervisor
    client = Client()
    client.force_login(user)
    assert client.get(url).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["agent", "supervisor"])
@pytest.mark.parametrize("url", APIS)
def test_apis_are_403_for_agents_and_supervisors(crew, small_population, api, who, url) -> None:
    user = crew.agents[0] if who == "agent" else crew.supervisor
    assert_error(api(user).get(url), 403, "permission_denied")


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["agent", "supervisor"])
def test_recompute_is_refused_to_agents_and_supervisors(crew, api, who) -> None:
    user = crew.agents[0] if who == "agent" else crew.supervisor
    assert_error(api(user).post("/api/v1/insights/recompute/"), 403, "permission_denied")
    client = Client()
    client.force_login(user)
    assert client.post("/hr/insights/recompute/").status_code == 403
    assert InsightsRun.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("url", PAGES)
def test_pages_send_anonymous_users_to_sign_in(url) -> None:
    response = Client().get(url)
    assert response.status_code == 302
    assert "/login" in response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize("url", [*APIS, "/api/v1/insights/recompute/"])
def test_apis_are_401_for_anonymous_users(api, url) -> None:
    response = api().get(url) if "recompute" not in url else api().post(url)
    assert_error(response, 401, "not_authenticated")


@pytest.mark.django_db
@pytest.mark.parametrize("url", PAGES[:2])
def test_hr_sees_the_pages(crew, small_population, url) -> None:
    client = Client()
    client.force_login(crew.hr)
    assert client.get(url).status_code == 200
