"""The audit log in a real Chromium, in Finnish: HR opens it from the menu, reads what happened
in plain words, filters by action; on a 375 px phone nothing scrolls sideways. An agent has no
link and is refused. Screenshots go to test-artifacts/."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ledger.services import budget_policy_set
from people.services import person_update
from tests.browser import test_award_journey as award_journey
from tests.browser.test_award_journey import (
    DESKTOP,
    assert_no_horizontal_scroll,
    menu,
    shot,
    sign_in,
)
from tests.people.factories import AgentFactory, HRFactory, SupervisorFactory

pytestmark = pytest.mark.browser

browser = award_journey.browser
new_page = award_journey.new_page


@pytest.fixture
def audited(transactional_db: None) -> None:
    hr = HRFactory(username="hanna", display_name="Hanna HR", preferred_language="fi")
    aino = AgentFactory(username="aino", display_name="Aino Nieminen", preferred_language="fi")
    sanna = SupervisorFactory(username="sanna", display_name="Sanna Esimies")
    person_update(person=aino, role="supervisor", actor=hr)
    person_update(person=aino, role="agent", actor=hr)
    budget_policy_set(supervisor=sanna, amount=250, actor=hr)


def test_hr_reads_and_filters_the_audit_log(live_server, audited, new_page) -> None:
    page = new_page(DESKTOP)
    sign_in(page, live_server.url, "hanna")
    menu(page, "Tapahtumaloki").click()
    expect(page.locator("h1")).to_have_text("Tapahtumaloki")
    events = page.locator("[data-testid=audit-events] li")
    expect(events).to_have_count(3)
    expect(events.first).to_contain_text("Henkilön Sanna Esimies budjettisääntö tallennettiin")
    expect(events.nth(1)).to_contain_text("rooli: Esihenkilö → Asiakaspalvelija")

    page.get_by_label("Toimenpide").select_option("people.role_changed")
    page.get_by_role("button", name="Näytä").click()
    expect(events).to_have_count(2)
    shot(page, "audit-log-desktop")


def test_the_audit_log_fits_a_phone(live_server, audited, new_page) -> None:
    page = new_page({"width": 375, "height": 800})
    sign_in(page, live_server.url, "hanna")
    page.goto(f"{live_server.url}/hr/audit/")
    assert_no_horizontal_scroll(page)
    shot(page, "audit-log-375")


def test_an_agent_has_no_link_and_is_refused(live_server, audited, new_page) -> None:
    page = new_page(DESKTOP)
    sign_in(page, live_server.url, "aino")
    expect(menu(page, "Tapahtumaloki")).to_have_count(0)
    response = page.goto(f"{live_server.url}/hr/audit/")
    assert response is not None and response.status == 403
