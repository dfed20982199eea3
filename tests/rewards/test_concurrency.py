"""The market under real concurrency: PostgreSQL, real threads, one connection per thread."""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

import pytest

from core.errors import ApplicationError
from ledger.models import AccountKind, Transaction, TransactionKind
from ledger.selectors import balance_of, ledger_verify
from ledger.services import account_system
from rewards import services
from rewards.models import Redemption, RedemptionState
from tests.api_support import isolate_throttle_cache
from tests.people.factories import AgentFactory, HRFactory
from tests.rewards.factories import RewardFactory
from tests.threads import api_as, run_in_threads

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("postgres")]


@pytest.fixture(autouse=True)
def _own_throttle_cache(monkeypatch):
    isolate_throttle_cache(monkeypatch)


def redeem_via_api(agent: Any, reward: Any) -> tuple[int, dict[str, Any]]:
    client = api_as(agent)
    quote = client.post(f"/api/v1/rewards/{reward.pk}/quote/", format="json")
    if quote.status_code != 201:  # sold out already: the quote says so
        return quote.status_code, quote.json()
    response = client.post("/api/v1/redemptions/", {"quote": quote.json()["id"]}, format="json")
    return response.status_code, response.json()


def redeem_outcome(agent: Any, quote: Any) -> str:
    """Buy with the quote; "ok" or the refusal's code."""
    try:
        services.redemption_create(employee=agent, quote=quote)
    except ApplicationError as exc:
        return exc.code
    return "ok"


def sink_total() -> int:
    return sum(account_system(AccountKind.REDEMPTIONS).entries.values_list("amount", flat=True))


@pytest.mark.parametrize("round_", [1, 2, 3])
def test_the_last_item_goes_to_exactly_one_of_50_agents(crew, fund, round_):
    # given: one item left and fifty agents who can each afford it, each holding a quote
    agents = [AgentFactory(team=crew.team) for _ in range(50)]
    fund(agents, 100)
    reward = RewardFactory(base_price=80, stock=1)
    quotes = [services.quote_create(employee=a, reward=reward) for a in agents]

    # when
    outcomes = run_in_threads(50, lambda i: redeem_outcome(agents[i], quotes[i]))

    # then
    assert Counter(outcomes) == {"ok": 1, "out_of_stock": 49}
    reward.refresh_from_db()
    assert reward.stock == 0
    assert Redemption.objects.count() == 1
    assert Transaction.objects.filter(kind=TransactionKind.REDEMPTION).count() == 1
    assert sorted(balance_of(user=a) for a in agents) == [20] + [100] * 49
    assert sink_total() == 80
    assert ledger_verify() == []


def test_the_last_item_through_the_api(crew, fund):
    # given
    agents = [AgentFactory(team=crew.team) for _ in range(50)]
    fund(agents, 100)
    reward = RewardFactory(base_price=80, stock=1)

    # when
    results = run_in_threads(50, lambda i: redeem_via_api(agents[i], reward))

    # then: quotes may already say sold out to the late ones; either way a clear 409
    statuses = Counter(status for status, _ in results)
    assert statuses == {201: 1, 409: 49}, statuses
    assert {b["code"] for s, b in results if s == 409} == {"out_of_stock"}
    reward.refresh_from_db()
    assert reward.stock == 0
    assert Transaction.objects.filter(kind=TransactionKind.REDEMPTION).count() == 1
    assert ledger_verify() == []


def test_stock_of_10_sells_exactly_10_to_100_agents(crew, fund):
    # given
    agents = [AgentFactory(team=crew.team) for _ in range(100)]
    fund(agents, 50)
    reward = RewardFactory(base_price=50, stock=10)
    quotes = [services.quote_create(employee=a, reward=reward) for a in agents]

    # when
    outcomes = run_in_threads(100, lambda i: redeem_outcome(agents[i], quotes[i]))

    # then
    assert Counter(outcomes) == {"ok": 10, "out_of_stock": 90}
    reward.refresh_from_db()
    assert reward.stock == 0
    assert Redemption.objects.count() == 10
    assert sum(balance_of(user=a) for a in agents) == 90 * 50
    assert sink_total() == 500
    assert ledger_verify() == []


def test_one_wallet_cannot_pay_twice(crew, fund):
    # given: 100 points, twenty different rewards at 60, all bought at once
    agent = crew.agents[0]
    fund([agent], 100)
    rewards = [RewardFactory(base_price=60, stock=5) for _ in range(20)]
    quotes = [services.quote_create(employee=agent, reward=r) for r in rewards]
    seen: list[int] = []

    def redeem(i: int) -> str:
        try:
            services.redemption_create(employee=agent, quote=quotes[i])
        except ApplicationError as exc:
            return exc.code
        finally:
            seen.append(balance_of(user=agent))
        return "ok"

    # when
    outcomes = run_in_threads(20, redeem)

    # then
    assert Counter(outcomes) == {"ok": 1, "insufficient_points": 19}
    assert balance_of(user=agent) == 40
    assert min(seen) >= 0
    assert (
        sorted(r.stock for r in (r.__class__.objects.get(pk=r.pk) for r in rewards))
        == [4] + [5] * 19
    )
    assert ledger_verify() == []


