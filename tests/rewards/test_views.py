"""The HTML pages of the market: catalogue, the redeem flow, my redemptions, approvals, HR."""

from __future__ import annotations

import re
import threading
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ledger.models import IdempotencyRecord, Transaction
from ledger.selectors import balance_of, ledger_verify
from pricing.models import PriceDay
from rewards.models import Quote, Redemption, RedemptionState, Reward, RewardCategory, Wish
from rewards.services import quote_create, redemption_create
from tests.people.factories import AgentFactory, SupervisorFactory, TeamFactory
from tests.rewards.factories import RewardFactory

pytestmark = pytest.mark.django_db

MARKET = reverse("market")
REDEMPTIONS = reverse("redemptions")
APPROVALS = reverse("approvals")
HR = reverse("hr-redemptions")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text(response) -> str:
    return response.content.decode()


def written() -> tuple[int, int, int, int]:
    """What a refusal must leave untouched."""
    return (
        Redemption.objects.count(),
        Transaction.objects.count(),
        IdempotencyRecord.objects.count(),
        Quote.objects.filter(used_at__isnull=False).count(),
    )


def confirm(client: Client, quote: Quote, key: str | None = None):
    return client.post(
        reverse("redemption-confirm", args=[quote.pk]), {"form_key": key or uuid.uuid4().hex}
    )


# --- who may see what -----------------------------------------------------------------------


@pytest.mark.parametrize("url", [MARKET, REDEMPTIONS, APPROVALS, HR, reverse("notifications")])
def test_anonymous_visitors_are_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_agents_may_not_open_approvals_or_the_hr_view(crew):
    agent = signed_in(crew.agents[0])
    assert agent.get(APPROVALS).status_code == 403
    assert agent.get(HR).status_code == 403
    assert signed_in(crew.supervisor).get(HR).status_code == 403
    assert signed_in(crew.supervisor).get(APPROVALS).status_code == 200
    assert signed_in(crew.hr).get(APPROVALS).status_code == 200
    assert signed_in(crew.hr).get(HR).status_code == 200


def test_header_shows_the_market_menu_by_role(crew):
    agent_page = text(signed_in(crew.agents[0]).get(MARKET))
    assert f'href="{MARKET}"' in agent_page and f'href="{REDEMPTIONS}"' in agent_page
    assert f'href="{APPROVALS}"' not in agent_page and f'href="{HR}"' not in agent_page
    supervisor_page = text(signed_in(crew.supervisor).get(MARKET))
    assert f'href="{APPROVALS}"' in supervisor_page and f'href="{HR}"' not in supervisor_page
    hr_page = text(signed_in(crew.hr).get(MARKET))
    assert f'href="{APPROVALS}"' in hr_page and f'href="{HR}"' in hr_page


# --- market ---------------------------------------------------------------------------------


def test_market_lists_active_rewards_with_price_change_and_stock(crew):
    spa = RewardFactory(
        name_fi="Kylpyläpäivä", category=RewardCategory.WELLBEING, base_price=200, stock=3
    )
    Reward.objects.filter(pk=spa.pk).update(current_price=230)
    # The card shows the change since yesterday's closing price (pricing's PriceDay).
    yesterday = timezone.localdate() - timedelta(days=1)
    PriceDay.objects.create(reward=spa, day=yesterday, price=200, log_price=0.0, base_price=200)
    RewardFactory(name_fi="Piilotettu", active=False)
    response = signed_in(crew.agents[0]).get(MARKET)
    assert response.status_code == 200
    [card] = response.context["cards"]
    assert card["reward"] == spa and card["pricing"].change == 15.0
    page = text(response)
    assert "Kylpyläpäivä" in page and "Piilotettu" not in page
    assert "+15 %" in page and "3 jäljellä" in page


