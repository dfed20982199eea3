"""The market's API: catalogue, quotes, redemptions and their states, the goal; every refusal
answers with a code and writes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from ledger.selectors import balance_of, ledger_verify
from rewards import services
from rewards.models import Quote, Redemption, RedemptionState, Reward, Wish
from tests.api_support import assert_error, db_state, isolate_throttle_cache
from tests.people.factories import AgentFactory, SupervisorFactory, TeamFactory
from tests.rewards.factories import RewardFactory

pytestmark = pytest.mark.django_db

REWARDS = "/api/v1/rewards/"
REDEMPTIONS = "/api/v1/redemptions/"
GOAL = "/api/v1/goal/"


@pytest.fixture(autouse=True)
def _own_throttle_cache(monkeypatch):
    isolate_throttle_cache(monkeypatch)


def buy(agent, reward) -> Redemption:
    return services.redemption_create(
        employee=agent, quote=services.quote_create(employee=agent, reward=reward)
    )


# --- catalogue --------------------------------------------------------------------------------


def test_agents_see_active_rewards_and_hr_sees_all(api, crew):
    active = RewardFactory(name_fi="Teatteri-ilta", name_en="Theatre evening")
    hidden = RewardFactory(active=False)

    agent_ids = {r["id"] for r in api(crew.agents[0]).get(REWARDS).json()["results"]}
    hr_ids = {r["id"] for r in api(crew.hr).get(REWARDS).json()["results"]}

    assert agent_ids == {active.pk}
    assert hr_ids == {active.pk, hidden.pk}
    assert_error(api(crew.agents[0]).get(f"{REWARDS}{hidden.pk}/"), 404, "not_found")
    detail = api(crew.agents[0]).get(f"{REWARDS}{active.pk}/", HTTP_ACCEPT_LANGUAGE="fi").json()
    assert detail["name"] == "Teatteri-ilta"
    assert detail["current_price"] == detail["base_price"]
    assert detail["change_percent"] == 0.0


def test_filter_search_order_and_paginate(api, crew):
    spa = RewardFactory(name_en="Spa treatment", category="wellbeing", base_price=300)
    vase = RewardFactory(name_en="Aalto vase", category="design_goods", base_price=250)
    hoodie = RewardFactory(
        name_en="Company hoodie", category="design_goods", base_price=80, description_en="Warm"
    )
    client = api(crew.agents[0])

    def ids(query: str) -> list[int]:
        response = client.get(f"{REWARDS}?{query}")
        assert response.status_code == 200, response.content
        return [r["id"] for r in response.json()["results"]]

    assert set(ids("category=design_goods")) == {vase.pk, hoodie.pk}
    assert ids("search=aalto") == [vase.pk]
    assert ids("search=warm") == [hoodie.pk]
    assert ids("ordering=price") == [hoodie.pk, vase.pk, spa.pk]
    assert ids("ordering=-price") == [spa.pk, vase.pk, hoodie.pk]
    page = client.get(f"{REWARDS}?ordering=price&page_size=2&page=2").json()
    assert page["count"] == 3 and [r["id"] for r in page["results"]] == [spa.pk]


@pytest.mark.parametrize("query", ["category=cars", "ordering=stock", "page=0", "page=x"], ids=repr)
def test_bad_list_parameters_are_4xx_with_a_code(api, crew, query):
    RewardFactory()
    response = api(crew.agents[0]).get(f"{REWARDS}?{query}")
    assert response.status_code in (400, 404)
    assert response.json()["code"] in ("invalid", "not_found")


def test_hr_creates_updates_restocks_and_deactivates(api, crew):
    client = api(crew.hr)
    created = client.post(
        REWARDS,
        {
            "name_fi": "Jouluaaton vuoronvaihto",
            "name_en": "Swap away your Christmas Eve shift",
            "category": "time_off",
            "base_price": 900,
            "stock": 3,
            "needs_approval": True,
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["current_price"], body["stock"], body["needs_approval"]) == (900, 3, True)
    url = f"{REWARDS}{body['id']}/"

    patched = client.patch(url, {"base_price": 950, "name_en": "Shift swap"}, format="json")
    assert patched.status_code == 200, patched.content
    assert (patched.json()["base_price"], patched.json()["current_price"]) == (950, 950)

    restocked = client.post(f"{url}restock/", {"quantity": 2}, format="json")
    assert restocked.status_code == 200 and restocked.json()["stock"] == 5

    off = client.post(f"{url}deactivate/")
    assert off.status_code == 200 and off.json()["active"] is False
    assert Reward.objects.get(pk=body["id"]).active is False
    on = client.post(f"{url}activate/")
    assert on.json()["active"] is True


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("post", "", {"name_fi": "X", "name_en": "X", "base_price": 10}),
        ("patch", "{id}/", {"base_price": 10}),
        ("post", "{id}/restock/", {"quantity": 1}),
        ("post", "{id}/deactivate/", {}),
        ("post", "{id}/activate/", {}),
    ],
)
def test_only_hr_manages_the_catalogue(api, crew, method, suffix, body):
    reward = RewardFactory(stock=1)
    before = db_state()
    for person in (crew.agents[0], crew.supervisor):
        url = REWARDS + suffix.format(id=reward.pk)
        response = getattr(api(person), method)(url, body, format="json")
        assert_error(response, 403, "permission_denied")
    assert db_state() == before


BAD_REWARD_BODIES = [
    {},
    {"name_fi": "X", "name_en": "X"},
    {"name_fi": "X", "name_en": "X", "base_price": 0},
    {"name_fi": "X", "name_en": "X", "base_price": "10"},
    {"name_fi": "X", "name_en": "X", "base_price": 10.5},
    {"name_fi": "X", "name_en": "X", "base_price": 2**63},
    {"name_fi": "X", "name_en": "X", "base_price": 10_000_001},
    {"name_fi": "", "name_en": "X", "base_price": 10},
    {"name_fi": "X" * 121, "name_en": "X", "base_price": 10},
    {"name_fi": "X", "name_en": "X", "base_price": 10, "category": "cars"},
    {"name_fi": "X", "name_en": "X", "base_price": 10, "stock": -1},
    {"name_fi": "X", "name_en": "X", "base_price": 10, "stock": "3"},
    {"name_fi": "X", "name_en": "X", "base_price": 10, "icon": "not a slug!"},
    [1, 2],
]


@pytest.mark.parametrize("body", BAD_REWARD_BODIES, ids=repr)
def test_bad_reward_bodies_are_400_and_write_nothing(api, crew, body):
    reward = RewardFactory()
    before = db_state()
    assert_error(api(crew.hr).post(REWARDS, body, format="json"), 400, "invalid")
    if isinstance(body, dict) and body and body != {"name_fi": "X", "name_en": "X"}:
        assert_error(
            api(crew.hr).patch(f"{REWARDS}{reward.pk}/", body, format="json"), 400, "invalid"
        )
    assert db_state() == before


@pytest.mark.parametrize("quantity", [0, -1, "2", 1.5, None, 2**63, 1_000_001, True])
def test_bad_restock_is_400_and_writes_nothing(api, crew, quantity):
    reward = RewardFactory(stock=1)
    before = db_state()
    response = api(crew.hr).post(
        f"{REWARDS}{reward.pk}/restock/", {"quantity": quantity}, format="json"
    )
    assert_error(response, 400, "invalid")
    assert db_state() == before


def test_restocking_unlimited_stock_is_400(api, crew):
    reward = RewardFactory(stock=None)
    before = db_state()
    response = api(crew.hr).post(f"{REWARDS}{reward.pk}/restock/", {"quantity": 1}, format="json")
    assert_error(response, 400, "invalid")
    assert db_state() == before


def test_empty_patch_is_400(api, crew):
    reward = RewardFactory()
    assert_error(api(crew.hr).patch(f"{REWARDS}{reward.pk}/", {}, format="json"), 400, "invalid")


# --- quotes -----------------------------------------------------------------------------------


def test_a_quote_promises_the_current_price_for_15_minutes(api, crew):
    reward = RewardFactory(base_price=120)
    response = api(crew.agents[0]).post(f"{REWARDS}{reward.pk}/quote/")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["reward"], body["price"]) == (reward.pk, 120)
    quote = Quote.objects.get(pk=body["id"])
    assert quote.expires_at - quote.created_at == timedelta(minutes=15)


def test_quote_refusals(api, crew):
    sold_out = RewardFactory(stock=0)
    inactive = RewardFactory(active=False)
    client = api(crew.agents[0])
    before = db_state()
    assert_error(client.post(f"{REWARDS}{sold_out.pk}/quote/"), 409, "out_of_stock")
    assert_error(client.post(f"{REWARDS}{inactive.pk}/quote/"), 404, "not_found")
    assert_error(client.post(f"{REWARDS}999999/quote/"), 404, "not_found")
    assert_error(client.post(f"{REWARDS}{2**63}/quote/"), 404, "not_found")
    assert_error(client.get(f"{REWARDS}{sold_out.pk}/quote/"), 405, "method_not_allowed")
    assert db_state() == before


# --- buying -----------------------------------------------------------------------------------


def test_buying_returns_a_receipt_with_the_new_balance(api, crew, fund):
    agent = crew.agents[0]
    fund([agent], 100)
    reward = RewardFactory(base_price=60, stock=2)
    client = api(agent)
    quote = client.post(f"{REWARDS}{reward.pk}/quote/").json()

    response = client.post(REDEMPTIONS, {"quote": quote["id"]}, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["state"], body["price_paid"], body["balance"]) == ("approved", 60, 40)
    assert body["reward"]["id"] == reward.pk
    assert balance_of(user=agent) == 40
    assert ledger_verify() == []


@pytest.mark.parametrize("language", ["fi", "en"])
@pytest.mark.parametrize("needs_approval", [True, False])
def test_the_receipt_is_what_the_receipt_serializer_gives(
    api, crew, fund, language, needs_approval
):
    from django.utils import translation

    from rewards.apis import RedemptionReceiptSerializer, redemption_receipt_body

    agent = crew.agents[0]
    fund([agent], 100)
    reward = RewardFactory(
        base_price=30,
        stock=2,
        needs_approval=needs_approval,
        options=[{"name_fi": "Koko", "name_en": "Size", "choices": ["S", "M", "L"]}],
    )
    client = api(agent)
    quote = client.post(f"{REWARDS}{reward.pk}/quote/").json()
    response = client.post(REDEMPTIONS, {"quote": quote["id"], "options": ["M"]}, format="json")
    assert response.status_code == 201, response.content

    redemption = Redemption.objects.select_related("employee", "reward").get()
    redemption.balance_after = 70
    with translation.override(language):
        assert redemption_receipt_body(redemption) == RedemptionReceiptSerializer(redemption).data
    del redemption.balance_after  # read from the wallet instead
    assert redemption_receipt_body(redemption)["balance"] == 70
    assert response.json() == {**RedemptionReceiptSerializer(redemption).data}


@pytest.mark.parametrize(
    "body",
    [{}, {"quote": None}, {"quote": "1"}, {"quote": 0}, {"quote": -1}, {"quote": 1.0},
     {"quote": 2**63}, {"quote": True}, {"quote": [1]}, [1]],
    ids=repr,
)  # fmt: skip
def test_bad_redemption_bodies_are_400_and_write_nothing(api, crew, fund, body):
    agent = crew.agents[0]
    fund([agent], 100)
    services.quote_create(employee=agent, reward=RewardFactory())
    before = db_state()
    response = api(agent).post(REDEMPTIONS, body, format="json", headers={"Idempotency-Key": "k1"})
    assert_error(response, 400, "invalid")
    assert db_state() == before


def test_bad_idempotency_key_is_400(api, crew, fund):
    agent = crew.agents[0]
    fund([agent], 100)
    quote = services.quote_create(employee=agent, reward=RewardFactory())
    before = db_state()
    response = api(agent).post(
        REDEMPTIONS, {"quote": quote.pk}, format="json", headers={"Idempotency-Key": "x" * 256}
    )
    assert_error(response, 400, "invalid")
    assert db_state() == before


def test_unknown_or_someone_elses_quote_is_404(api, crew, fund):
    agent, other = crew.agents[:2]
    fund([agent, other], 100)
    theirs = services.quote_create(employee=other, reward=RewardFactory())
    before = db_state()
    for quote_id in (theirs.pk, 999_999):
        response = api(agent).post(REDEMPTIONS, {"quote": quote_id}, format="json")
        assert_error(response, 404, "unknown_quote")
    assert db_state() == before


def test_business_refusals_are_409_and_write_nothing(api, crew, fund):
    agent = crew.agents[0]
    fund([agent], 50)
    client = api(agent)
    dear = services.quote_create(employee=agent, reward=RewardFactory(base_price=60))
    last = RewardFactory(base_price=10, stock=1)
    sold = services.quote_create(employee=agent, reward=last)
    services.reward_update(reward=last, stock=0)
    gone_reward = RewardFactory(base_price=10)
    gone = services.quote_create(employee=agent, reward=gone_reward)
    services.reward_deactivate(reward=gone_reward)
    before = db_state()

    assert_error(client.post(REDEMPTIONS, {"quote": dear.pk}), 409, "insufficient_points")
    assert_error(client.post(REDEMPTIONS, {"quote": sold.pk}), 409, "out_of_stock")
    assert_error(client.post(REDEMPTIONS, {"quote": gone.pk}), 409, "reward_inactive")
    assert db_state() == before


def test_quote_reuse_is_409_quote_used(api, crew, fund):
    agent = crew.agents[0]
    fund([agent], 100)
    quote = services.quote_create(employee=agent, reward=RewardFactory(base_price=10))
    client = api(agent)
    assert client.post(REDEMPTIONS, {"quote": quote.pk}).status_code == 201
    before = db_state()
    assert_error(client.post(REDEMPTIONS, {"quote": quote.pk}), 409, "quote_used")
    assert db_state() == before


def test_expired_quote_after_a_rise_is_409_price_changed_with_a_fresh_quote(api, crew, fund):
    # given: quoted at 50, price now 60, quote expired
    agent = crew.agents[0]
    fund([agent], 100)
    reward = RewardFactory(base_price=50)
    quote = services.quote_create(employee=agent, reward=reward)
    services.reward_price_set(reward=reward, price=60)
    Quote.objects.filter(pk=quote.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    client = api(agent)

    # when
    response = client.post(
        REDEMPTIONS, {"quote": quote.pk}, format="json", headers={"Idempotency-Key": "buy-1"}
    )

    # then: refused, nothing bought, and the fresh quote works
    body = assert_error(response, 409, "price_changed")
    fresh = body["extra"]["quote"]
    assert (fresh["reward"], fresh["price"]) == (reward.pk, 60)
    assert body["extra"]["quoted_price"] == 50
    assert Redemption.objects.count() == 0
    assert balance_of(user=agent) == 100
    bought = client.post(
        REDEMPTIONS, {"quote": fresh["id"]}, format="json", headers={"Idempotency-Key": "buy-2"}
    )
    assert bought.status_code == 201, bought.content
    assert bought.json()["price_paid"] == 60


def test_valid_quote_after_a_rise_pays_quoted_and_after_a_drop_pays_less(api, crew, fund):
    agent = crew.agents[0]
    fund([agent], 200)
    up, down = RewardFactory(base_price=50), RewardFactory(base_price=50)
    q_up = services.quote_create(employee=agent, reward=up)
    q_down = services.quote_create(employee=agent, reward=down)
    services.reward_price_set(reward=up, price=65)
    services.reward_price_set(reward=down, price=35)
    client = api(agent)
    assert client.post(REDEMPTIONS, {"quote": q_up.pk}).json()["price_paid"] == 50
    assert client.post(REDEMPTIONS, {"quote": q_down.pk}).json()["price_paid"] == 35
    assert balance_of(user=agent) == 115


# --- seeing and deciding ------------------------------------------------------------------------


@pytest.fixture
def market(crew, fund):
    """Two teams: the crew's (its supervisor) and another (its own supervisor), with purchases."""
    other_team = TeamFactory()
    other_boss = SupervisorFactory()
    other_boss.led_teams.add(other_team)
    outsider = AgentFactory(team=other_team)
    mine, colleague = crew.agents[:2]
    fund([mine, colleague], 200)
    fund([outsider], 200)
    reward = RewardFactory(base_price=40, stock=10, needs_approval=True)
    return {
        "mine": buy(mine, reward),
        "colleague": buy(colleague, reward),
        "outsider": buy(outsider, reward),
        "other_boss": other_boss,
        "reward": reward,
    }


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {r["id"] for r in response.json()["results"]}


