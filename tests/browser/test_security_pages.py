"""Dead ends a browser could hit, walked in Chromium under the Content Security Policy (the
`new_page` fixture fails a test on any CSP violation): an expired session sending a form, the
API docs signed out and in, and the site's own error page."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from rewards.models import Wish
from tests.browser import test_award_journey as award_journey
from tests.browser.test_award_journey import DESKTOP, sign_in
from tests.people.factories import PASSWORD, AgentFactory
from tests.rewards.factories import RewardFactory

pytestmark = pytest.mark.browser

browser = award_journey.browser
new_page = award_journey.new_page


def fill_sign_in(page: Page, username: str) -> None:
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()


def test_a_form_sent_after_the_session_expired_leads_back_to_its_page(
    live_server, transactional_db: None, new_page
) -> None:
    AgentFactory(username="aino", preferred_language="en")
    reward = RewardFactory()
    page: Page = new_page(DESKTOP)
    sign_in(page, live_server.url, "aino")
    detail = reverse("reward-detail", args=[reward.pk])
    page.goto(f"{live_server.url}{detail}")

    # given: the session ends while the page is open (the CSRF cookie stays, as it does)
    page.context.clear_cookies(name="sessionid")

    # when: the form is sent, and the person signs in again
    page.locator(f"form[action='{reverse('wish-add', args=[reward.pk])}'] button").click()
    expect(page).to_have_url(re.compile(r"/login/\?next="))
    assert not Wish.objects.exists()
    fill_sign_in(page, "aino")

    # then: back on the page the form was on (not a 405 on the form's address); it works now
    expect(page).to_have_url(f"{live_server.url}{detail}")
    page.locator(f"form[action='{reverse('wish-add', args=[reward.pk])}'] button").click()
    expect(page.locator(".badge--goal")).to_be_visible()
    assert Wish.objects.filter(employee__username="aino", reward=reward).exists()
    # home's top-wish card draws its progress bar without an inline style
    page.goto(f"{live_server.url}/")
    expect(page.locator("[data-testid=goal] progress.progress")).to_be_visible()


def test_the_api_docs_ask_to_sign_in_then_show_swagger_under_the_policy(
    live_server, transactional_db: None, new_page
) -> None:
    AgentFactory(username="aino", preferred_language="en")
    page: Page = new_page(DESKTOP)
    docs = reverse("api-docs")

    page.goto(f"{live_server.url}{docs}")
    expect(page).to_have_url(re.compile(r"/login/\?next=/api/v1/docs/"))
    fill_sign_in(page, "aino")

    expect(page).to_have_url(f"{live_server.url}{docs}")
    # Swagger UI renders the whole schema in the browser: slow on a busy machine.
    expect(page.locator(".swagger-ui .info .title")).to_contain_text(
        "Pojopörssi API", timeout=60_000
    )
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()


def test_the_not_found_page_has_the_layout_and_a_way_back(
    live_server, transactional_db: None, new_page
) -> None:
    page: Page = new_page(DESKTOP)

    response = page.goto(f"{live_server.url}/no-such-page/")

    assert response is not None and response.status == 404
    expect(page.locator("h1")).to_have_text("Sivua ei löytynyt")
    page.get_by_role("link", name="Kirjaudu sisään").click()
    expect(page).to_have_url(re.compile(r"/login/"))
