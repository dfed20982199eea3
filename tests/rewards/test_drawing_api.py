"""The drawings API: HR creates, people bid and withdraw, results after the close; refusals
answer with a stable code and write nothing."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone

from ledger.models import Hold
from ledger.selectors import ledger_verify
from rewards.models import Bid, Drawing
from tests.api_support import assert_error, db_state, isolate_throttle_cache
from tests.people.factories import AgentFactory, HRFactory
from tests.rewards.drawing_support import make_drawing, make_due
from tests.rewards.factories import RewardFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _own_throttle_cache(monkeypatch):
    isolate_throttle_cache(monkeypatch)


@pytest.fixture
def agents(fund):
    people = [AgentFactory() for _ in range(3)]
    fund(people, 200)
    return people


def full_state() -> dict:
    state = db_state()
    state["holds"] = sorted(Hold.objects.values_list("id", "state"))
    state["bids"] = sorted(Bid.objects.values_list("id", "amount", "withdrawn"))
    state["drawings"] = sorted(Drawing.objects.values_list("id", "state"))
    return state


def test_hr_creates_a_drawing(api):
    hr = HRFactory()
    reward = RewardFactory(stock=2, base_price=80, current_price=80)
    closes = timezone.now() + timedelta(hours=2)

    response = api(hr).post(
        "/api/v1/drawings/",
        {"reward": reward.pk, "rule": "auction", "closes_at": closes.isoformat(), "floor": 50},
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "open"
    assert body["reserve"] == 80 and body["items"] == 2 and body["bidders"] == 0
    assert body["seed"] is None and len(body["seed_hash"]) == 64


def test_agents_cannot_create_or_close(api, agents):
    drawing = make_drawing()
    reward = RewardFactory(stock=1)
    before = full_state()
    closes = (timezone.now() + timedelta(hours=1)).isoformat()
    response = api(agents[0]).post(
        "/api/v1/drawings/", {"reward": reward.pk, "rule": "lottery", "closes_at": closes}
    )
    assert_error(response, 403, "permission_denied")
    assert_error(
        api(agents[0]).post(f"/api/v1/drawings/{drawing.pk}/close/"), 403, "permission_denied"
    )
    assert full_state() == before


@pytest.mark.parametrize(
    "payload",
    [
        {"rule": "raffle"},
        {"closes_at": "2000-01-01T00:00:00Z"},
        {"floor": "10"},
        {"floor": 0},
        {"reward": "x"},
    ],
)
def test_create_refuses_bad_input(api, payload):
    hr = HRFactory()
    reward = RewardFactory(stock=1)
    data = {
        "reward": reward.pk,
        "rule": "auction",
        "closes_at": (timezone.now() + timedelta(hours=1)).isoformat(),
        **payload,
    }
    before = full_state()
    assert_error(api(hr).post("/api/v1/drawings/", data, format="json"), 400, "invalid")
    assert full_state() == before


def test_create_for_unknown_reward_is_404_and_twice_is_409(api):
    hr = HRFactory()
    closes = (timezone.now() + timedelta(hours=1)).isoformat()
    data = {"reward": 999999, "rule": "auction", "closes_at": closes}
    assert_error(api(hr).post("/api/v1/drawings/", data, format="json"), 404, "unknown_reward")
    reward = RewardFactory(stock=1)
    data["reward"] = reward.pk
    assert api(hr).post("/api/v1/drawings/", data, format="json").status_code == 201
    assert_error(api(hr).post("/api/v1/drawings/", data, format="json"), 409, "reward_in_drawing")


def test_bid_change_withdraw_and_sealed_bids(api, agents):
    drawing = make_drawing(price=50)
    client = api(agents[0])

    response = client.post(f"/api/v1/drawings/{drawing.pk}/bid/", {"amount": 120}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["my_bid"]["amount"] == 120
    assert response.json()["my_bid"]["held"] == 120
    me = client.get("/api/v1/me/").json()
    assert (me["balance"], me["held"], me["available"]) == (200, 120, 80)

    client.post(f"/api/v1/drawings/{drawing.pk}/bid/", {"amount": 60}, format="json")
    api(agents[1]).post(f"/api/v1/drawings/{drawing.pk}/bid/", {"amount": 70}, format="json")

    seen_by_other = api(agents[2]).get(f"/api/v1/drawings/{drawing.pk}/").json()
    assert seen_by_other["bidders"] == 2
    assert seen_by_other["my_bid"] is None
    assert "amount" not in str(seen_by_other)  # sealed: no amounts in what others see
    assert api(agents[2]).get(f"/api/v1/drawings/{drawing.pk}/results/").json()["entries"] == []

    response = client.delete(f"/api/v1/drawings/{drawing.pk}/bid/")
    assert response.status_code == 200
    assert response.json()["my_bid"]["withdrawn"] is True
    assert client.get("/api/v1/me/").json()["available"] == 200
    assert ledger_verify() == []


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"amount": 49}, 400, "invalid"),
        ({"amount": "60"}, 400, "invalid"),
        ({"amount": 60.5}, 400, "invalid"),
        ({}, 400, "invalid"),
        ({"amount": 201}, 409, "insufficient_points"),
    ],
)
def test_bid_refusals_write_nothing(api, agents, payload, status, code):
    drawing = make_drawing(price=50)
    before = full_state()
    response = api(agents[0]).post(f"/api/v1/drawings/{drawing.pk}/bid/", payload, format="json")
    assert_error(response, status, code)
    assert full_state() == before


def test_closed_and_unknown_drawings(api, agents):
    drawing = make_drawing()
    other = make_drawing()
    make_due(drawing)
    before = full_state()
    client = api(agents[0])
    assert_error(
        client.post(f"/api/v1/drawings/{drawing.pk}/bid/", {"amount": 60}, format="json"),
        409,
        "drawing_closed",
    )
    assert_error(client.delete(f"/api/v1/drawings/{drawing.pk}/bid/"), 409, "drawing_closed")
    assert_error(client.get("/api/v1/drawings/999999/"), 404, "unknown_drawing")
    assert_error(client.delete(f"/api/v1/drawings/{other.pk}/bid/"), 404, "no_bid")
    assert full_state() == before


def test_close_early_is_409_and_results_after_close(api, agents):
    hr = HRFactory()
    drawing = make_drawing(stock=1, price=50)
    api(agents[0]).post(f"/api/v1/drawings/{drawing.pk}/bid/", {"amount": 150}, format="json")
    api(agents[1]).post(f"/api/v1/drawings/{drawing.pk}/bid/", {"amount": 90}, format="json")
    assert_error(api(hr).post(f"/api/v1/drawings/{drawing.pk}/close/"), 409, "drawing_not_due")
    make_due(drawing)

    closed = api(hr).post(f"/api/v1/drawings/{drawing.pk}/close/").json()
    assert closed["state"] == "closed" and closed["clearing_price"] == 90
    assert api(hr).post(f"/api/v1/drawings/{drawing.pk}/close/").json() == closed

    mine = api(agents[0]).get(f"/api/v1/drawings/{drawing.pk}/results/").json()
    assert mine["drawing"]["my_bid"]["result"] == "won"
    assert mine["drawing"]["my_bid"]["held"] == 0
    assert [(e["amount"], e["won"], e["mine"]) for e in mine["entries"]] == [
        (150, True, True),
        (90, False, False),
    ]
    redemption = mine["drawing"]["my_bid"]["redemption"]
    assert api(agents[0]).get(f"/api/v1/redemptions/{redemption}/").json()["price_paid"] == 90
    loser = api(agents[1]).get("/api/v1/me/").json()
    assert (loser["balance"], loser["held"], loser["available"]) == (200, 0, 200)
    assert api(agents[0]).get("/api/v1/me/").json()["balance"] == 110


def test_lottery_results_publish_the_seed_and_tickets(api, agents):
    drawing = make_drawing(rule="lottery", stock=1, price=40)
    for agent in agents:
        response = api(agent).post(f"/api/v1/drawings/{drawing.pk}/entry/", {}, format="json")
        assert response.status_code == 200, response.content
    open_view = api(agents[0]).get(f"/api/v1/drawings/{drawing.pk}/").json()
    assert open_view["seed"] is None
    make_due(drawing)
    api(HRFactory()).post(f"/api/v1/drawings/{drawing.pk}/close/")

    results = api(agents[0]).get(f"/api/v1/drawings/{drawing.pk}/results/").json()
    seed = results["drawing"]["seed"]
    assert hashlib.sha256(seed.encode()).hexdigest() == open_view["seed_hash"]
    ranked = sorted(
        (e["id"] for e in results["entries"]),
        key=lambda e: hashlib.sha256(f"{seed}:{e}".encode()).hexdigest(),
    )
    assert [e["id"] for e in results["entries"] if e["won"]] == ranked[:1]
    assert "hashlib" in results["verify"]


def test_normal_redemption_of_a_reward_in_drawing_is_409(api, agents):
    drawing = make_drawing(stock=2)
    response = api(agents[0]).post(f"/api/v1/rewards/{drawing.reward_id}/quote/")
    assert_error(response, 409, "reward_in_drawing")


def test_schema_lists_the_drawings_api(api):
    schema = api(HRFactory()).get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    for path in (
        "/api/v1/drawings/",
        "/api/v1/drawings/{id}/",
        "/api/v1/drawings/{id}/bid/",
        "/api/v1/drawings/{id}/entry/",
        "/api/v1/drawings/{id}/close/",
        "/api/v1/drawings/{id}/results/",
    ):
        assert path in paths, path
    me = schema["components"]["schemas"]["Me"]["properties"]
    assert {"held", "available"} <= set(me)
