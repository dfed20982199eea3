"""The points economy and fairness, on a small ledger written through the real services."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from insights.models import DEFAULT_WINDOW, PersonSegment
from insights.services import insights_recompute
from ledger.services import award_create
from rewards.services import quote_create, redemption_cancel, redemption_create
from tests.conftest import fund_budget
from tests.rewards.factories import RewardFactory


@pytest.fixture
def history(crew, reason):
    """Agent 0: 100 + 100 points, buys a 150-point reward a day after affording it.
    Agent 1: 50 points, buys a 30-point reward needing approval, then cancels it."""
    fund_budget(crew.supervisor, 10_000)
    now = timezone.now()
    day = timedelta(days=1)
    a, b = crew.agents[0], crew.agents[1]
    vase = RewardFactory(base_price=100, current_price=150)
    shift = RewardFactory(base_price=30, needs_approval=True)
    idle = RewardFactory(base_price=999)
    award_create(
        giver=crew.supervisor, recipient=a, reason=reason, points=100, created_at=now - 200 * day
    )
    award_create(
        giver=crew.supervisor, recipient=a, reason=reason, points=100, created_at=now - 100 * day
    )
    redemption_create(
        employee=a,
        quote=quote_create(employee=a, reward=vase, at=now - 99 * day),
        at=now - 99 * day,
    )
    award_create(
        giver=crew.supervisor, recipient=b, reason=reason, points=50, created_at=now - 50 * day
    )
    pending = redemption_create(
        employee=b,
        quote=quote_create(employee=b, reward=shift, at=now - 49 * day),
        at=now - 49 * day,
    )
    redemption_cancel(employee=b, redemption=pending, at=now - 48 * day)
    return {"vase": vase, "shift": shift, "idle": idle, "a": a, "b": b}


@pytest.mark.django_db
def test_economy_counts_spends_not_cancellations(crew, history, api) -> None:
    run = insights_recompute()
    assert run is not None
    body = api(crew.hr).get("/api/v1/insights/economy/").json()
    assert body["months"] == DEFAULT_WINDOW
    assert body["issued"] == 250  # the refund of the cancelled purchase is not earnings
    assert body["redeemed"] == 150  # the cancelled purchase is not a spend
    assert body["redemptions"] == 1
    assert body["outstanding_now"] == 100  # 50 + 50 left in the two wallets
    # FIFO: 100 points 101 days old and 50 points 1 day old
    assert body["award_to_spend_days_mean"] == pytest.approx((100 * 101 + 50 * 1) / 150, abs=0.1)
    # paid 150 for a reward whose base price is 100; the basket now costs 150 against 100
    assert body["price_index_now"] == 150.0
    assert [f["paid_index"] for f in body["flows"] if f["paid_index"]] == [150.0]
    # the basket at closing prices: at base before any pricing history, today's price now
    assert {f["price_index"] for f in body["flows"][:-1]} == {100.0}
    assert body["flows"][-1]["price_index"] == 150.0
    assert sum(f["issued"] for f in body["flows"]) == 250
    assert [r["reward"] for r in body["most_wanted"]] == [history["vase"].pk]
    unwanted = {r["reward"] for r in body["unwanted"]}
    assert {history["shift"].pk, history["idle"].pk} <= unwanted


@pytest.mark.django_db
def test_evidence_measures_days_from_affordable_to_redeemed(crew, history) -> None:
    run = insights_recompute()
    row = PersonSegment.objects.get(run=run, months=DEFAULT_WINDOW, person=history["a"])
    assert row.evidence["redemptions"] == 1
    assert row.evidence["median_days_to_redeem"] == pytest.approx(1.0, abs=0.05)
    assert row.evidence["balance_now"] == 50
    cancelled = PersonSegment.objects.get(run=run, months=DEFAULT_WINDOW, person=history["b"])
    assert cancelled.evidence["redemptions"] == 0
    assert cancelled.segment == "new"  # first points 50 days ago


@pytest.mark.django_db
def test_groups_under_five_people_are_suppressed(crew, history, api) -> None:
    insights_recompute()
    body = api(crew.hr).get("/api/v1/insights/fairness/").json()
    # the crew's team has 3 agents: every figure about it is null
    team = next(g for g in body["by_team"] if g["key"] == crew.team.pk)
    assert team == {
        "key": crew.team.pk,
        "label": crew.team.name,
        "people": None,
        "suppressed": True,
        "mean": None,
        "median": None,
        "gini": None,
    }
    assert body["overall"]["suppressed"] is True and body["overall"]["gini"] is None
    assert body["employment_type_gap"] is None
    seg_team = next(g for g in body["segments_by_team"] if g["team"] == crew.team.pk)
    assert seg_team["suppressed"] is True and seg_team["counts"] is None
    assert seg_team["people"] is None