def test_the_list_is_scoped_by_role(api, crew, market):
    mine, colleague, outsider = market["mine"], market["colleague"], market["outsider"]
    assert _ids(api(crew.agents[0]).get(REDEMPTIONS)) == {mine.pk}
    assert _ids(api(crew.supervisor).get(REDEMPTIONS)) == {mine.pk, colleague.pk}
    assert _ids(api(market["other_boss"]).get(REDEMPTIONS)) == {outsider.pk}
    assert _ids(api(crew.hr).get(REDEMPTIONS)) == {mine.pk, colleague.pk, outsider.pk}
    assert _ids(api(crew.hr).get(f"{REDEMPTIONS}?state=approved")) == set()
    assert _ids(api(crew.supervisor).get(f"{REDEMPTIONS}?mine=true")) == set()
    assert_error(api(crew.hr).get(f"{REDEMPTIONS}?state=lost"), 400, "invalid")
    assert_error(api(crew.hr).get(f"{REDEMPTIONS}?mine=maybe"), 400, "invalid")


def test_hr_filters_redemptions_by_person_reward_and_team(api, crew, market):
    hr = api(crew.hr)
    assert _ids(hr.get(f"{REDEMPTIONS}?employee={crew.agents[1].pk}")) == {market["colleague"].pk}
    assert _ids(hr.get(f"{REDEMPTIONS}?team={crew.team.pk}")) == {
        market["mine"].pk,
        market["colleague"].pk,
    }
    assert len(_ids(hr.get(f"{REDEMPTIONS}?reward={market['reward'].pk}"))) == 3
    assert _ids(hr.get(f"{REDEMPTIONS}?reward=999999")) == set()
    # filters narrow what one may see; they never widen it
    agent = api(crew.agents[0])
    assert _ids(agent.get(f"{REDEMPTIONS}?employee={crew.agents[1].pk}")) == set()
    for bad in ("employee=x", "team=-1", "reward=0", f"reward={2**63}", "employee="):
        assert_error(hr.get(f"{REDEMPTIONS}?{bad}"), 400, "invalid")


