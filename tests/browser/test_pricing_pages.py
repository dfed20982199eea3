"""The pricing pages in a real Chromium: an agent (in Finnish) sees today's movers, the countdown
to the next repricing and the sparklines, and opens a reward's price history; HR (in English)
previews new parameters and saves them as a new version.

Screenshots (desktop and a 375 px phone) go to test-artifacts/.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from people.models import User
from pricing.models import ParameterSet, PriceDay
from pricing.services import parameters_set, pricing_tick_run, sale_create
from rewards.models import Reward, RewardCategory
from tests.browser import test_award_journey as award_journey
from tests.browser.test_award_journey import (
    DESKTOP,
    assert_no_horizontal_scroll,
    menu,
    shot,
    sign_in,
)
from tests.people.factories import AgentFactory, HRFactory, TeamFactory
from tests.rewards.factories import RewardFactory

pytestmark = pytest.mark.browser

browser = award_journey.browser
new_page = award_journey.new_page

PHONE_375 = {"width": 375, "height": 812}


@dataclass
class Priced:
    agent: User
    hr: User
    riser: Reward
    spa: Reward


@pytest.fixture
def priced(transactional_db: None) -> Priced:
    team = TeamFactory(name="Puhelinpalvelu")
    agent = AgentFactory(
        username="aino", display_name="Aino Nieminen", team=team, preferred_language="fi"
    )
    hr = HRFactory(username="henna", display_name="Henna Hakala", preferred_language="en")
    since = timezone.now() - timedelta(days=40)
    riser = RewardFactory(
        name_fi="Konserttiliput",
        name_en="Concert tickets",
        category=RewardCategory.EXPERIENCE,
        base_price=300,
        created_at=since,
    )
    spa = RewardFactory(
        name_fi="Kylpyläpäivä kahdelle",
        name_en="Spa day for two",
        category=RewardCategory.WELLBEING,
        base_price=600,
        created_at=since,
    )
    RewardFactory(name_fi="Lounaslahjakortti", name_en="Lunch voucher", created_at=since)
    # A month of daily ticks: closing prices for the charts.
    parameters_set(actor=None, values={}, effective_from=timezone.now() - timedelta(days=30))
    pricing_tick_run()
    # Concert tickets rose today (+5 % since yesterday's close); the spa is on sale.
    yesterday = timezone.localdate() - timedelta(days=1)
    assert PriceDay.objects.filter(reward=riser, day=yesterday).exists()
    Reward.objects.filter(pk=riser.pk).update(current_price=315, log_price=0.0488)
    sale_create(
        actor=hr,
        name="Hyvinvointiviikko",
        multiplier="0.8",
        starts_at=timezone.now() - timedelta(hours=1),
        ends_at=timezone.now() + timedelta(days=2),
        categories=[RewardCategory.WELLBEING],
    )
    return Priced(agent=agent, hr=hr, riser=riser, spa=spa)


def test_agent_sees_movers_and_history_and_hr_previews_and_saves(
    live_server, priced: Priced, new_page
) -> None:
    base = live_server.url
    page: Page = new_page(DESKTOP)
    sign_in(page, base, "aino")
    page.goto(f"{base}/market/")
    expect(page.locator("html")).to_have_attribute("lang", "fi")

    # Today's movers as a list, with symbol and percentage; the countdown as a <time>.
    ticker = page.get_by_test_id("ticker")
    expect(ticker.get_by_role("listitem")).to_have_count(1)
    expect(ticker).to_contain_text("Konserttiliput")
    expect(ticker).to_contain_text("+5 %")
    countdown = page.get_by_test_id("countdown")
    expect(countdown).to_contain_text("Seuraava hinnoittelu")
    moment = countdown.locator("time").get_attribute("datetime")
    assert moment and re.match(r"^\d{4}-\d\d-\d\dT", moment)
    # The script keeps the time left current, in the page's words.
    expect(countdown.locator("time")).to_have_text(re.compile(r"^\d+ (pv|h|min)\b"))
    # A sparkline on every card, hidden from screen readers; the sale price on the spa.
    grid = page.get_by_test_id("market")
    expect(grid.locator("svg.spark")).to_have_count(3)
    expect(grid.locator("svg.spark").first).to_have_attribute("aria-hidden", "true")
    spa_card = grid.get_by_role("listitem").filter(has_text="Kylpyläpäivä kahdelle")
    expect(spa_card.get_by_test_id("price")).to_contain_text("480")
    expect(spa_card).to_contain_text("Ale −20 %")
    assert_no_horizontal_scroll(page)
    shot(page, "pricing-market-fi-desktop")

    # From the ticker to the reward's page: the chart, its periods and its data.
    ticker.get_by_role("link", name=re.compile("Konserttiliput")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Konserttiliput")
    chart = page.get_by_role("img", name=re.compile(r"^Hinta viimeisten 30 päivän aikana"))
    expect(chart).to_be_visible()
    expect(chart).to_have_attribute("aria-label", re.compile(r"300 pisteestä 315 pisteeseen"))
    expect(page.get_by_test_id("explanation")).to_contain_text("Kukaan ei lunastanut")
    page.get_by_role("link", name="90 päivää").click()
    expect(page.get_by_role("link", name="90 päivää")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("img", name=re.compile("90 päivän"))).to_be_visible()
    page.get_by_text("Näytä hinnat taulukkona").click()
    expect(page.locator("details table tbody tr").first).to_contain_text("315")
    shot(page, "pricing-detail-fi-desktop")

    phone = new_page(PHONE_375)
    sign_in(phone, base, "aino")
    phone.goto(f"{base}/market/")
    expect(phone.get_by_test_id("ticker")).to_be_visible()
    assert_no_horizontal_scroll(phone)
    shot(phone, "pricing-market-fi-phone")
    phone.goto(f"{base}/market/{priced.riser.pk}/")
    expect(phone.locator("svg.chart")).to_be_visible()
    assert_no_horizontal_scroll(phone)
    shot(phone, "pricing-detail-fi-phone")

    # HR, in English: the pricing page from the menu.
    page.get_by_role("button", name="Kirjaudu ulos").click()
    sign_in(page, base, "henna")
    menu(page, "Pricing", label="Main menu").click()
    expect(page.get_by_role("heading", name="Pricing", level=1)).to_be_visible()
    expect(page.get_by_test_id("ticks")).to_be_visible()
    versions = ParameterSet.objects.count()

    # Preview: nothing saved, the table of next prices shown.
    page.get_by_label("Sensitivity η").fill("0.2")
    page.get_by_label("Drift back to base λ").fill("0.5")
    page.get_by_role("button", name="Preview").click()
    preview = page.get_by_test_id("preview")
    expect(preview).to_contain_text("Concert tickets")
    expect(preview).to_contain_text("Nothing was saved")
    expect(preview.locator("tr.diff--changed")).to_have_count(1)  # the riser drifts faster
    expect(page.get_by_label("Sensitivity η")).to_have_value("0.2")  # the proposal is kept
    assert ParameterSet.objects.count() == versions
    shot(page, "pricing-hr-preview-en-desktop")

    # A bad value is refused next to its field.
    page.get_by_label("Floor").fill("3")
    page.get_by_role("button", name="Save as new version").click()
    expect(page.get_by_label("Floor")).to_have_attribute("aria-invalid", "true")
    assert ParameterSet.objects.count() == versions

    # Save as a new version, with a note.
    page.get_by_label("Floor").fill("0.5")
    page.get_by_label("Note (optional)").fill("Faster drift back to base")
    page.get_by_role("button", name="Save as new version").click()
    expect(page.get_by_role("status")).to_contain_text(
        re.compile(r"Saved as version \d+; applies from the next window")
    )
    assert ParameterSet.objects.count() == versions + 1
    saved = ParameterSet.objects.order_by("-id").first()
    assert saved is not None and (saved.eta, saved.lam, saved.created_by) == (0.2, 0.5, priced.hr)
    expect(page.get_by_test_id("versions")).to_contain_text("Faster drift back to base")
    expect(page.get_by_test_id("current-version")).to_contain_text("Henna Hakala")

    phone_hr = new_page(PHONE_375)
    sign_in(phone_hr, base, "henna")
    phone_hr.goto(f"{base}/hr/pricing/")
    assert_no_horizontal_scroll(phone_hr)
    shot(phone_hr, "pricing-hr-en-phone")
    phone_hr.goto(f"{base}/hr/pricing/sales/")
    expect(phone_hr.get_by_test_id("sales-current")).to_contain_text("Hyvinvointiviikko")
    assert_no_horizontal_scroll(phone_hr)
    shot(phone_hr, "pricing-sales-en-phone")