def test_market_filters_searches_and_sorts(crew):
    cheap = RewardFactory(name_fi="Leffalippu", category=RewardCategory.EXPERIENCE, base_price=40)
    dear = RewardFactory(name_fi="Teatteri-ilta", category=RewardCategory.EXPERIENCE, base_price=90)
    RewardFactory(name_fi="Huppari", category=RewardCategory.DESIGN_GOODS, base_price=60)
    client = signed_in(crew.agents[0])

    def names(**params) -> list[str]:
        return [c["reward"].name_fi for c in client.get(MARKET, params).context["cards"]]

    assert names(category="experience", sort="-price") == ["Teatteri-ilta", "Leffalippu"]
    assert names(q="huppa") == ["Huppari"]
    assert names(sort="price") == ["Leffalippu", "Huppari", "Teatteri-ilta"]
    # popularity: the most redeemed first
    [buyer] = crew.agents[:1]
    _fund(crew, buyer, 200)
    redemption_create(employee=buyer, quote=quote_create(employee=buyer, reward=dear))
    assert names(sort="-popularity")[0] == "Teatteri-ilta"
    assert cheap  # listed above
    # an unknown value is ignored, not a 500
    assert client.get(MARKET, {"sort": "nonsense", "category": "x"}).status_code == 200


def _fund(crew, agent, points: int) -> None:
    from tests.ledger.factories import AwardReasonFactory
    from tests.rewards.conftest import fund_wallets

    fund_wallets(reason=AwardReasonFactory(), agents=[agent], points=points)


# --- the redeem flow ------------------------------------------------------------------------


def test_get_price_then_confirm_buys_once_and_shows_the_receipt(crew):
    agent = crew.agents[0]
    _fund(crew, agent, 150)
    reward = RewardFactory(name_fi="Aalto-maljakko", base_price=120, stock=2)
    client = signed_in(agent)
    # Get price → the confirm page with the promise and its expiry
    response = client.post(reverse("quote-create", args=[reward.pk]))
    quote = Quote.objects.get(employee=agent)
    assert response["Location"] == reverse("redemption-confirm", args=[quote.pk])
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "data-countdown" in text(page) and "120" in text(page)
    key = re.search(r'name="form_key" value="([0-9a-f]+)"', text(page)).group(1)
    # confirm
    response = confirm(client, quote, key)
    redemption = Redemption.objects.get()
    assert response["Location"] == reverse("redemption-receipt", args=[redemption.pk])
    receipt = client.get(response["Location"])
    assert receipt.context["balance"] == 30 == balance_of(user=agent)
    assert redemption.state == RedemptionState.APPROVED
    # the same form sent again (a double click, a reload): the same receipt, nothing more
    again = confirm(client, quote, key)
    assert again["Location"] == response["Location"]
    assert Redemption.objects.count() == 1 and balance_of(user=agent) == 30
    reward.refresh_from_db()
    assert reward.stock == 1


def test_double_submit_with_one_key_makes_one_redemption(crew):
    agent = crew.agents[0]
    _fund(crew, agent, 100)
    quote = quote_create(employee=agent, reward=RewardFactory(base_price=40))
    client = signed_in(agent)
    key = uuid.uuid4().hex
    first, second = confirm(client, quote, key), confirm(client, quote, key)
    assert first["Location"] == second["Location"]
    assert Redemption.objects.count() == 1 and balance_of(user=agent) == 60


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("poor", "Lompakossa ei ole tarpeeksi pisteitä"),
        ("sold_out", "loppuunmyyty"),
        ("inactive", "ei ole enää saatavilla"),
        ("used", "on jo käytetty"),
    ],
)
def test_refusals_show_a_message_and_write_nothing(crew, setup, message):
    agent = crew.agents[0]
    _fund(crew, agent, 100)
    reward = RewardFactory(base_price=80 if setup != "poor" else 500, stock=1)
    quote = quote_create(employee=agent, reward=reward)
    if setup == "sold_out":
        Reward.objects.filter(pk=reward.pk).update(stock=0)
    elif setup == "inactive":
        Reward.objects.filter(pk=reward.pk).update(active=False)
    elif setup == "used":
        Quote.objects.filter(pk=quote.pk).update(used_at=timezone.now())
    before = written()
    client = signed_in(agent)
    # when
    response = confirm(client, quote)
    # then: a clear message on the page it leads to, nothing written
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert message.lower() in text(page).lower(), text(page)
    assert written() == before
    assert balance_of(user=agent) == 100