def test_ordering_by_popularity_counts_live_redemptions(api, crew, fund):
    agent = crew.agents[0]
    fund([agent], 500)
    loved, ignored, cancelled = (
        RewardFactory(base_price=10, needs_approval=True) for _ in range(3)
    )
    buy(agent, loved)
    buy(agent, loved)
    services.redemption_cancel(employee=agent, redemption=buy(agent, cancelled))
    response = api(agent).get(f"{REWARDS}?ordering=-popularity")
    ids = [r["id"] for r in response.json()["results"]]
    assert ids[0] == loved.pk
    assert set(ids[1:]) == {ignored.pk, cancelled.pk}


def test_an_agent_cannot_see_cancel_or_decide_anothers_redemption(api, crew, market):
    theirs = market["colleague"]
    client = api(crew.agents[0])
    before = db_state()
    assert_error(client.get(f"{REDEMPTIONS}{theirs.pk}/"), 404, "not_found")
    for verb in ("cancel", "approve", "fulfil"):
        assert_error(client.post(f"{REDEMPTIONS}{theirs.pk}/{verb}/"), 404, "not_found")
    response = client.post(f"{REDEMPTIONS}{theirs.pk}/reject/", {"reason": "no"}, format="json")
    assert_error(response, 404, "not_found")
    assert db_state() == before


