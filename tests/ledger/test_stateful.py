"""A Hypothesis state machine: awards, reversals, budget periods and the market (redeem,
cancel, reject, restock) against a simple model.

After every step the real ledger must agree with the model, and `ledger_verify` must be clean.
Runs with committed transactions, so PostgreSQL's deferred triggers check every commit too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from ledger.errors import (
    AlreadyReversedError,
    BudgetExceededError,
    InsufficientPointsError,
    NotInYourTeamError,
    SelfAwardError,
)
from ledger.models import AccountKind, Award, BudgetPolicy, Entry
from ledger.selectors import balance_of, ledger_verify
from ledger.services import award_create, budget_period_open, transaction_reverse
from people.models import User
from rewards import services as market
from rewards.errors import InvalidStateTransitionError, OutOfStockError
from rewards.models import Redemption, RedemptionState, Reward
from tests.ledger.factories import AwardReasonFactory
from tests.people.factories import AgentFactory, HRFactory, SupervisorFactory, TeamFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("postgres")]


@dataclass
class ModelAward:
    award: Award
    giver: User
    recipient: User
    points: int
    reversed: bool = False


@dataclass
class ModelRedemption:
    redemption: Redemption
    buyer: User
    reward_index: int
    price: int
    state: str


class LedgerMachine(RuleBasedStateMachine):
    @initialize(
        allowances=st.lists(st.integers(0, 120), min_size=2, max_size=2), rollover=st.booleans()
    )
    def setup(self, allowances: list[int], rollover: bool) -> None:
        self.reason = AwardReasonFactory(code="model", suggested_max=100)
        self.hr = HRFactory()
        team_a, team_b = TeamFactory(), TeamFactory()
        self.supervisors = [SupervisorFactory(), SupervisorFactory()]
        team_a.leaders.add(self.supervisors[0])
        team_b.leaders.add(self.supervisors[1])
        self.agents = [
            AgentFactory(team=team_a),
            AgentFactory(team=team_a),
            AgentFactory(team=team_b),
        ]
        self.led = {self.supervisors[0].pk: {0, 1}, self.supervisors[1].pk: {2}}
        self.allowance = dict(zip([s.pk for s in self.supervisors], allowances, strict=True))
        self.rollover = rollover
        for supervisor in self.supervisors:
            BudgetPolicy.objects.create(
                supervisor=supervisor, amount=self.allowance[supervisor.pk], rollover=rollover
            )
        self.budget = {s.pk: 0 for s in self.supervisors}
        self.wallet = {a.pk: 0 for a in self.agents}
        self.awards: list[ModelAward] = []
        self.month = 0
        # The market: one reward with a little stock that needs approval, one unlimited.
        self.rewards: list[Reward] = [
            market.reward_create(
                name_fi="Vuoro", name_en="Shift", base_price=30, stock=1, needs_approval=True
            ),
            market.reward_create(name_fi="Kahvi", name_en="Coffee", base_price=7),
        ]
        self.stock: list[int | None] = [1, None]
        self.redemptions: list[ModelRedemption] = []
        # The sink is shared by every example the machine runs (rows stay until the test ends).
        self.sink_before = self._sink_total()

    @staticmethod
    def _sink_total() -> int:
        sink = Entry.objects.filter(account__kind=AccountKind.REDEMPTIONS)
        return sum(sink.values_list("amount", flat=True))

    @rule()
    def open_next_period(self) -> None:
        self.month += 1
        start = date(2020 + (self.month - 1) // 12, (self.month - 1) % 12 + 1, 1)
        for supervisor in self.supervisors:
            _period, created = budget_period_open(supervisor=supervisor, period_start=start)
            assert created
            if not self.rollover:
                self.budget[supervisor.pk] = 0
            self.budget[supervisor.pk] += self.allowance[supervisor.pk]
        # the same period again is a no-op
        for supervisor in self.supervisors:
            assert budget_period_open(supervisor=supervisor, period_start=start)[1] is False

    @rule(giver=st.integers(0, 1), recipient=st.integers(0, 2), points=st.integers(1, 100))
    def award(self, giver: int, recipient: int, points: int) -> None:
        supervisor, agent = self.supervisors[giver], self.agents[recipient]
        if recipient not in self.led[supervisor.pk]:
            expected: type[Exception] | None = NotInYourTeamError
        elif self.budget[supervisor.pk] < points:
            expected = BudgetExceededError
        else:
            expected = None
        try:
            award = award_create(
                giver=supervisor, recipient=agent, reason=self.reason, points=points
            )
        except (NotInYourTeamError, BudgetExceededError, SelfAwardError) as exc:
            assert type(exc) is expected
            return
        assert expected is None
        self.budget[supervisor.pk] -= points
        self.wallet[agent.pk] += points
        self.awards.append(ModelAward(award, supervisor, agent, points))

    @precondition(lambda self: bool(self.awards))
    @rule(data=st.data())
    def reverse(self, data: st.DataObject) -> None:
        item = data.draw(st.sampled_from(self.awards))
        if item.reversed:
            expected: type[Exception] | None = AlreadyReversedError
        elif self.wallet[item.recipient.pk] < item.points:
            expected = InsufficientPointsError
        else:
            expected = None
        try:
            transaction_reverse(original=item.award.transaction, actor=self.hr, reason="model")
        except (AlreadyReversedError, InsufficientPointsError) as exc:
            assert type(exc) is expected
            return
        assert expected is None
        item.reversed = True
        self.wallet[item.recipient.pk] -= item.points
        self.budget[item.giver.pk] += item.points

    @rule(buyer=st.integers(0, 2), which=st.integers(0, 1))
    def redeem(self, buyer: int, which: int) -> None:
        agent, reward = self.agents[buyer], self.rewards[which]
        price = reward.base_price
        if self.stock[which] == 0:
            expected: type[Exception] | None = OutOfStockError
        elif self.wallet[agent.pk] < price:
            expected = InsufficientPointsError
        else:
            expected = None
        try:
            quote = market.quote_create(employee=agent, reward=reward)
            redemption = market.redemption_create(employee=agent, quote=quote)
        except (OutOfStockError, InsufficientPointsError) as exc:
            assert type(exc) is expected
            return
        assert expected is None
        self.wallet[agent.pk] -= price
        stock = self.stock[which]
        if stock is not None:
            self.stock[which] = stock - 1
        state = RedemptionState.PENDING if reward.needs_approval else RedemptionState.APPROVED
        assert redemption.state == state
        self.redemptions.append(ModelRedemption(redemption, agent, which, price, state))

    def _refund(self, item: ModelRedemption, to: str) -> None:
        item.state = to
        self.wallet[item.buyer.pk] += item.price
        stock = self.stock[item.reward_index]
        if stock is not None:
            self.stock[item.reward_index] = stock + 1

    @precondition(lambda self: bool(self.redemptions))
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        item = data.draw(st.sampled_from(self.redemptions))
        pending = item.state == RedemptionState.PENDING
        try:
            market.redemption_cancel(employee=item.buyer, redemption=item.redemption)
        except InvalidStateTransitionError:
            assert not pending
            return
        assert pending
        self._refund(item, RedemptionState.CANCELLED)

    @precondition(lambda self: bool(self.redemptions))
    @rule(data=st.data())
    def reject(self, data: st.DataObject) -> None:
        item = data.draw(st.sampled_from(self.redemptions))
        open_ = item.state in (RedemptionState.PENDING, RedemptionState.APPROVED)
        try:
            market.redemption_reject(approver=self.hr, redemption=item.redemption, reason="model")
        except InvalidStateTransitionError:
            assert not open_
            return
        assert open_
        self._refund(item, RedemptionState.REJECTED)

    @rule(quantity=st.integers(1, 3))
    def restock(self, quantity: int) -> None:
        market.reward_restock(reward=self.rewards[0], quantity=quantity)
        stock = self.stock[0]
        assert stock is not None
        self.stock[0] = stock + quantity

    @invariant()
    def market_matches_the_model(self) -> None:
        if not hasattr(self, "rewards"):
            return
        for reward, stock in zip(self.rewards, self.stock, strict=True):
            reward.refresh_from_db(fields=["stock"])
            assert reward.stock == stock
        for item in self.redemptions:
            item.redemption.refresh_from_db(fields=["state"])
            assert item.redemption.state == item.state
        kept = sum(
            item.price
            for item in self.redemptions
            if item.state not in (RedemptionState.CANCELLED, RedemptionState.REJECTED)
        )
        assert self._sink_total() - self.sink_before == kept

    @invariant()
    def balances_match_the_model(self) -> None:
        if not hasattr(self, "agents"):
            return
        for agent in self.agents:
            assert balance_of(user=agent) == self.wallet[agent.pk]
        for supervisor in self.supervisors:
            assert (
                balance_of(user=supervisor, kind=AccountKind.BUDGET) == self.budget[supervisor.pk]
            )

    @invariant()
    def ledger_invariants_hold(self) -> None:
        assert ledger_verify() == []


def test_ledger_agrees_with_a_simple_model():
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=25,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
