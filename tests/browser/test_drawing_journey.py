"""The drawing journey in a real Chromium: two agents bid on the Christmas Eve shift swap, the
drawing closes (its Celery job), the winner sees the swap at the clearing price and the loser
sees the hold released. Screenshots (desktop and a 375 px phone) go to test-artifacts/."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from ledger.selectors import ledger_verify, wallet_summary
from ledger.services import award_create
from people.models import User
from rewards.drawings import drawing_create
from rewards.models import Drawing, Redemption, RedemptionState, RewardCategory
from rewards.services import reward_create
from rewards.tasks import drawings_sweep_task
from tests.browser import test_award_journey as award_journey
from tests.browser.test_award_journey import (
    DESKTOP,
    PHONE,
    assert_no_horizontal_scroll,
    shot,
    sign_in,
)
from tests.conftest import fund_budget
from tests.ledger.factories import AwardReasonFactory
from tests.people.factories import AgentFactory, HRFactory, SupervisorFactory, TeamFactory

pytestmark = pytest.mark.browser

browser = award_journey.browser
new_page = award_journey.new_page


@dataclass
class Stage:
    aino: User
    eero: User
    drawing: Drawing


@pytest.fixture
def stage(transactional_db: None, eager_celery: None) -> Stage:
    team = TeamFactory(name="Puhelinpalvelu")
    supervisor = SupervisorFactory(username="sanna", display_name="Sanna Virtanen")
    team.leaders.add(supervisor)
    aino = AgentFactory(
        username="aino", display_name="Aino Nieminen", team=team, preferred_language="en"
    )
    eero = AgentFactory(
        username="eero", display_name="Eero Koskinen", team=team, preferred_language="fi"
    )
    reason = AwardReasonFactory(code="customer-feedback", suggested_min=20, suggested_max=400)
    fund_budget(supervisor, 1000)
    for agent in (aino, eero):
        award_create(giver=supervisor, recipient=agent, reason=reason, points=400)
    swap = reward_create(
        name_fi="Vaihda jouluaaton vuoro pois",
        name_en="Swap away your Christmas Eve shift",
        category=RewardCategory.TIME_OFF,
        base_price=250,
        stock=1,
        needs_approval=True,
    )
    now = timezone.now()
    drawing = drawing_create(
        actor=HRFactory(),
        reward=swap,
        rule="auction",
        opens_at=now - timedelta(minutes=1),
        closes_at=now + timedelta(hours=1),
    )
    return Stage(aino=aino, eero=eero, drawing=drawing)


def bid(page: Page, base: str, drawing: Drawing, amount: int, button: str) -> None:
    page.goto(f"{base}/drawings/{drawing.pk}/")
    page.locator("#id_amount").fill(str(amount))
    page.get_by_test_id("bid-submit").click()
    expect(page.get_by_test_id("my-hold")).to_contain_text(str(amount))


def test_two_agents_bid_the_drawing_closes_winner_pays_the_clearing_price(
    live_server, stage: Stage, new_page
) -> None:
    base = live_server.url
    page: Page = new_page(DESKTOP)

    # Aino (English) finds the drawing from the menu and bids 320.
    sign_in(page, base, "aino")
    page.get_by_role("navigation").get_by_role("link", name="Drawings").click()
    page.get_by_test_id("drawings-live").get_by_role(
        "link", name="Swap away your Christmas Eve shift"
    ).click()
    expect(page.get_by_text("Bid what the reward is truly worth to you.")).to_be_visible()
    expect(page.get_by_test_id("reserve")).to_contain_text("250")
    expect(page.locator("[data-countdown-clock]")).to_have_text(re.compile(r"^0:5\d:\d\d$"))
    bid(page, base, stage.drawing, 320, "Place my bid")
    expect(page.get_by_test_id("header-balance")).to_have_text("80")
    expect(page.get_by_test_id("header-held")).to_contain_text("320")
    assert_no_horizontal_scroll(page)
    shot(page, "drawing-bid-en-desktop")
    page.get_by_role("button", name="Sign out").click()

    # Eero (Finnish) bids 280 and sees two bidders, not their bids.
    sign_in(page, base, "eero")
    bid(page, base, stage.drawing, 280, "Tee tarjous")
    expect(page.get_by_test_id("bidders")).to_have_text("2")
    expect(page.locator("main")).not_to_contain_text("320")
    shot(page, "drawing-bid-fi-desktop")
    page.get_by_role("button", name="Kirjaudu ulos").click()

    # The clock reaches the close; the sweeper job (run by Celery every minute) clears it.
    Drawing.objects.filter(pk=stage.drawing.pk).update(
        closes_at=timezone.now() - timedelta(seconds=1)
    )
    drawings_sweep_task.delay()

    # Aino won and pays the highest losing bid, 280, not her 320.
    sign_in(page, base, "aino")
    page.goto(f"{base}/drawings/{stage.drawing.pk}/")
    expect(page.get_by_test_id("clearing-price")).to_contain_text("280")
    expect(page.get_by_test_id("my-result")).to_contain_text("You won! You paid 280 points")
    expect(page.get_by_test_id("header-balance")).to_have_text("120")
    expect(page.get_by_test_id("header-held")).to_have_count(0)
    shot(page, "drawing-won-en-desktop")
    page.get_by_role("link", name="See your redemption").click()
    expect(page.locator("main")).to_contain_text("Swap away your Christmas Eve shift")
    expect(page.locator("main")).to_contain_text("280")
    shot(page, "drawing-receipt-en-desktop")
    page.get_by_role("button", name="Sign out").click()

    # Eero lost; his hold is released.
    phone = new_page({**PHONE, "width": 375})
    sign_in(phone, base, "eero")
    phone.goto(f"{base}/drawings/{stage.drawing.pk}/")
    expect(phone.get_by_test_id("my-result")).to_contain_text("280")
    expect(phone.get_by_test_id("header-balance")).to_have_text("400")
    expect(phone.get_by_test_id("header-held")).to_have_count(0)
    assert_no_horizontal_scroll(phone)
    shot(phone, "drawing-lost-fi-phone375")

    redemption = Redemption.objects.get()
    assert (redemption.employee, redemption.price_paid) == (stage.aino, 280)
    assert redemption.state == RedemptionState.PENDING  # the swap needs approval
    assert wallet_summary(user=stage.aino).balance == 120
    assert wallet_summary(user=stage.eero) == wallet_summary(user=stage.eero).__class__(400, 0)
    assert ledger_verify() == []


def test_hr_creates_and_watches_a_lottery_on_a_phone(
    live_server, transactional_db: None, new_page
) -> None:
    base = live_server.url
    HRFactory(username="henna", display_name="Henna Hakala", preferred_language="fi")
    reward_create(
        name_fi="Muumimuki",
        name_en="Moomin mug",
        category=RewardCategory.DESIGN_GOODS,
        base_price=60,
        stock=4,
    )
    page: Page = new_page({**PHONE, "width": 375})
    sign_in(page, base, "henna")
    page.goto(f"{base}/hr/drawings/")
    page.get_by_label("Palkinto").select_option(label="Muumimuki")
    page.get_by_label("Sääntö").select_option("lottery")
    closes = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    page.get_by_label("Päättyy").fill(closes)
    page.get_by_test_id("drawing-create").click()
    table = page.get_by_test_id("hr-drawings")
    expect(table).to_contain_text("Muumimuki")
    expect(table).to_contain_text("Arvonta")
    assert_no_horizontal_scroll(page)
    shot(page, "hr-drawings-fi-phone375")

    table.get_by_role("link", name="Muumimuki").click()
    expect(page.get_by_test_id("reserve")).to_contain_text("60")
    expect(page.get_by_test_id("seed-hash")).to_have_text(re.compile(r"^[0-9a-f]{64}$"))
    assert_no_horizontal_scroll(page)
    shot(page, "drawing-lottery-fi-phone375")
    drawing = Drawing.objects.get()
    assert (drawing.rule, drawing.state, drawing.k, drawing.reserve) == ("lottery", "open", 4, 60)