def test_an_agent_cannot_approve_their_own(api, crew, market):
    before = db_state()
    response = api(crew.agents[0]).post(f"{REDEMPTIONS}{market['mine'].pk}/approve/")
    assert_error(response, 403, "not_an_approver")
    assert db_state() == before


def test_a_supervisor_decides_only_for_their_own_teams(api, crew, market):
    outsider = market["outsider"]
    client = api(crew.supervisor)
    before = db_state()
    assert_error(client.get(f"{REDEMPTIONS}{outsider.pk}/"), 404, "not_found")
    assert_error(client.post(f"{REDEMPTIONS}{outsider.pk}/approve/"), 403, "not_an_approver")
    response = client.post(f"{REDEMPTIONS}{outsider.pk}/reject/", {"reason": "no"}, format="json")
    assert_error(response, 403, "not_an_approver")
    assert_error(client.post(f"{REDEMPTIONS}{outsider.pk}/fulfil/"), 403, "not_an_approver")
    assert_error(client.post(f"{REDEMPTIONS}{outsider.pk}/cancel/"), 404, "not_found")
    assert db_state() == before

    ok = client.post(f"{REDEMPTIONS}{market['mine'].pk}/approve/")
    assert ok.status_code == 200 and ok.json()["state"] == "approved"
    assert ok.json()["decided_by"]["id"] == crew.supervisor.pk
    again = client.post(f"{REDEMPTIONS}{market['mine'].pk}/approve/")
    assert_error(again, 409, "invalid_state_transition")
    done = client.post(f"{REDEMPTIONS}{market['mine'].pk}/fulfil/")
    assert done.json()["state"] == "fulfilled"