def test_a_confirm_page_beyond_the_points_offers_no_pay_button(crew):
    # given: 100 points and a 130-point reward
    agent = crew.agents[0]
    _fund(crew, agent, 100)
    quote = quote_create(employee=agent, reward=RewardFactory(base_price=130))
    # when
    page = text(signed_in(agent).get(reverse("redemption-confirm", args=[quote.pk])))
    # then: what is missing, a way back, and no button that could only fail
    assert "30 p" in page and "Sinulla ei ole vielä tarpeeksi pisteitä" in page
    assert 'name="form_key"' not in page and "Vahvista ja maksa" not in page
    # and with enough points the button is there
    _fund(crew, agent, 30)
    page = text(signed_in(agent).get(reverse("redemption-confirm", args=[quote.pk])))
    assert 'name="form_key"' in page and "Vahvista ja maksa" in page


def test_price_changed_offers_a_fresh_quote(crew):
    agent = crew.agents[0]
    _fund(crew, agent, 200)
    reward = RewardFactory(base_price=50)
    quote = quote_create(employee=agent, reward=reward)
    Quote.objects.filter(pk=quote.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    Reward.objects.filter(pk=reward.pk).update(current_price=70)
    before = written()
    client = signed_in(agent)
    response = confirm(client, quote)
    fresh = Quote.objects.exclude(pk=quote.pk).get()
    assert fresh.price == 70
    assert response["Location"] == reverse("redemption-confirm", args=[fresh.pk])
    page = client.get(response["Location"])
    assert "Hinta nousi" in text(page)
    assert written() == before
    assert balance_of(user=agent) == 200


def test_someone_elses_quote_or_receipt_is_not_found(crew):
    owner, other = crew.agents[0], crew.agents[1]
    _fund(crew, owner, 100)
    quote = quote_create(employee=owner, reward=RewardFactory(base_price=10))
    redemption = redemption_create(employee=owner, quote=quote)
    client = signed_in(other)
    assert client.get(reverse("redemption-confirm", args=[quote.pk])).status_code == 404
    assert confirm(client, quote).status_code == 404
    assert client.get(reverse("redemption-receipt", args=[redemption.pk])).status_code == 404
    assert client.post(reverse("redemption-cancel", args=[redemption.pk])).status_code == 404


def test_getting_a_price_for_a_sold_out_reward_says_so(crew):
    agent = crew.agents[0]
    reward = RewardFactory(stock=0)
    client = signed_in(agent)
    response = client.post(reverse("quote-create", args=[reward.pk]), follow=True)
    assert "loppuunmyyty" in text(response)
    assert Quote.objects.count() == 0


# --- my redemptions and wishes ---------------------------------------------------------------


def test_my_redemptions_lists_mine_and_cancels_a_pending_one(crew):
    agent, other = crew.agents[0], crew.agents[1]
    _fund(crew, agent, 100)
    _fund(crew, other, 100)
    reward = RewardFactory(name_fi="Jouluvuoron vaihto", base_price=60, needs_approval=True)
    mine = redemption_create(employee=agent, quote=quote_create(employee=agent, reward=reward))
    redemption_create(employee=other, quote=quote_create(employee=other, reward=reward))
    client = signed_in(agent)
    response = client.get(REDEMPTIONS)
    assert list(response.context["page"].object_list) == [mine]
    assert "Peru ja palauta pisteet" in text(response)
    # cancel
    response = client.post(reverse("redemption-cancel", args=[mine.pk]), follow=True)
    assert "palautettiin" in text(response)
    mine.refresh_from_db()
    assert mine.state == RedemptionState.CANCELLED
    assert balance_of(user=agent) == 100
    # cancelling again: a message, not a 500, nothing more refunded
    response = client.post(reverse("redemption-cancel", args=[mine.pk]), follow=True)
    assert response.status_code == 200
    assert balance_of(user=agent) == 100


def test_a_pending_receipt_cancels_and_comes_back_to_itself(crew):
    agent = crew.agents[0]
    _fund(crew, agent, 100)
    reward = RewardFactory(base_price=60, needs_approval=True)
    mine = redemption_create(employee=agent, quote=quote_create(employee=agent, reward=reward))
    client = signed_in(agent)
    receipt = reverse("redemption-receipt", args=[mine.pk])
    assert 'data-testid="receipt-cancel"' in text(client.get(receipt))
    # when
    response = client.post(reverse("redemption-cancel", args=[mine.pk]), {"next": "receipt"})
    # then: back on the receipt, which now says cancelled and offers no cancel button
    assert response["Location"] == receipt
    page = text(client.get(receipt))
    assert "Lunastus peruttu" in page and 'data-testid="receipt-cancel"' not in page
    assert balance_of(user=agent) == 100


def test_a_reward_without_approval_is_confirmed_not_approved(crew):
    agent = crew.agents[0]
    _fund(crew, agent, 100)
    bought = redemption_create(
        employee=agent, quote=quote_create(employee=agent, reward=RewardFactory(base_price=10))
    )
    client = signed_in(agent)
    client.post(reverse("language-set"), {"language": "en", "next": "/"})
    page = text(client.get(reverse("redemption-receipt", args=[bought.pk])))
    assert "Redeemed!" in page and ">Confirmed<" in page
    assert "Approved" not in page and "It&#x27;s yours!" not in page


def test_add_and_remove_a_wish_and_home_shows_the_top_wish(crew):
    agent = crew.agents[0]
    _fund(crew, agent, 50)
    reward = RewardFactory(name_fi="Kylpylä", base_price=200)
    client = signed_in(agent)
    client.post(reverse("wish-add", args=[reward.pk]))
    wish = Wish.objects.get(employee=agent)
    assert wish.reward == reward
    home = text(client.get(reverse("home")))
    assert "Kylpylä" in home and 'max="100" value="25"' in home
    assert "150 pistettä puuttuu" in home
    client.post(reverse("wish-remove", args=[wish.pk]))
    assert not Wish.objects.filter(employee=agent).exists()
    assert "Valitse toive" in text(client.get(reverse("home")))


# --- approvals ------------------------------------------------------------------------------


def test_approval_queue_shows_only_the_supervisors_teams(crew):
    mine, outsider = crew.agents[0], AgentFactory(team=TeamFactory())
    _fund(crew, mine, 100)
    _fund(crew, outsider, 100)
    reward = RewardFactory(base_price=40, needs_approval=True)
    ours = redemption_create(employee=mine, quote=quote_create(employee=mine, reward=reward))
    theirs = redemption_create(
        employee=outsider, quote=quote_create(employee=outsider, reward=reward)
    )
    response = signed_in(crew.supervisor).get(APPROVALS)
    assert response.context["pending"] == [ours]
    assert signed_in(crew.hr).get(APPROVALS).context["pending"] == [ours, theirs]
    # another team's supervisor cannot decide on it: a message, nothing changes
    response = signed_in(crew.supervisor).post(
        reverse("redemption-decide", args=[theirs.pk, "approve"]), follow=True
    )
    assert response.status_code == 200
    theirs.refresh_from_db()
    assert theirs.state == RedemptionState.PENDING


def test_supervisor_approves_rejects_with_reason_and_fulfils(crew):
    a, b = crew.agents[0], crew.agents[1]
    _fund(crew, a, 100)
    _fund(crew, b, 100)
    reward = RewardFactory(base_price=40, needs_approval=True, stock=5)
    ra = redemption_create(employee=a, quote=quote_create(employee=a, reward=reward))
    rb = redemption_create(employee=b, quote=quote_create(employee=b, reward=reward))
    client = signed_in(crew.supervisor)
    decide = lambda r, d, **data: client.post(  # noqa: E731
        reverse("redemption-decide", args=[r.pk, d]), data, follow=True
    )
    assert "Hyväksytty" in text(decide(ra, "approve"))
    # rejecting without a reason is refused, nothing changes
    decide(rb, "reject")
    rb.refresh_from_db()
    assert rb.state == RedemptionState.PENDING
    decide(rb, "reject", reason="Vuoro on jo täynnä.")
    rb.refresh_from_db()
    assert (rb.state, rb.reason) == (RedemptionState.REJECTED, "Vuoro on jo täynnä.")
    assert balance_of(user=b) == 100
    # the approved one waits to be handed over
    assert signed_in(crew.supervisor).get(APPROVALS).context["to_fulfil"] == [ra]
    decide(ra, "fulfil")
    ra.refresh_from_db()
    assert ra.state == RedemptionState.FULFILLED
    # a second approval of a decided one: a clear message, no 500
    response = decide(ra, "approve")
    assert response.status_code == 200 and "ei voi" in text(response).lower()
    assert client.post(reverse("redemption-decide", args=[ra.pk, "explode"])).status_code == 404


def test_hr_view_filters_by_state_team_reward_and_date(crew):
    a, b = crew.agents[0], crew.agents[1]
    _fund(crew, a, 200)
    _fund(crew, b, 200)
    spa, vase = RewardFactory(base_price=30), RewardFactory(base_price=20)
    r1 = redemption_create(employee=a, quote=quote_create(employee=a, reward=spa))
    r2 = redemption_create(employee=b, quote=quote_create(employee=b, reward=vase))
    client = signed_in(crew.hr)

    def listed(**params) -> list[Redemption]:
        return list(client.get(HR, params).context["page"].object_list)

    assert set(listed()) == {r1, r2}
    assert listed(reward=spa.pk) == [r1]
    assert set(listed(team=crew.team.pk)) == {r1, r2}
    assert listed(state="pending") == []
    today = timezone.localdate()
    assert set(listed(since=today.isoformat(), until=today.isoformat())) == {r1, r2}
    assert listed(since=(today + timedelta(days=1)).isoformat()) == []
    assert SupervisorFactory()  # supervisors are refused above


def test_pages_speak_english_to_english_readers(crew):
    agent = crew.agents[0]
    _fund(crew, agent, 100)
    reward = RewardFactory(name_fi="Huppari", name_en="Hoodie", base_price=40, needs_approval=True)
    redemption_create(employee=agent, quote=quote_create(employee=agent, reward=reward))
    client = signed_in(agent)
    client.post(reverse("language-set"), {"language": "en", "next": MARKET})
    market = text(client.get(MARKET))
    assert "Hoodie" in market and "Market" in market and "Huppari" not in market
    mine = text(client.get(REDEMPTIONS))
    assert "Awaiting approval" in mine and "Cancel and refund" in mine


@pytest.mark.django_db(transaction=True)
def test_concurrent_double_submit_of_the_confirm_form_buys_once(crew, postgres):
    # given: two clicks of one confirm form, racing in separate connections
    agent = crew.agents[0]
    _fund(crew, agent, 100)
    reward = RewardFactory(base_price=30, stock=5)
    quote = quote_create(employee=agent, reward=reward)
    key = uuid.uuid4().hex
    barrier = threading.Barrier(2)
    locations: list[str] = []

    def submit() -> None:
        try:
            client = signed_in(agent)
            barrier.wait()
            locations.append(confirm(client, quote, key)["Location"])
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then: both land on the one receipt
    redemption = Redemption.objects.get()
    assert locations == [reverse("redemption-receipt", args=[redemption.pk])] * 2
    assert balance_of(user=agent) == 70
    reward.refresh_from_db()
    assert reward.stock == 4
    assert ledger_verify() == []


def test_points_history_names_the_reward_of_a_redemption_and_its_refund(crew, fund):
    # given: a bought and then cancelled theatre evening
    from rewards.services import redemption_cancel

    agent = crew.agents[0]
    fund([agent], 200)
    reward = RewardFactory(
        name_fi="Teatteri-ilta", name_en="Theatre evening", base_price=80, needs_approval=True
    )
    redemption = redemption_create(
        employee=agent, quote=quote_create(employee=agent, reward=reward)
    )
    redemption_cancel(employee=agent, redemption=redemption)
    client = signed_in(agent)
    # when
    finnish = text(client.get(reverse("ledger-history")))
    client.cookies["django_language"] = "en"
    english = text(client.get(reverse("ledger-history")))
    # then
    assert "Lunastus: Teatteri-ilta" in finnish
    assert "Palautus: Teatteri-ilta" in finnish
    assert "Redemption: Theatre evening" in english
    assert "Refund: Theatre evening" in english
