"""The market's services: buying, quote rules, state transitions, refunds, catalogue, goals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from core.errors import InvalidInputError
from ledger.errors import InsufficientPointsError
from ledger.models import AccountKind, Entry, Transaction, TransactionKind
from ledger.selectors import balance_of, ledger_verify
from ledger.services import award_create
from rewards import selectors, services
from rewards.errors import (
    InvalidStateTransitionError,
    NotAnApproverError,
    NotYourQuoteError,
    NotYourRedemptionError,
    OutOfStockError,
    PriceChangedError,
    QuoteUsedError,
    RewardInactiveError,
)
from rewards.models import Quote, Redemption, RedemptionState, Reward, Wish
from tests.api_support import db_state
from tests.people.factories import AgentFactory, SupervisorFactory, TeamFactory
from tests.rewards.conftest import fund_wallets
from tests.rewards.factories import RewardFactory

pytestmark = pytest.mark.django_db


def expire(quote: Quote) -> None:
    Quote.objects.filter(pk=quote.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    quote.refresh_from_db()


def buy(agent, reward: Reward) -> Redemption:
    return services.redemption_create(
        employee=agent, quote=services.quote_create(employee=agent, reward=reward)
    )


# --- buying ----------------------------------------------------------------------------------


def test_redeeming_debits_the_wallet_into_the_sink_and_takes_stock(crew, fund):
    # given
    agent = crew.agents[0]
    fund([agent], 100)
    reward = RewardFactory(base_price=60, stock=3)
    quote = services.quote_create(employee=agent, reward=reward)

    # when
    redemption = services.redemption_create(employee=agent, quote=quote)

    # then
    assert redemption.state == RedemptionState.APPROVED
    assert redemption.price_paid == 60
    assert balance_of(user=agent) == 40
    reward.refresh_from_db()
    assert reward.stock == 2
    debit = redemption.debit
    assert debit.kind == TransactionKind.REDEMPTION
    assert sorted(debit.entries.values_list("account__kind", "amount")) == [
        (AccountKind.REDEMPTIONS, 60),
        (AccountKind.WALLET, -60),
    ]
    quote.refresh_from_db()
    assert quote.used_at is not None
    assert ledger_verify() == []


def test_a_reward_that_needs_approval_waits_pending(crew, fund):
    agent = crew.agents[0]
    fund([agent], 100)
    redemption = buy(agent, RewardFactory(base_price=30, needs_approval=True))
    assert redemption.state == RedemptionState.PENDING
    assert balance_of(user=agent) == 70


def test_unlimited_stock_stays_unlimited(crew, fund):
    agent = crew.agents[0]
    fund([agent], 100)
    reward = RewardFactory(base_price=10, stock=None)
    buy(agent, reward)
    reward.refresh_from_db()
    assert reward.stock is None


def test_not_enough_points_writes_nothing(crew, fund):
    # given
    agent = crew.agents[0]
    fund([agent], 50)
    reward = RewardFactory(base_price=60, stock=2)
    quote = services.quote_create(employee=agent, reward=reward)
    before = db_state()

    # when / then
    with pytest.raises(InsufficientPointsError):
        services.redemption_create(employee=agent, quote=quote)
    assert db_state() == before


def test_sold_out_writes_nothing(crew, fund):
    agent = crew.agents[0]
    fund([agent], 100)
    reward = RewardFactory(base_price=10, stock=1)
    quote = services.quote_create(employee=agent, reward=reward)
    services.reward_update(reward=reward, stock=0)
    before = db_state()
    with pytest.raises(OutOfStockError):
        services.redemption_create(employee=agent, quote=quote)
    assert db_state() == before
    with pytest.raises(OutOfStockError):
        services.quote_create(employee=agent, reward=reward)


def test_an_inactive_reward_cannot_be_bought_or_quoted(crew, fund):
    agent = crew.agents[0]
    fund([agent], 100)
    reward = RewardFactory(base_price=10)
    quote = services.quote_create(employee=agent, reward=reward)
    services.reward_deactivate(reward=reward)
    before = db_state()
    with pytest.raises(RewardInactiveError):
        services.redemption_create(employee=agent, quote=quote)
    with pytest.raises(RewardInactiveError):
        services.quote_create(employee=agent, reward=reward)
    assert db_state() == before


def test_someone_elses_quote_is_refused(crew, fund):
    owner, other = crew.agents[:2]
    fund([owner, other], 100)
    quote = services.quote_create(employee=owner, reward=RewardFactory(base_price=10))
    before = db_state()
    with pytest.raises(NotYourQuoteError):
        services.redemption_create(employee=other, quote=quote)
    assert db_state() == before


# --- quote rules (spec §3) -------------------------------------------------------------------


def test_a_valid_quote_after_a_rise_pays_the_quoted_price(crew, fund):
    agent = crew.agents[0]
    fund([agent], 200)
    reward = RewardFactory(base_price=50)
    quote = services.quote_create(employee=agent, reward=reward)
    services.reward_price_set(reward=reward, price=70)
    redemption = services.redemption_create(employee=agent, quote=quote)
    assert redemption.price_paid == 50
    assert balance_of(user=agent) == 150


def test_a_valid_quote_after_a_drop_pays_the_lower_price(crew, fund):
    agent = crew.agents[0]
    fund([agent], 200)
    reward = RewardFactory(base_price=50)
    quote = services.quote_create(employee=agent, reward=reward)
    services.reward_price_set(reward=reward, price=40)
    assert services.redemption_create(employee=agent, quote=quote).price_paid == 40
    assert balance_of(user=agent) == 160


def test_an_expired_quote_after_a_rise_is_refused_with_price_changed(crew, fund):
    agent = crew.agents[0]
    fund([agent], 200)
    reward = RewardFactory(base_price=50)
    quote = services.quote_create(employee=agent, reward=reward)
    services.reward_price_set(reward=reward, price=55)
    expire(quote)
    before = db_state()
    with pytest.raises(PriceChangedError) as caught:
        services.redemption_create(employee=agent, quote=quote)
    assert caught.value.extra == {"reward": reward.pk, "quoted_price": 50, "current_price": 55}
    assert db_state() == before


def test_an_expired_quote_without_a_rise_is_honoured_at_the_current_price(crew, fund):
    agent = crew.agents[0]
    fund([agent], 200)
    reward = RewardFactory(base_price=50)
    quote = services.quote_create(employee=agent, reward=reward)
    services.reward_price_set(reward=reward, price=45)
    expire(quote)
    assert services.redemption_create(employee=agent, quote=quote).price_paid == 45


def test_a_quote_is_used_once(crew, fund):
    agent = crew.agents[0]
    fund([agent], 200)
    quote = services.quote_create(employee=agent, reward=RewardFactory(base_price=50))
    services.redemption_create(employee=agent, quote=quote)
    before = db_state()
    with pytest.raises(QuoteUsedError):
        services.redemption_create(employee=agent, quote=quote)
    assert db_state() == before
    assert balance_of(user=agent) == 150


def test_a_quote_lasts_the_configured_time(crew, settings):
    settings.QUOTE_VALIDITY_SECONDS = 60
    quote = services.quote_create(employee=crew.agents[0], reward=RewardFactory(base_price=5))
    assert quote.expires_at - quote.created_at == timedelta(seconds=60)
    assert quote.price == 5


# --- transitions ------------------------------------------------------------------------------


def test_cancel_refunds_exactly_and_returns_the_stock(crew, fund):
    # given: bought at a quoted 50 although the price rose to 80 meanwhile
    agent = crew.agents[0]
    fund([agent], 100)
    reward = RewardFactory(base_price=50, stock=2, needs_approval=True)
    quote = services.quote_create(employee=agent, reward=reward)
    services.reward_price_set(reward=reward, price=80)
    redemption = services.redemption_create(employee=agent, quote=quote)

    # when
    cancelled = services.redemption_cancel(employee=agent, redemption=redemption)

    # then
    assert cancelled.state == RedemptionState.CANCELLED
    assert balance_of(user=agent) == 100
    reward.refresh_from_db()
    assert reward.stock == 2
    refund = cancelled.refund
    assert refund is not None
    assert refund.kind == TransactionKind.REVERSAL
    assert refund.reverses_id == redemption.debit_id
    assert sorted(refund.entries.values_list("account__kind", "amount")) == [
        (AccountKind.REDEMPTIONS, -50),
        (AccountKind.WALLET, 50),
    ]
    assert ledger_verify() == []


def test_cancel_twice_refunds_once(crew, fund):
    agent = crew.agents[0]
    fund([agent], 100)
    redemption = buy(agent, RewardFactory(base_price=50, needs_approval=True))
    services.redemption_cancel(employee=agent, redemption=redemption)
    before = db_state()
    with pytest.raises(InvalidStateTransitionError):
        services.redemption_cancel(employee=agent, redemption=redemption)
    assert db_state() == before
    assert balance_of(user=agent) == 100


def test_only_the_owner_cancels_and_only_while_pending(crew, fund):
    agent, other = crew.agents[:2]
    fund([agent], 100)
    pending = buy(agent, RewardFactory(base_price=10, needs_approval=True))
    approved = buy(agent, RewardFactory(base_price=10))
    before = db_state()
    with pytest.raises(NotYourRedemptionError):
        services.redemption_cancel(employee=other, redemption=pending)
    with pytest.raises(InvalidStateTransitionError):
        services.redemption_cancel(employee=agent, redemption=approved)
    assert db_state() == before


def test_reject_refunds_exactly_and_returns_the_stock(crew, fund):
    agent = crew.agents[0]
    fund([agent], 100)
    reward = RewardFactory(base_price=35, stock=1, needs_approval=True)
    redemption = buy(agent, reward)
    reward.refresh_from_db()
    assert reward.stock == 0

    rejected = services.redemption_reject(
        approver=crew.supervisor, redemption=redemption, reason="Ei vuoroja vapaana"
    )

    assert rejected.state == RedemptionState.REJECTED
    assert rejected.reason == "Ei vuoroja vapaana"
    assert rejected.decided_by == crew.supervisor
    assert balance_of(user=agent) == 100
    reward.refresh_from_db()
    assert reward.stock == 1
    assert rejected.refund is not None and rejected.refund.reverses_id == redemption.debit_id
    assert ledger_verify() == []


def test_reject_needs_a_reason(crew, fund):
    agent = crew.agents[0]
    fund([agent], 100)
    redemption = buy(agent, RewardFactory(base_price=35, needs_approval=True))
    before = db_state()
    with pytest.raises(InvalidInputError):
        services.redemption_reject(approver=crew.supervisor, redemption=redemption, reason="  ")
    assert db_state() == before


def test_approve_then_fulfil(crew, fund):
    agent = crew.agents[0]
    fund([agent], 100)
    redemption = buy(agent, RewardFactory(base_price=35, needs_approval=True))
    approved = services.redemption_approve(approver=crew.supervisor, redemption=redemption)
    assert approved.state == RedemptionState.APPROVED
    fulfilled = services.redemption_fulfil(approver=crew.hr, redemption=redemption)
    assert fulfilled.state == RedemptionState.FULFILLED
    assert fulfilled.decided_by == crew.hr
    assert balance_of(user=agent) == 65
    with pytest.raises(InvalidStateTransitionError):
        services.redemption_reject(approver=crew.hr, redemption=redemption, reason="late")
    with pytest.raises(InvalidStateTransitionError):
        services.redemption_approve(approver=crew.hr, redemption=redemption)


def test_fulfilling_a_pending_redemption_is_refused(crew, fund):
    agent = crew.agents[0]
    fund([agent], 100)
    redemption = buy(agent, RewardFactory(base_price=35, needs_approval=True))
    with pytest.raises(InvalidStateTransitionError):
        services.redemption_fulfil(approver=crew.supervisor, redemption=redemption)


def test_approvers_are_the_teams_supervisors_and_hr_only(crew, fund):
    # given
    agent = crew.agents[0]
    fund([agent], 100)
    redemption = buy(agent, RewardFactory(base_price=35, needs_approval=True))
    stranger = SupervisorFactory()
    stranger.led_teams.add(TeamFactory())
    colleague = crew.agents[1]
    before = db_state()

    # when / then
    for person in (stranger, colleague, agent):
        with pytest.raises(NotAnApproverError):
            services.redemption_approve(approver=person, redemption=redemption)
        with pytest.raises(NotAnApproverError):
            services.redemption_reject(approver=person, redemption=redemption, reason="no")
    assert db_state() == before
    assert services.redemption_approve(approver=crew.hr, redemption=redemption).state == "approved"


def test_a_supervisor_cannot_approve_their_own_redemption(crew, reason):
    # given: a supervisor who is also a member of a team they lead, with points from HR (only HR
    # awards a team leader)
    team = TeamFactory()
    boss = SupervisorFactory(team=team)
    boss.led_teams.add(team)
    fund_wallets(reason=reason, agents=[boss], points=100, by_hr=True)  # type: ignore[list-item]
    redemption = buy(boss, RewardFactory(base_price=35, needs_approval=True))
    with pytest.raises(NotAnApproverError):
        services.redemption_approve(approver=boss, redemption=redemption)


# --- catalogue ------------------------------------------------------------------------------


def test_reward_create_starts_at_the_base_price():
    reward = services.reward_create(
        name_fi="Kylpylähoito", name_en="Spa treatment", base_price=400, category="wellbeing"
    )
    assert reward.current_price == 400
    assert reward.active and reward.stock is None


@pytest.mark.parametrize(
    "bad",
    [
        {"base_price": 0},
        {"base_price": "10"},
        {"name_fi": " "},
        {"category": "cars"},
        {"stock": -1},
    ],
)
def test_reward_create_refuses_bad_values(bad):
    values = {"name_fi": "Huppari", "name_en": "Hoodie", "base_price": 100, **bad}
    with pytest.raises(InvalidInputError):
        services.reward_create(**values)
    assert Reward.objects.count() == 0


def test_reward_update_moves_the_current_price_with_the_base_price():
    reward = RewardFactory(base_price=100)
    services.reward_update(reward=reward, base_price=120, name_en="Hoodie")
    reward.refresh_from_db()
    assert (reward.base_price, reward.current_price, reward.name_en) == (120, 120, "Hoodie")
    with pytest.raises(InvalidInputError):
        services.reward_update(reward=reward, current_price=1)


def test_restock_adds_to_limited_stock_only():
    limited = RewardFactory(stock=0)
    assert services.reward_restock(reward=limited, quantity=5).stock == 5
    with pytest.raises(InvalidInputError):
        services.reward_restock(reward=RewardFactory(stock=None), quantity=5)
    with pytest.raises(InvalidInputError):
        services.reward_restock(reward=limited, quantity=0)
    limited.refresh_from_db()
    assert limited.stock == 5


# --- goals (the first wish) ----------------------------------------------------------------------------------


def test_goal_progress_and_projection(crew, reason):
    # given: 90 points awarded over the window, so 1 point a day on average
    agent = crew.agents[0]
    from tests.conftest import fund_budget

    fund_budget(crew.supervisor, 1000)
    award_create(giver=crew.supervisor, recipient=agent, reason=reason, points=90)
    reward = RewardFactory(base_price=100)

    # when
    services.goal_set(employee=agent, reward=reward)
    progress = selectors.goal_progress(user=agent)

    # then
    assert progress is not None
    assert (progress.balance, progress.price, progress.remaining) == (90, 100, 10)
    assert progress.percent == 90 and not progress.reached
    assert progress.daily_earning == 1.0
    assert progress.projected_date == timezone.localdate() + timedelta(days=10)


def test_a_reversed_award_does_not_count_towards_the_pace(crew, reason):
    from ledger.services import transaction_reverse
    from tests.conftest import fund_budget

    agent = crew.agents[0]
    fund_budget(crew.supervisor, 1000)
    award_create(giver=crew.supervisor, recipient=agent, reason=reason, points=90)
    mistake = award_create(giver=crew.supervisor, recipient=agent, reason=reason, points=180)
    transaction_reverse(original=mistake.transaction, actor=crew.hr, reason="wrong person")
    assert selectors.average_daily_earning(user=agent) == 1.0


def test_goal_counts_the_price_to_pay_and_only_the_points_that_can_be_spent(crew, fund):
    # given: 300 points, 120 of them held for a bid; the goal's reward is on sale at 20 % off
    from ledger.services import hold_create, wallet_for
    from pricing.services import sale_create

    agent = crew.agents[0]
    fund([agent], 300)
    hold_create(account=wallet_for(agent), amount=120, memo="bid")
    reward: Reward = RewardFactory(base_price=250)  # type: ignore[assignment]
    now = timezone.now()
    sale_create(actor=crew.hr, name="Sale", multiplier="0.8", starts_at=now - timedelta(hours=1),
                ends_at=now + timedelta(days=1), rewards=[reward])  # fmt: skip
    services.goal_set(employee=agent, reward=reward)

    # when
    progress = selectors.goal_progress(user=agent)

    # then: 180 spendable of the 200 it costs today, 20 to go (not 250 − 300 = "reached")
    assert progress is not None
    assert (progress.balance, progress.price, progress.remaining) == (180, 200, 20)
    assert progress.percent == 90 and not progress.reached


def test_goal_reached_clear_and_replace(crew, fund):
    agent = crew.agents[0]
    fund([agent], 100)
    first, second = RewardFactory(base_price=50), RewardFactory(base_price=500)
    services.goal_set(employee=agent, reward=first)
    progress = selectors.goal_progress(user=agent)
    assert progress is not None and progress.reached and progress.percent == 100
    # a new goal goes on top of the wish list; the old one stays, second
    services.goal_set(employee=agent, reward=second)
    assert [w.reward for w in Wish.objects.filter(employee=agent)] == [second, first]
    services.goal_clear(employee=agent)
    progress = selectors.goal_progress(user=agent)
    assert progress is not None and progress.wish.reward == first
    services.goal_clear(employee=agent)
    assert selectors.goal_progress(user=agent) is None
    services.goal_clear(employee=agent)  # clearing nothing is fine


def test_goal_without_recent_earnings_has_no_projected_date(crew):
    agent = AgentFactory(team=crew.team)
    services.goal_set(employee=agent, reward=RewardFactory(base_price=50))
    progress = selectors.goal_progress(user=agent)
    assert progress is not None and progress.projected_date is None


def test_goal_on_an_inactive_reward_is_refused(crew):
    with pytest.raises(RewardInactiveError):
        services.goal_set(employee=crew.agents[0], reward=RewardFactory(active=False))
    assert Wish.objects.count() == 0


def test_nothing_in_the_ledger_is_updated_by_the_market(crew, fund):
    """The refund is a new reversing transaction; the debit stays as it was."""
    agent = crew.agents[0]
    fund([agent], 100)
    redemption = buy(agent, RewardFactory(base_price=50, needs_approval=True))
    entries = list(Entry.objects.filter(transaction=redemption.debit).values_list("id", "amount"))
    services.redemption_cancel(employee=agent, redemption=redemption)
    assert (
        list(Entry.objects.filter(transaction=redemption.debit).values_list("id", "amount"))
        == entries
    )
    assert Transaction.objects.filter(reverses=redemption.debit).count() == 1
