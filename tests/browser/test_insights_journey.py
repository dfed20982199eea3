"""HR insights in a real Chromium, in Finnish: HR opens the dashboard from the menu, reads the
charts (inline SVG with titles), filters the people table and finds the CSV links; on a 375 px
phone nothing scrolls sideways. An agent is refused. Screenshots go to test-artifacts/."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from insights.services import insights_recompute
from tests.browser import test_award_journey as award_journey
from tests.browser.test_award_journey import (
    DESKTOP,
    assert_accessible_basics,
    assert_no_horizontal_scroll,
    menu,
    shot,
    sign_in,
)
from tests.insights.synthetic.policies import POLICIES, population
from tests.insights.synthetic.writer import histories_write
from tests.people.factories import AgentFactory, HRFactory

pytestmark = pytest.mark.browser

browser = award_journey.browser
new_page = award_journey.new_page


@pytest.fixture
def insights_ready(transactional_db: None) -> None:
    histories_write(
        population(9, dict.fromkeys(POLICIES, 8), end=time.time() - 60), prefix="ui", checked=True
    )
    HRFactory(username="hanna", display_name="Hanna HR", preferred_language="fi")
    AgentFactory(username="aino", display_name="Aino Nieminen", preferred_language="fi")
    insights_recompute()


def test_hr_reads_the_dashboard_and_filters_people(live_server, insights_ready, new_page) -> None:
    page = new_page(DESKTOP)
    sign_in(page, live_server.url, "hanna")
    menu(page, "Näkymät").click()
    expect(page.locator("h1")).to_have_text("HR-näkymät")
    expect(page.get_by_role("img", name="Ryhmien jakauma")).to_be_visible()
    expect(
        page.get_by_role("img", name="Myönnetyt ja lunastetut pisteet kuukausittain")
    ).to_be_visible()
    expect(page.get_by_text("alle 5 hengen ryhmien lukuja ei näytetä", exact=False)).to_be_visible()
    shot(page, "insights-dashboard-desktop")

    page.get_by_role("navigation", name="Näkymät").get_by_role("link", name="Henkilöt").click()
    page.get_by_label("Ryhmä", exact=True).select_option("goal_saver")
    page.get_by_role("button", name="Näytä").last.click()
    rows = page.locator("[data-testid=insights-people] tbody tr")
    expect(rows.first).to_contain_text("Tavoitesäästäjä")
    assert rows.count() >= 6
    csv_link = page.get_by_role("link", name="Lataa CSV")
    expect(csv_link).to_have_attribute("href", re.compile(r"segment=goal_saver.*format=csv$"))
    assert_accessible_basics(page)


@pytest.mark.parametrize("width", [375])
def test_insights_fit_a_phone(live_server, insights_ready, new_page, width: int) -> None:
    page = new_page({"width": width, "height": 800})
    sign_in(page, live_server.url, "hanna")
    for path in ("/hr/insights/", "/hr/insights/people/"):
        page.goto(f"{live_server.url}{path}")
        assert_no_horizontal_scroll(page)
    page.goto(f"{live_server.url}/hr/insights/")
    shot(page, f"insights-dashboard-{width}")


def test_an_agent_is_refused(live_server, insights_ready, new_page) -> None:
    page = new_page(DESKTOP)
    sign_in(page, live_server.url, "aino")
    expect(menu(page, "Näkymät")).to_have_count(0)
    response = page.goto(f"{live_server.url}/hr/insights/")
    assert response is not None and response.status == 403