def test_cancel_through_the_api_refunds_and_restores_stock(api, crew, market):
    agent, reward = crew.agents[0], market["reward"]
    response = api(agent).post(f"{REDEMPTIONS}{market['mine'].pk}/cancel/")
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "cancelled" and response.json()["refund"] is not None
    assert balance_of(user=agent) == 200
    reward.refresh_from_db()
    assert reward.stock == 8
    assert_error(
        api(agent).post(f"{REDEMPTIONS}{market['mine'].pk}/cancel/"),
        409,
        "invalid_state_transition",
    )
    assert ledger_verify() == []


def test_reject_through_the_api_refunds_with_a_reason(api, crew, market):
    url = f"{REDEMPTIONS}{market['colleague'].pk}/reject/"
    before = db_state()
    for bad in ({}, {"reason": ""}, {"reason": "x" * 501}, {"reason": None}):
        assert_error(api(crew.hr).post(url, bad, format="json"), 400, "invalid")
    assert db_state() == before
    response = api(crew.hr).post(url, {"reason": "Ei tilaa"}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["state"], response.json()["reason"]) == ("rejected", "Ei tilaa")
    assert balance_of(user=crew.agents[1]) == 200
    assert Redemption.objects.get(pk=market["colleague"].pk).state == RedemptionState.REJECTED