def test_one_quote_used_by_ten_threads_buys_once(crew, fund):
    agent = crew.agents[0]
    fund([agent], 500)
    quote = services.quote_create(employee=agent, reward=RewardFactory(base_price=60))

    def redeem(_i: int) -> str:
        try:
            services.redemption_create(employee=agent, quote=quote)
        except ApplicationError as exc:
            return exc.code
        return "ok"

    assert Counter(run_in_threads(10, redeem)) == {"ok": 1, "quote_used": 9}
    assert balance_of(user=agent) == 440
    assert ledger_verify() == []


def test_two_approvers_at_once_one_wins(crew, fund):
    # given: a pending redemption; the team's supervisor and HR decide at the same moment
    agent = crew.agents[0]
    fund([agent], 100)
    redemption = services.redemption_create(
        employee=agent,
        quote=services.quote_create(
            employee=agent, reward=RewardFactory(base_price=60, needs_approval=True)
        ),
    )
    other_hr = HRFactory()
    approvers = [crew.supervisor, crew.hr, other_hr, crew.supervisor]

    def approve(i: int) -> str:
        try:
            services.redemption_approve(approver=approvers[i], redemption=redemption)
        except ApplicationError as exc:
            return exc.code
        return "ok"

    # when
    outcomes = run_in_threads(4, approve)

    # then
    assert Counter(outcomes) == {"ok": 1, "invalid_state_transition": 3}
    redemption.refresh_from_db()
    assert redemption.state == RedemptionState.APPROVED


def test_approve_racing_reject_and_cancel_refunds_at_most_once(crew, fund):
    # given
    agent = crew.agents[0]
    fund([agent], 100)
    reward = RewardFactory(base_price=60, stock=1, needs_approval=True)
    redemption = services.redemption_create(
        employee=agent, quote=services.quote_create(employee=agent, reward=reward)
    )

    def act(i: int) -> str:
        try:
            if i % 3 == 0:
                services.redemption_approve(approver=crew.supervisor, redemption=redemption)
            elif i % 3 == 1:
                services.redemption_reject(approver=crew.hr, redemption=redemption, reason="no")
            else:
                services.redemption_cancel(employee=agent, redemption=redemption)
        except ApplicationError as exc:
            return exc.code
        return "ok"

    # when
    outcomes = run_in_threads(9, act)

    # then
    # one move from pending wins; an approval may still be followed by one rejection
    redemption.refresh_from_db()
    reward.refresh_from_db()
    oks = outcomes.count("ok")
    assert Counter(outcomes) == {"ok": oks, "invalid_state_transition": 9 - oks}
    assert oks in (1, 2)
    if oks == 2:
        assert redemption.state == RedemptionState.REJECTED
    refunded = redemption.state in (RedemptionState.CANCELLED, RedemptionState.REJECTED)
    assert balance_of(user=agent) == (100 if refunded else 40)
    assert reward.stock == (1 if refunded else 0)
    assert Transaction.objects.filter(reverses=redemption.debit).count() == int(refunded)
    assert ledger_verify() == []


def test_double_click_with_one_idempotency_key_buys_once(crew, fund):
    # given: ten identical requests with one key, at once
    agent = crew.agents[0]
    fund([agent], 500)
    reward = RewardFactory(base_price=60, stock=5)
    quote = services.quote_create(employee=agent, reward=reward)
    key = str(uuid.uuid4())

    def post(_i: int) -> tuple[int, dict[str, Any]]:
        response = api_as(agent).post(
            "/api/v1/redemptions/",
            {"quote": quote.pk},
            format="json",
            headers={"Idempotency-Key": key},
        )
        return response.status_code, response.json()

    # when
    results = run_in_threads(10, post)

    # then
    assert {status for status, _ in results} == {201}, results
    assert len({repr(sorted(body.items())) for _, body in results}) == 1
    assert Redemption.objects.count() == 1
    assert Transaction.objects.filter(kind=TransactionKind.REDEMPTION).count() == 1
    assert balance_of(user=agent) == 440
    reward.refresh_from_db()
    assert reward.stock == 4
    # a later replay answers the same, and moves nothing
    replay = api_as(agent).post(
        "/api/v1/redemptions/", {"quote": quote.pk}, format="json", headers={"Idempotency-Key": key}
    )
    assert (replay.status_code, replay.json()) == results[0]
    # the same key with another body is refused
    other = services.quote_create(employee=agent, reward=reward)
    reused = api_as(agent).post(
        "/api/v1/redemptions/", {"quote": other.pk}, format="json", headers={"Idempotency-Key": key}
    )
    assert reused.status_code == 409
    assert reused.json()["code"] == "idempotency_key_reused"
    assert Redemption.objects.count() == 1
    assert balance_of(user=agent) == 440
    assert ledger_verify() == []


def test_two_approvers_through_the_api_one_gets_a_409(crew, fund):
    agent = crew.agents[0]
    fund([agent], 100)
    redemption = services.redemption_create(
        employee=agent,
        quote=services.quote_create(
            employee=agent, reward=RewardFactory(base_price=60, needs_approval=True)
        ),
    )
    approvers = [crew.supervisor, crew.hr]

    def approve(i: int) -> tuple[int, str]:
        response = api_as(approvers[i]).post(f"/api/v1/redemptions/{redemption.pk}/approve/")
        return response.status_code, response.json().get("code", response.json().get("state"))

    results = run_in_threads(2, approve)

    assert sorted(results) == [(200, "approved"), (409, "invalid_state_transition")]
