"""The watch list in a real Chromium, at a phone's and a desktop's width, in Finnish and English:
Aino adds a reward to her wishes with a target price on its page, sees it on "My wishes", the
price falls below the target at a tick, and the bell shows the price alert (once, whatever runs
the alert pass again).

Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from ledger.services import award_create
from notifications.models import Notification, NotificationKind
from notifications.services import notifications_muted
from pricing.tasks import wish_alerts
from rewards.models import Reward, Wish
from rewards.services import reward_create
from tests.browser import test_award_journey as award_journey
from tests.browser.test_award_journey import assert_no_horizontal_scroll, shot, sign_in
from tests.conftest import fund_budget
from tests.ledger.factories import AwardReasonFactory
from tests.people.factories import AgentFactory, SupervisorFactory, TeamFactory

pytestmark = pytest.mark.browser

browser = award_journey.browser
new_page = award_journey.new_page

TEXTS = {
    "fi": {
        "add": "Lisää toivelistalle",
        "on_list": "Toivelistallasi",
        "title": "Toivelistani",
        "short": "100 pistettä puuttuu",
        "alert": "Hintahälytys: Kylpyläpäivä maksaa nyt 240 pistettä",
    },
    "en": {
        "add": "Add to my wishes",
        "on_list": "On your wish list",
        "title": "My wishes",
        "short": "100 points to go",
        "alert": "Price alert: Spa day now costs 240 points",
    },
}


def _world(language: str) -> Reward:
    team = TeamFactory()
    supervisor = SupervisorFactory()
    team.leaders.add(supervisor)
    agent = AgentFactory(username="aino", team=team, preferred_language=language)
    with notifications_muted():  # an empty bell before the alert
        fund_budget(supervisor, 500)
        award_create(giver=supervisor, recipient=agent, reason=AwardReasonFactory(), points=200)
    return reward_create(name_fi="Kylpyläpäivä", name_en="Spa day", base_price=300)


@pytest.mark.parametrize("language", ["fi", "en"])
@pytest.mark.parametrize("width", [375, 1280])
def test_a_wish_with_a_target_price_rings_the_bell_when_the_price_falls(
    live_server, transactional_db: None, new_page, language: str, width: int
) -> None:
    texts = TEXTS[language]
    tag = f"{language}-{width}"
    spa = _world(language)
    page: Page = new_page({"width": width, "height": 900})
    sign_in(page, live_server.url, "aino")

    # Aino watches the spa day with a target of 250 points (it costs 300; she has 200)
    page.goto(f"{live_server.url}{reverse('reward-detail', args=[spa.pk])}")
    box = page.get_by_test_id("wish-box")
    box.locator("input[name=target_price]").fill("250")
    box.get_by_role("button", name=texts["add"]).click()
    expect(page.get_by_test_id("wish-box")).to_contain_text(texts["on_list"])
    assert_no_horizontal_scroll(page)
    shot(page, f"wish-reward-{tag}")

    # her wish list shows it, with what she is short of
    page.goto(f"{live_server.url}{reverse('wishes')}")
    expect(page.locator("h1")).to_have_text(texts["title"])
    wish = page.get_by_test_id("wish")
    expect(wish).to_contain_text("Kylpyläpäivä" if language == "fi" else "Spa day")
    expect(wish.locator("input[name=target_price]")).to_have_value("250")
    expect(wish.get_by_test_id("wish-short")).to_contain_text(texts["short"])
    expect(page.get_by_test_id("bell-count")).to_have_count(0)
    assert_no_horizontal_scroll(page)
    shot(page, f"wish-list-{tag}")

    # a tick moves the price to 240, and the alert pass that follows it runs (twice: redelivered)
    Reward.objects.filter(pk=spa.pk).update(current_price=240)
    wish_alerts.apply()
    wish_alerts.apply()

    page.reload()
    expect(page.get_by_test_id("bell-count")).to_have_text("1")
    page.get_by_test_id("bell").click()
    expect(page.locator("main")).to_contain_text(texts["alert"])
    assert_no_horizontal_scroll(page)
    shot(page, f"wish-alert-{tag}")
    assert Notification.objects.filter(kind=NotificationKind.WISH_PRICE_TARGET).count() == 1
    assert Wish.objects.get().below_target
