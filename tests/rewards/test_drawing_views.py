"""The drawing pages: rule in plain words, sealed bids, my hold, results, HR's page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from ledger.selectors import ledger_verify, wallet_summary
from rewards.drawings import bid_place, drawing_close
from rewards.models import Bid, Drawing
from tests.people.factories import AgentFactory, HRFactory
from tests.rewards.drawing_support import make_drawing, make_due
from tests.rewards.factories import RewardFactory

pytestmark = pytest.mark.django_db


def client_for(user, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


@pytest.fixture
def agents(fund):
    people = [AgentFactory() for _ in range(2)]
    fund(people, 200)
    return people


def test_auction_page_explains_the_rule_and_keeps_bids_sealed(agents):
    drawing = make_drawing(price=50)
    bid_place(drawing=drawing, employee=agents[1], amount=177)

    page = client_for(agents[0]).get(f"/drawings/{drawing.pk}/").content.decode()

    assert "Bid what the reward is truly worth to you" in page
    assert "second-price auction" in page
    assert "the one placed earlier wins" in page
    assert 'data-testid="bidders">1<' in page
    assert "177" not in page
    assert "data-countdown" in page


def test_bid_change_and_withdraw_through_the_page(agents):
    drawing = make_drawing(price=50)
    client = client_for(agents[0])

    response = client.post(f"/drawings/{drawing.pk}/bid/", {"amount": "90"}, follow=True)
    page = response.content.decode()
    assert "Your bid is 90 points" in page
    assert 'data-testid="my-hold"' in page
    assert 'data-testid="header-held"' in page
    assert wallet_summary(user=agents[0]).held == 90

    low = client.post(f"/drawings/{drawing.pk}/bid/", {"amount": "10"}, follow=True)
    assert "The lowest bid is the reserve, 50 points." in low.content.decode()
    assert Bid.objects.get().amount == 90

    page = client.post(f"/drawings/{drawing.pk}/withdraw/", follow=True).content.decode()
    assert "Withdrawn" in page
    assert wallet_summary(user=agents[0]).held == 0
    assert ledger_verify() == []


def test_a_reserve_beyond_the_points_offers_no_bid_button(agents):
    # given: 200 points each; one drawing within reach and one beyond it
    within, beyond = make_drawing(price=150), make_drawing(price=260)
    client = client_for(agents[0])
    # then: beyond reach, what is missing instead of a button that could only fail
    page = client.get(f"/drawings/{beyond.pk}/").content.decode()
    assert 'data-testid="cannot-afford"' in page and "60 pts to go" in page
    assert 'data-testid="bid-submit"' not in page
    page = client.get(f"/drawings/{within.pk}/").content.decode()
    assert 'data-testid="bid-submit"' in page and 'max="200"' in page
    # and a live bid's hold counts as spendable when changing that bid
    bid_place(drawing=within, employee=agents[0], amount=180)
    page = client.get(f"/drawings/{within.pk}/").content.decode()
    assert 'data-testid="bid-submit"' in page and 'max="200"' in page


def test_results_show_price_and_my_result(agents):
    drawing = make_drawing(price=50)
    bid_place(drawing=drawing, employee=agents[0], amount=150)
    bid_place(drawing=drawing, employee=agents[1], amount=80)
    make_due(drawing)
    drawing_close(drawing=drawing)

    won = client_for(agents[0]).get(f"/drawings/{drawing.pk}/").content.decode()
    lost = client_for(agents[1]).get(f"/drawings/{drawing.pk}/").content.decode()

    assert 'data-testid="clearing-price">80 pts' in won
    assert "You won! You paid 80 points" in won
    assert "Your hold of 80 points was released" in lost


def test_lottery_page_shows_seed_and_how_to_check(agents):
    drawing = make_drawing(rule="lottery", price=40)
    bid_place(drawing=drawing, employee=agents[0])
    before = client_for(agents[0]).get(f"/drawings/{drawing.pk}/").content.decode()
    assert drawing.seed_hash in before and drawing.seed not in before
    make_due(drawing)
    drawing_close(drawing=drawing)

    after = client_for(agents[0], "fi").get(f"/drawings/{drawing.pk}/").content.decode()

    assert drawing.seed in after and "import hashlib" in after


def test_hr_creates_a_drawing_on_the_page():
    hr = HRFactory()
    reward = RewardFactory.create(stock=2)
    closes = (timezone.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")

    response = client_for(hr).post(
        "/hr/drawings/", {"reward": reward.pk, "rule": "lottery", "closes_at": closes}, follow=True
    )

    assert response.status_code == 200
    drawing = Drawing.objects.get()
    assert drawing.rule == "lottery" and drawing.state == "open"
    assert reward.name_en in response.content.decode()


def test_hr_page_is_hr_only(agents):
    assert client_for(agents[0]).get("/hr/drawings/").status_code == 403


def test_reward_page_points_to_its_drawing(agents):
    drawing = make_drawing()
    page = client_for(agents[0]).get(f"/market/{drawing.reward_id}/").content.decode()
    assert f"/drawings/{drawing.pk}/" in page


@pytest.mark.parametrize("language", ["fi", "en"])
def test_pages_render_in_both_languages(agents, language):
    drawing = make_drawing()
    for url in ("/drawings/", f"/drawings/{drawing.pk}/"):
        assert client_for(agents[0], language).get(url).status_code == 200


def test_admin_keeps_bids_sealed_until_the_close(agents, client):
    hr = HRFactory(is_staff=True, is_superuser=True)
    drawing = make_drawing(price=50)
    bid_place(drawing=drawing, employee=agents[0], amount=173)
    client.force_login(hr)
    cell = '<td class="field-sealed_amount">'
    assert f"{cell}—</td>" in client.get("/admin/rewards/bid/").content.decode()
    make_due(drawing)
    drawing_close(drawing=drawing)
    assert f"{cell}173</td>" in client.get("/admin/rewards/bid/").content.decode()
    assert client.get("/admin/ledger/hold/").status_code == 200
    assert client.get(f"/admin/rewards/drawing/{drawing.pk}/change/").status_code == 200
