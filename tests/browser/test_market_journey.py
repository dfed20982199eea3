"""The market journey in a real Chromium, in Finnish: an agent redeems the Christmas Eve shift
swap, the supervisor approves it, and the agent sees it approved, the balance and the bell.

Screenshots (desktop and a 390 px phone) go to test-artifacts/.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from ledger.selectors import balance_of
from ledger.services import award_create
from notifications.models import Notification
from people.models import User
from pricing.models import PriceDay
from rewards.models import Redemption, RedemptionState, Reward, RewardCategory
from rewards.services import goal_set, reward_create
from tests.browser import test_award_journey as award_journey
from tests.browser.test_award_journey import (
    DESKTOP,
    PHONE,
    assert_no_horizontal_scroll,
    menu,
    shot,
    sign_in,
)
from tests.conftest import fund_budget
from tests.ledger.factories import AwardReasonFactory
from tests.people.factories import AgentFactory, SupervisorFactory, TeamFactory

pytestmark = pytest.mark.browser

# The award journey's Chromium and its pages, shared as fixtures.
browser = award_journey.browser
new_page = award_journey.new_page


@dataclass
class Market:
    supervisor: User
    agent: User
    shift: Reward
    spa: Reward


@pytest.fixture
def market(transactional_db: None, eager_celery: None) -> Market:
    team = TeamFactory(name="Puhelinpalvelu")
    supervisor = SupervisorFactory(
        username="sanna", display_name="Sanna Virtanen", preferred_language="fi"
    )
    team.leaders.add(supervisor)
    agent = AgentFactory(
        username="aino",
        display_name="Aino Nieminen",
        team=team,
        preferred_language="fi",
        email="aino@example.com",
    )
    reason = AwardReasonFactory(
        code="customer-feedback",
        name_fi="Erinomainen asiakaspalaute",
        name_en="Excellent customer feedback",
        suggested_min=20,
        suggested_max=400,
    )
    # Funded through real awards (each also rings the agent's bell).
    fund_budget(supervisor, 1000)
    for points in (200, 120):
        award_create(giver=supervisor, recipient=agent, reason=reason, points=points)
    shift = reward_create(
        name_fi="Jouluaaton vuoron vaihto",
        name_en="Swap away your Christmas Eve shift",
        description_fi="Vaihda jouluaaton vuorosi pois ja vietä ilta läheistesi kanssa.",
        description_en="Swap your Christmas Eve shift away and spend the evening at home.",
        category=RewardCategory.TIME_OFF,
        base_price=250,
        stock=3,
        needs_approval=True,
    )
    spa = reward_create(
        name_fi="Kylpyläpäivä kahdelle",
        name_en="Spa day for two",
        category=RewardCategory.WELLBEING,
        base_price=600,
        stock=5,
    )
    reward_create(
        name_fi="Teatteri-ilta",
        name_en="An evening at the theatre",
        category=RewardCategory.EXPERIENCE,
        base_price=180,
    )
    vase = reward_create(
        name_fi="Aalto-maljakko",
        name_en="Aalto vase",
        category=RewardCategory.DESIGN_GOODS,
        base_price=400,
        stock=2,
    )
    Reward.objects.filter(pk=vase.pk).update(current_price=440)  # +10 % on demand
    hoodie = reward_create(
        name_fi="Pojopörssi-huppari",
        name_en="Pojopörssi hoodie",
        category=RewardCategory.DESIGN_GOODS,
        base_price=90,
    )
    Reward.objects.filter(pk=hoodie.pk).update(current_price=81)  # −10 %
    # The cards show the change since yesterday's closing price.
    yesterday = timezone.localdate() - timedelta(days=1)
    for reward in (vase, hoodie):
        PriceDay.objects.create(
            reward=reward,
            day=yesterday,
            price=reward.base_price,
            log_price=0.0,
            base_price=reward.base_price,
        )
    reward_create(name_fi="Lounaslahjakortti", name_en="Lunch voucher", base_price=60)
    return Market(supervisor=supervisor, agent=agent, shift=shift, spa=spa)


def test_agent_redeems_the_shift_swap_and_the_supervisor_approves_it(
    live_server, market: Market, new_page
) -> None:
    base = live_server.url
    page: Page = new_page(DESKTOP)
    sign_in(page, base, "aino")
    expect(page.locator("html")).to_have_attribute("lang", "fi")
    expect(page.get_by_test_id("bell-count")).to_have_text("2")  # the two awards

    # The market, filtered to time off.
    menu(page, "Palkintotori").click()
    expect(page.get_by_role("heading", name="Palkintotori", level=1)).to_be_visible()
    grid = page.get_by_test_id("market")
    expect(grid).to_contain_text("Jouluaaton vuoron vaihto")
    expect(grid).to_contain_text("+10 %")
    expect(grid).to_contain_text("−10 %")
    assert_no_horizontal_scroll(page)
    shot(page, "market-fi-desktop")
    page.get_by_label("Luokka").select_option("time_off")
    page.get_by_role("button", name="Näytä").click()
    expect(grid.locator("li")).to_have_count(1)
    expect(grid).to_contain_text("3 jäljellä")

    # Detail → get price → confirm with the promise and its countdown.
    grid.get_by_role("link", name="Jouluaaton vuoron vaihto").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Jouluaaton vuoron vaihto")
    expect(page.get_by_test_id("price")).to_contain_text("250")
    shot(page, "reward-detail-fi-desktop")
    page.get_by_role("button", name="Hae hinta").click()
    expect(page.get_by_test_id("quote-price")).to_contain_text("250")
    expect(page.get_by_text("Aikaa jäljellä")).to_be_visible()
    expect(page.locator("[data-countdown-clock]")).to_have_text(re.compile(r"^1[45]:\d\d$"))
    shot(page, "confirm-fi-desktop")
    page.get_by_role("button", name="Vahvista ja maksa 250 p").click()

    # The receipt: pending, and the new balance.
    expect(page.get_by_role("heading", level=1)).to_have_text("Lunastettu – odottaa hyväksyntää")
    expect(page.get_by_test_id("receipt-balance")).to_contain_text("70")
    expect(page.get_by_test_id("header-balance")).to_have_text("70")
    shot(page, "receipt-fi-desktop")
    redemption = Redemption.objects.get()
    assert redemption.state == RedemptionState.PENDING and redemption.price_paid == 250

    menu(page, "Lunastukset").click()
    expect(page.get_by_test_id(f"state-{redemption.pk}")).to_have_text("Odottaa hyväksyntää")
    shot(page, "redemptions-pending-fi-desktop")

    # A wish to save for: the spa day (the first wish is home's card).
    page.goto(f"{base}/market/{market.spa.pk}/")
    page.get_by_role("button", name="Lisää toivelistalle").click()
    menu(page, "Etusivu").click()
    goal = page.get_by_test_id("goal")
    expect(goal).to_contain_text("Kylpyläpäivä kahdelle")
    expect(goal).to_contain_text("530 pistettä puuttuu")
    shot(page, "home-goal-fi-desktop")

    # The supervisor approves it in the queue.
    page.get_by_role("button", name="Kirjaudu ulos").click()
    sign_in(page, base, "sanna")
    menu(page, "Hyväksynnät").click()
    pending = page.get_by_test_id("pending")
    expect(pending).to_contain_text("Aino Nieminen")
    expect(pending).to_contain_text("Jouluaaton vuoron vaihto")
    assert_no_horizontal_scroll(page)
    shot(page, "approvals-fi-desktop")
    pending.get_by_role("button", name=re.compile("^Hyväksy")).click()
    expect(page.get_by_role("status")).to_contain_text(
        "Hyväksytty: Jouluaaton vuoron vaihto, Aino Nieminen."
    )
    expect(page.get_by_test_id("to-fulfil")).to_contain_text("Aino Nieminen")
    shot(page, "approvals-done-fi-desktop")
    redemption.refresh_from_db()
    assert redemption.state == RedemptionState.APPROVED

    # The agent sees it approved, the balance, and the notification on the bell.
    page.get_by_role("button", name="Kirjaudu ulos").click()
    sign_in(page, base, "aino")
    expect(page.get_by_test_id("header-balance")).to_have_text("70")
    expect(page.get_by_test_id("bell-count")).to_have_text("3")
    menu(page, "Lunastukset").click()
    expect(page.get_by_test_id(f"state-{redemption.pk}")).to_have_text("Hyväksytty")
    page.get_by_test_id("bell").click()
    notes = page.get_by_test_id("notifications")
    expect(notes).to_contain_text("Lunastuksesi hyväksyttiin: Jouluaaton vuoron vaihto")
    shot(page, "notifications-fi-desktop")
    page.get_by_role("button", name="Merkitse kaikki luetuiksi").click()
    expect(page.get_by_test_id("bell-count")).to_have_count(0)

    assert balance_of(user=market.agent) == 70
    assert Notification.objects.filter(recipient=market.agent).count() == 3
    market.shift.refresh_from_db()
    assert market.shift.stock == 2


@pytest.mark.parametrize("width", [390, 360])
def test_market_pages_fit_a_phone(live_server, market: Market, new_page, width: int) -> None:
    base = live_server.url
    page: Page = new_page({**PHONE, "width": width})
    tag = f"phone{width}"
    goal_set(employee=market.agent, reward=market.spa)
    sign_in(page, base, "aino")
    expect(page.get_by_test_id("goal")).to_contain_text("Kylpyläpäivä kahdelle")
    assert_no_horizontal_scroll(page)
    shot(page, f"home-goal-fi-{tag}")

    menu(page, "Palkintotori").click()
    assert_no_horizontal_scroll(page)
    shot(page, f"market-fi-{tag}")
    page.get_by_test_id("market").get_by_role("link", name="Jouluaaton vuoron vaihto").click()
    assert_no_horizontal_scroll(page)
    shot(page, f"reward-detail-fi-{tag}")
    page.get_by_role("button", name="Hae hinta").click()
    expect(page.get_by_text("Aikaa jäljellä")).to_be_visible()
    assert_no_horizontal_scroll(page)
    shot(page, f"confirm-fi-{tag}")
    page.get_by_role("button", name="Vahvista ja maksa 250 p").click()
    expect(page.get_by_test_id("receipt-balance")).to_contain_text("70")
    assert_no_horizontal_scroll(page)
    shot(page, f"receipt-fi-{tag}")
    menu(page, "Lunastukset").click()
    assert_no_horizontal_scroll(page)
    shot(page, f"redemptions-fi-{tag}")

    page.get_by_role("button", name="Kirjaudu ulos").click()
    sign_in(page, base, "sanna")
    menu(page, "Hyväksynnät").click()
    page.get_by_text("Hylkää…").click()
    expect(page.get_by_label("Hylkäämisen syy")).to_be_visible()
    assert_no_horizontal_scroll(page)
    shot(page, f"approvals-fi-{tag}")
