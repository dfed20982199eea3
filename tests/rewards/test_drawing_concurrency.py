"""Drawings under real concurrency (PostgreSQL, threads and processes with their own
connections): no overspend, one clearing however many closers, bids at the closing instant
either in or refused, a killed closer leaves nothing half done."""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from django.db import connections
from django.utils import timezone

from core.errors import ApplicationError
from ledger.models import AccountKind, Hold, HoldState, Transaction, TransactionKind
from ledger.selectors import ledger_verify, wallet_summary
from ledger.services import account_system
from rewards.drawings import bid_place, drawing_close
from rewards.drawings import services as drawing_services
from rewards.models import Bid, BidResult, Drawing, DrawingState, Redemption
from tests.api_support import isolate_throttle_cache
from tests.people.factories import AgentFactory
from tests.rewards.drawing_support import make_drawing, make_due
from tests.rewards.factories import RewardFactory
from tests.threads import api_as, run_in_threads

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("postgres")]


@pytest.fixture(autouse=True)
def _own_throttle_cache(monkeypatch):
    isolate_throttle_cache(monkeypatch)


def sink_total() -> int:
    return sum(account_system(AccountKind.REDEMPTIONS).entries.values_list("amount", flat=True))


def clearings(drawing: Drawing) -> int:
    """How many times points moved for this drawing (each winner's posting is one)."""
    return Transaction.objects.filter(
        kind=TransactionKind.REDEMPTION, idempotency_key__startswith=f"drawing:{drawing.pk}:"
    ).count()


def test_20_parallel_bids_and_redemptions_covering_one(fund):
    # given: 60 points; ten drawings and ten rewards, each wanting 50
    agent = AgentFactory()
    fund([agent], 60)
    drawings = [make_drawing(price=50) for _ in range(10)]
    rewards = [RewardFactory(base_price=50, current_price=50) for _ in range(10)]
    seen: list[int] = []

    def attempt(i: int) -> int:
        client = api_as(agent)
        if i % 2:
            response = client.post(
                f"/api/v1/drawings/{drawings[i // 2].pk}/bid/", {"amount": 50}, format="json"
            )
        else:
            quote = client.post(f"/api/v1/rewards/{rewards[i // 2].pk}/quote/").json()
            response = client.post("/api/v1/redemptions/", {"quote": quote["id"]}, format="json")
        seen.append(wallet_summary(user=agent).available)
        return response.status_code

    results = Counter(run_in_threads(20, attempt))

    assert results[409] == 19
    assert results[200] + results[201] == 1
    assert min(seen) >= 0
    summary = wallet_summary(user=agent)
    assert summary.available == 10
    assert ledger_verify() == []


def test_closing_twice_and_two_closers_at_once_clear_once(fund):
    agents = [AgentFactory() for _ in range(4)]
    fund(agents, 200)
    drawing = make_drawing(stock=2, price=50)
    for agent, amount in zip(agents, [120, 80, 100, 60], strict=True):
        bid_place(drawing=drawing, employee=agent, amount=amount)
    make_due(drawing)
    before = sink_total()

    def close(i: int) -> str:
        return str(drawing_close(drawing=drawing).state)

    assert run_in_threads(6, close) == ["closed"] * 6
    drawing_close(drawing=drawing)  # and once more, later

    assert clearings(drawing) == 2
    assert sink_total() - before == 2 * 80
    assert Redemption.objects.filter(reward=drawing.reward).count() == 2
    assert Hold.objects.filter(state=HoldState.PENDING).count() == 0
    assert ledger_verify() == []


def _bids_for_a_close(fund: Any) -> Drawing:
    agents = [AgentFactory() for _ in range(4)]
    fund(agents, 200)
    drawing = make_drawing(stock=2, price=50)
    for agent, amount in zip(agents, [120, 80, 100, 60], strict=True):
        bid_place(drawing=drawing, employee=agent, amount=amount)
    make_due(drawing)
    return drawing


def _untouched(drawing: Drawing, sink_before: int) -> None:
    drawing.refresh_from_db()
    assert drawing.state == DrawingState.OPEN
    assert clearings(drawing) == 0
    assert sink_total() == sink_before
    assert Redemption.objects.count() == 0
    assert Hold.objects.filter(state=HoldState.PENDING).count() == 4
    assert set(Bid.objects.values_list("result", flat=True)) == {""}
    assert ledger_verify() == []


