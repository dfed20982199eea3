"""The sign-in pages of the security work in a real Chromium, on a 375 px phone: the API tokens
page (reached from the main menu) lists a token and revokes it; the lockout page fits too.

Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from knox.models import AuthToken
from playwright.sync_api import expect

from people.services import api_token_create
from tests.browser import test_award_journey as award_journey
from tests.browser.test_award_journey import assert_no_horizontal_scroll, shot, sign_in
from tests.people.factories import PASSWORD, AgentFactory

pytestmark = pytest.mark.browser

browser = award_journey.browser
new_page = award_journey.new_page

PHONE_375 = {"width": 375, "height": 812}


def test_api_tokens_page_on_a_phone_revokes_a_token(
    live_server, transactional_db, new_page
) -> None:
    agent = AgentFactory(username="aino", display_name="Aino Nieminen", preferred_language="fi")
    issued = api_token_create(user=agent)
    page = new_page(PHONE_375)
    sign_in(page, live_server.url, "aino")
    # when: from the main menu to the page
    page.get_by_test_id("api-tokens-link").click()
    # then
    expect(page.get_by_role("heading", level=1)).to_have_text("API-tunnisteet")
    expect(page.get_by_test_id("api-tokens")).to_contain_text(issued.token.token_key)
    assert_no_horizontal_scroll(page)
    shot(page, "api-tokens-fi-phone375")
    # when: revoking it
    page.get_by_role("button", name=f"Peru {issued.token.token_key}").click()
    # then
    expect(page.get_by_role("alert").or_(page.locator(".messages"))).to_contain_text(
        "Tunniste peruttiin"
    )
    assert not AuthToken.objects.filter(user=agent).exists()
    assert_no_horizontal_scroll(page)


def test_lockout_page_fits_a_phone(live_server, transactional_db, new_page) -> None:
    AgentFactory(username="aino", preferred_language="fi")
    page = new_page(PHONE_375)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        page.goto(f"{live_server.url}/login/")
        page.locator("#id_username").fill("aino")
        page.locator("#id_password").fill("not-" + PASSWORD)
        page.locator("main form button[type=submit]").click()

    expect(page.get_by_test_id("locked-out")).to_contain_text("Yritä uudelleen 15 minuutin")
    assert_no_horizontal_scroll(page)
    shot(page, "locked-out-fi-phone375")