def test_unknown_redemption_is_404(api, crew):
    for url in (f"{REDEMPTIONS}999999/", f"{REDEMPTIONS}{2**63}/"):
        assert_error(api(crew.hr).get(url), 404, "not_found")
    assert_error(api(crew.hr).post(f"{REDEMPTIONS}999999/approve/"), 404, "not_found")


# --- goal -------------------------------------------------------------------------------------


def test_goal_set_get_clear(api, crew, fund):
    agent = crew.agents[0]
    fund([agent], 30)
    reward = RewardFactory(base_price=120)
    client = api(agent)
    assert client.get(GOAL).status_code == 204

    put = client.put(GOAL, {"reward": reward.pk}, format="json")
    assert put.status_code == 200, put.content
    body = put.json()
    assert body["reward"]["id"] == reward.pk
    assert (body["balance"], body["price"], body["remaining"], body["percent"]) == (30, 120, 90, 25)
    assert body["reached"] is False and body["projected_date"] is not None
    assert client.get(GOAL).json() == body

    assert client.delete(GOAL).status_code == 204
    assert client.get(GOAL).status_code == 204
    assert not Wish.objects.exists()


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [({}, 400, "invalid"), ({"reward": "1"}, 400, "invalid"), ({"reward": 2**63}, 400, "invalid"),
     ({"reward": 999_999}, 404, "unknown_reward"), ({"reward": "inactive"}, 404, "unknown_reward")],
    ids=repr,
)  # fmt: skip
def test_bad_goal_is_refused_and_writes_nothing(api, crew, body, status, code):
    inactive = RewardFactory(active=False)
    if body.get("reward") == "inactive":
        body = {"reward": inactive.pk}
    before = db_state()
    assert_error(api(crew.agents[0]).put(GOAL, body, format="json"), status, code)
    assert db_state() == before


def test_goal_post_is_405(api, crew):
    assert_error(api(crew.agents[0]).post(GOAL, {}), 405, "method_not_allowed")