def test_a_close_that_fails_midway_leaves_nothing_and_a_rerun_clears_once(fund, monkeypatch):
    drawing = _bids_for_a_close(fund)
    before = sink_total()
    real_void = drawing_services.holds_void
    posted_before_crash: list[int] = []

    def crash(*, holds: Any) -> Any:
        # after the winners' holds were posted and their redemptions written
        posted_before_crash.append(Redemption.objects.count())
        raise RuntimeError("worker lost")

    monkeypatch.setattr(drawing_services, "holds_void", crash)
    with pytest.raises(RuntimeError):
        drawing_close(drawing=drawing)
    assert posted_before_crash == [2]  # it really died midway
    _untouched(drawing, before)

    monkeypatch.setattr(drawing_services, "holds_void", real_void)
    drawing_close(drawing=drawing)
    assert clearings(drawing) == 2
    assert sink_total() - before == 2 * 80
    assert ledger_verify() == []


def test_a_closer_process_killed_midway_leaves_nothing(fund):
    drawing = _bids_for_a_close(fund)
    before = sink_total()
    connections.close_all()  # the child must open its own connection

    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child dies with os._exit
        try:

            def die(*, holds: Any) -> None:
                # killed after the winners' writes: no commit, no rollback, no cleanup
                os._exit(17 if Redemption.objects.count() == 2 else 5)

            drawing_services.holds_void = die  # type: ignore[assignment]
            drawing_close(drawing=drawing)
        finally:
            os._exit(3)
    _pid, status = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(status) == 17

    _untouched(drawing, before)
    drawing_close(drawing=drawing)
    assert clearings(drawing) == 2
    assert Redemption.objects.count() == 2
    assert ledger_verify() == []


def test_50_bids_at_the_closing_instant_are_in_or_refused(fund):
    agents = [AgentFactory() for _ in range(50)]
    fund(agents, 300)
    drawing = make_drawing(stock=3, price=50)
    closes_at = timezone.now() + timedelta(seconds=4)
    Drawing.objects.filter(pk=drawing.pk).update(closes_at=closes_at)
    stop = threading.Event()

    def bid(i: int) -> tuple[int, str]:
        # spread the requests over +-1 s around the closing time (2 cores, 50 threads: a request
        # takes tens of milliseconds, so a tighter spread would put all of them after it)
        target = closes_at.timestamp() + (i - 25) * 0.04
        time.sleep(max(0.0, target - time.time()))
        response = api_as(agents[i]).post(
            f"/api/v1/drawings/{drawing.pk}/bid/", {"amount": 50 + i}, format="json"
        )
        return response.status_code, response.json().get("code", "")

    def closer() -> None:
        while not stop.is_set():
            try:
                if drawing_close(drawing=drawing).state == DrawingState.CLOSED:
                    return
            except ApplicationError:
                time.sleep(0.005)
            finally:
                connections.close_all()

    worker = threading.Thread(target=closer)
    worker.start()
    results = run_in_threads(50, bid)
    worker.join(timeout=30)
    stop.set()

    accepted = {agents[i].pk for i, (code, _) in enumerate(results) if code == 200}
    refused = [code for code, reason in results if code != 200]
    assert accepted and refused, "the requests should straddle the closing time"
    assert all(code == 409 for code in refused)
    assert {reason for code, reason in results if code != 200} <= {"drawing_closed"}
    drawing.refresh_from_db()
    assert drawing.state == DrawingState.CLOSED
    # every accepted bid took part in the clearing; every refused one left nothing behind
    in_clearing = set(
        Bid.objects.filter(result__in=[BidResult.WON, BidResult.LOST]).values_list(
            "employee_id", flat=True
        )
    )
    assert in_clearing == accepted
    assert Bid.objects.count() == len(accepted)
    assert drawing.bidders == len(accepted)
    assert Hold.objects.filter(state=HoldState.PENDING).count() == 0
    assert drawing.winners == min(3, len(accepted))
    assert ledger_verify() == []
