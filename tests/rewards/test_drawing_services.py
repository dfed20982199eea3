"""Drawings through their services: bids held, clearing by the rules, redemptions for winners."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import ApplicationError, InvalidInputError, PermissionDeniedError
from ledger.models import AccountKind, Hold, HoldState, Transaction
from ledger.selectors import ledger_verify, wallet_summary
from ledger.services import account_system
from notifications.models import Notification
from rewards import services
from rewards.drawings import bid_place, bid_withdraw, drawing_close, drawing_create
from rewards.drawings.clearing import lottery_draw, seed_hash
from rewards.drawings.selectors import drawing_participants
from rewards.errors import (
    DrawingClosedError,
    DrawingNotDueError,
    DrawingNotOpenError,
    NoBidError,
    RewardInDrawingError,
)
from rewards.models import Bid, BidResult, Drawing, DrawingState, Redemption, RedemptionState
from tests.people.factories import AgentFactory, HRFactory
from tests.rewards.drawing_support import make_drawing, make_due
from tests.rewards.factories import RewardFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def agents(fund):
    people = [AgentFactory() for _ in range(4)]
    fund(people, 300)
    return people


def sink_total() -> int:
    return sum(account_system(AccountKind.REDEMPTIONS).entries.values_list("amount", flat=True))


def test_create_opens_now_with_reserve_and_k_and_published_hash():
    drawing = make_drawing(stock=3, price=70, floor=40)
    assert drawing.state == DrawingState.OPEN
    assert drawing.reserve == 70  # the market price, higher than the floor
    assert drawing.k == 3
    assert drawing.seed_hash == seed_hash(drawing.seed)


def test_floor_above_the_price_is_the_reserve():
    assert make_drawing(price=70, floor=90).reserve == 90


def test_a_future_drawing_is_scheduled_and_refuses_bids(agents):
    reward = RewardFactory(stock=1)
    now = timezone.now()
    drawing = drawing_create(
        actor=HRFactory(),
        reward=reward,
        rule="auction",
        opens_at=now + timedelta(hours=1),
        closes_at=now + timedelta(hours=2),
    )
    assert drawing.state == DrawingState.SCHEDULED and drawing.reserve is None
    with pytest.raises(DrawingNotOpenError):
        bid_place(drawing=drawing, employee=agents[0], amount=60)
    assert not Hold.objects.exists()


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"stock": None}, InvalidInputError),
        ({"stock": 0}, ApplicationError),
        ({"active": False}, ApplicationError),
    ],
)
def test_create_refuses_unsuitable_rewards(changes, error):
    reward = RewardFactory(**{"stock": 1, **changes})
    with pytest.raises(error):
        make_drawing(reward=reward)
    assert not Drawing.objects.exists()


def test_only_hr_creates_and_one_live_drawing_per_reward():
    reward = RewardFactory(stock=1)
    with pytest.raises(PermissionDeniedError):
        make_drawing(reward=reward, hr=AgentFactory())
    make_drawing(reward=reward)
    with pytest.raises(RewardInDrawingError):
        make_drawing(reward=reward)
    assert Drawing.objects.count() == 1


def test_normal_redemption_is_refused_while_in_a_drawing(agents):
    reward = RewardFactory(stock=2)
    quote = services.quote_create(employee=agents[0], reward=reward)
    make_drawing(reward=reward)
    with pytest.raises(RewardInDrawingError):
        services.redemption_create(employee=agents[0], quote=quote)
    with pytest.raises(RewardInDrawingError):
        services.quote_create(employee=agents[0], reward=reward)
    assert not Redemption.objects.exists()


def test_bid_holds_and_change_replaces_the_hold(agents):
    drawing = make_drawing(price=50)
    bid = bid_place(drawing=drawing, employee=agents[0], amount=120)
    assert wallet_summary(user=agents[0]).held == 120
    first_placed = bid.placed_at

    bid = bid_place(drawing=drawing, employee=agents[0], amount=80)

    summary = wallet_summary(user=agents[0])
    assert (summary.balance, summary.held, summary.available) == (300, 80, 220)
    assert Hold.objects.filter(state=HoldState.PENDING).count() == 1
    assert bid.placed_at > first_placed
    assert Bid.objects.count() == 1
    assert ledger_verify() == []


def test_a_raise_beyond_available_keeps_the_old_bid(agents):
    drawing = make_drawing(price=50)
    bid_place(drawing=drawing, employee=agents[0], amount=100)
    with pytest.raises(ApplicationError) as caught:
        bid_place(drawing=drawing, employee=agents[0], amount=301)
    assert caught.value.code == "insufficient_points"
    assert Bid.objects.get().amount == 100
    assert wallet_summary(user=agents[0]).held == 100


def test_bid_below_the_reserve_is_refused(agents):
    drawing = make_drawing(price=50)
    with pytest.raises(InvalidInputError):
        bid_place(drawing=drawing, employee=agents[0], amount=49)
    assert not Bid.objects.exists() and not Hold.objects.exists()


def test_withdraw_voids_the_hold_and_a_second_withdraw_is_refused(agents):
    drawing = make_drawing()
    bid_place(drawing=drawing, employee=agents[0], amount=60)
    bid_withdraw(drawing=drawing, employee=agents[0])
    assert wallet_summary(user=agents[0]).held == 0
    with pytest.raises(NoBidError):
        bid_withdraw(drawing=drawing, employee=agents[0])
    # and one may bid again
    bid_place(drawing=drawing, employee=agents[0], amount=70)
    assert wallet_summary(user=agents[0]).held == 70


def test_auction_close_two_items_second_price(
    agents, eager_celery, django_capture_on_commit_callbacks
):
    drawing = make_drawing(stock=2, price=50)
    for agent, amount in zip(agents, [200, 90, 150, 60], strict=True):
        bid_place(drawing=drawing, employee=agent, amount=amount)
    sink_before = sink_total()
    make_due(drawing)

    with django_capture_on_commit_callbacks(execute=True):
        closed = drawing_close(drawing=drawing)

    assert closed.state == DrawingState.CLOSED
    assert closed.clearing_price == 90  # the highest losing bid
    assert (closed.bidders, closed.winners) == (4, 2)
    results = {b.employee_id: b.result for b in Bid.objects.all()}
    assert results == {
        agents[0].pk: BidResult.WON,
        agents[1].pk: BidResult.LOST,
        agents[2].pk: BidResult.WON,
        agents[3].pk: BidResult.LOST,
    }
    for agent, balance in zip(agents, [210, 300, 210, 300], strict=True):
        summary = wallet_summary(user=agent)
        assert (summary.balance, summary.held) == (balance, 0)
    assert sink_total() - sink_before == 2 * 90
    redemptions = Redemption.objects.filter(reward=drawing.reward)
    assert sorted(r.employee_id for r in redemptions) == sorted([agents[0].pk, agents[2].pk])
    assert {(r.price_paid, r.state, r.quote_id) for r in redemptions} == {
        (90, RedemptionState.APPROVED, None)
    }
    drawing.reward.refresh_from_db()
    assert drawing.reward.stock == 0
    assert Notification.objects.filter(kind="drawing_won").count() == 2
    assert Notification.objects.filter(kind="drawing_lost").count() == 2
    assert ledger_verify() == []


def test_fewer_bidders_than_items_pay_the_reserve_and_stock_is_left(agents):
    drawing = make_drawing(stock=3, price=50, needs_approval=True)
    bid_place(drawing=drawing, employee=agents[0], amount=200)
    make_due(drawing)
    closed = drawing_close(drawing=drawing)
    assert closed.clearing_price == 50
    redemption = Redemption.objects.get()
    assert redemption.state == RedemptionState.PENDING and redemption.settled_at is None
    drawing.reward.refresh_from_db()
    assert drawing.reward.stock == 2
    assert wallet_summary(user=agents[0]).balance == 250


def test_close_is_idempotent_and_not_before_time(agents):
    drawing = make_drawing()
    bid_place(drawing=drawing, employee=agents[0], amount=60)
    with pytest.raises(DrawingNotDueError):
        drawing_close(drawing=drawing)
    make_due(drawing)
    drawing_close(drawing=drawing)
    transactions = Transaction.objects.count()
    again = drawing_close(drawing=drawing)
    assert again.state == DrawingState.CLOSED
    assert Transaction.objects.count() == transactions
    assert Redemption.objects.count() == 1


def test_bids_after_the_close_are_refused(agents):
    drawing = make_drawing()
    make_due(drawing)
    with pytest.raises(DrawingClosedError):
        bid_place(drawing=drawing, employee=agents[0], amount=60)
    drawing_close(drawing=drawing)
    with pytest.raises(DrawingClosedError):
        bid_withdraw(drawing=drawing, employee=agents[0])
    assert not Hold.objects.exists()


def test_lottery_entries_at_reserve_and_draw_recomputes(agents):
    drawing = make_drawing(rule="lottery", stock=2, price=40)
    for agent in agents:
        bid_place(drawing=drawing, employee=agent)
    with pytest.raises(InvalidInputError):
        bid_place(drawing=drawing, employee=agents[0], amount=41)
    make_due(drawing)

    closed = drawing_close(drawing=drawing)

    entries = list(Bid.objects.filter(drawing=drawing).values_list("pk", flat=True))
    winners, _losers = lottery_draw(closed.seed, entries, 2)
    assert seed_hash(closed.seed) == closed.seed_hash
    assert set(Bid.objects.filter(result=BidResult.WON).values_list("pk", flat=True)) == set(
        winners
    )
    assert closed.clearing_price == 40
    assert Redemption.objects.filter(price_paid=40).count() == 2
    assert ledger_verify() == []


def test_participants_count_once_in_the_closing_window(agents):
    drawing = make_drawing(stock=1)
    bid_place(drawing=drawing, employee=agents[0], amount=60)
    bid_place(drawing=drawing, employee=agents[1], amount=70)
    bid_place(drawing=drawing, employee=agents[2], amount=70)
    bid_withdraw(drawing=drawing, employee=agents[2])
    make_due(drawing)
    closed = drawing_close(drawing=drawing)
    assert closed.closed_at is not None

    rows = list(
        drawing_participants(
            start=closed.closed_at - timedelta(minutes=1),
            end=closed.closed_at + timedelta(seconds=1),
        )
    )
    assert sorted((r["reward_id"], r["employee_id"]) for r in rows) == sorted(
        [(drawing.reward_id, agents[0].pk), (drawing.reward_id, agents[1].pk)]
    )
    assert not drawing_participants(
        start=closed.closed_at + timedelta(seconds=1), end=timezone.now() + timedelta(days=1)
    ).exists()


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    amounts=st.lists(st.integers(min_value=50, max_value=120), min_size=0, max_size=6),
    stock=st.integers(min_value=1, max_value=4),
)
def test_a_closed_auction_charges_exactly_winners_times_the_price(fund, amounts, stock):
    """Through the services and the ledger: each winner's wallet pays the clearing price, the
    sink receives winners x price, losers pay nothing, nothing stays held."""
    with transaction.atomic():
        agents = [AgentFactory.create() for _ in amounts]
        if agents:
            fund(agents, 150)
        drawing = make_drawing(stock=stock, price=50)
        for agent, amount in zip(agents, amounts, strict=True):
            bid_place(drawing=drawing, employee=agent, amount=amount)
        sink_before = sink_total()
        make_due(drawing)

        closed = drawing_close(drawing=drawing)

        winners = list(Bid.objects.filter(drawing=drawing, result=BidResult.WON))
        assert len(winners) == min(stock, len(amounts)) == closed.winners
        price = closed.clearing_price
        if winners:
            assert price is not None
            assert all(bid.amount >= price for bid in winners)
            losing = Bid.objects.filter(drawing=drawing, result=BidResult.LOST)
            assert all(bid.amount <= price for bid in losing)
        assert sink_total() - sink_before == len(winners) * (price or 0)
        won_by = {bid.employee_id for bid in winners}
        for agent in agents:
            summary = wallet_summary(user=agent)
            assert summary.held == 0
            assert summary.balance == 150 - ((price or 0) if agent.pk in won_by else 0)
        assert ledger_verify() == []
        transaction.set_rollback(True)


def test_close_after_hr_lowers_the_stock_gives_out_only_what_is_left(agents):
    drawing = make_drawing(stock=3, price=50)
    for agent in agents[:3]:
        bid_place(drawing=drawing, employee=agent, amount=60)
    services.reward_update(reward=drawing.reward, stock=1)
    make_due(drawing)
    closed = drawing_close(drawing=drawing)
    assert closed.winners == 1 and closed.clearing_price == 60
    drawing.reward.refresh_from_db()
    assert drawing.reward.stock == 0
    assert ledger_verify() == []


def test_close_after_hr_makes_the_stock_unlimited_gives_out_k(agents):
    drawing = make_drawing(stock=2, price=50)
    for agent in agents[:3]:
        bid_place(drawing=drawing, employee=agent, amount=60)
    services.reward_update(reward=drawing.reward, stock=None)
    make_due(drawing)
    closed = drawing_close(drawing=drawing)
    assert closed.winners == 2
    drawing.reward.refresh_from_db()
    assert drawing.reward.stock is None
    assert ledger_verify() == []


def test_create_schedules_the_open_and_close_jobs_after_commit(django_capture_on_commit_callbacks):
    reward = RewardFactory.create(stock=1)
    now = timezone.now()
    sent: list[tuple[str, object]] = []

    class FakeTask:
        def __init__(self, name: str) -> None:
            self.name = name

        def apply_async(self, *, kwargs: dict, eta: object, **options: object) -> None:
            sent.append((self.name, eta))

    from rewards import tasks

    # The service sends the registered tasks by name; their apply_async is what a broker sees.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tasks.drawing_open_task, "apply_async", FakeTask("open").apply_async)
        patch.setattr(tasks.drawing_close_task, "apply_async", FakeTask("close").apply_async)
        with django_capture_on_commit_callbacks(execute=True):
            drawing = drawing_create(
                actor=HRFactory(),
                reward=reward,
                rule="auction",
                opens_at=now + timedelta(hours=1),
                closes_at=now + timedelta(hours=2),
            )
    assert sent == [("open", drawing.opens_at), ("close", drawing.closes_at)]


@pytest.mark.parametrize("undo", ["reject", "cancel"])
def test_a_winners_redemption_refused_or_withdrawn_refunds_the_clearing_price_once(agents, undo):
    # given: a drawing for a reward that needs approval; two bidders, one item
    winner, loser = agents[0], agents[1]
    drawing = make_drawing(stock=1, price=50, needs_approval=True)
    bid_place(drawing=drawing, employee=winner, amount=120)
    bid_place(drawing=drawing, employee=loser, amount=90)
    make_due(drawing)
    drawing_close(drawing=drawing)
    redemption = Redemption.objects.get(employee=winner)
    assert (redemption.state, redemption.price_paid) == (RedemptionState.PENDING, 90)
    assert wallet_summary(user=winner).balance == 300 - 90

    # when: the supervisor says no, or the winner changes their mind
    if undo == "reject":
        services.redemption_reject(approver=HRFactory(), redemption=redemption, reason="rota")
    else:
        services.redemption_cancel(employee=winner, redemption=redemption)

    # then: the clearing price comes back exactly once, nothing stays held, the item returns
    summary = wallet_summary(user=winner)
    assert (summary.balance, summary.held) == (300, 0)
    assert wallet_summary(user=loser).balance == 300
    assert Transaction.objects.filter(reverses=redemption.debit).count() == 1
    drawing.reward.refresh_from_db()
    assert drawing.reward.stock == 1
    assert ledger_verify() == []
    with pytest.raises(ApplicationError):
        services.redemption_cancel(employee=winner, redemption=redemption)
