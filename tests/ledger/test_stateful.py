"""A Hypothesis state machine: awards, reversals, budget periods and the market (redeem, cancel,
approve, reject, fulfil, restock, reprice) against a simple model.

The model tracks every wallet, budget, stock, and every redemption's state and price paid. After
every step the database must agree: refunds are exactly the price paid (whatever the price is
now), the redemptions sink holds exactly what was paid and not refunded, refusals
(`insufficient_points`, `out_of_stock`, wrong state, not the owner, not an approver) are the
expected ones, and `ledger_verify` is clean. Runs with committed transactions, so PostgreSQL's
deferred triggers check every commit too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import cast

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

from core.errors import InvalidInputError
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
from rewards.errors import (
    InvalidStateTransitionError,
    NotAnApproverError,
    NotYourRedemptionError,
    OutOfStockError,
)
from rewards.models import Redemption, Reward
from rewards.services import (
    quote_create,
    redemption_approve,
    redemption_cancel,
    redemption_create,
    redemption_fulfil,
    redemption_reject,
    reward_create,
    reward_price_set,
    reward_restock,
)
from tests.ledger.factories import AwardReasonFactory
from tests.people.factories import AgentFactory, HRFactory, SupervisorFactory, TeamFactory
from tests.rewards.conftest import fund_wallets

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("postgres")]

# What the examples did, so that the test can show it exercised the market, not only refusals.
SEEN: Counter[str] = Counter()


def event(what: str) -> None:
    SEEN[what] += 1


PENDING, APPROVED, FULFILLED = "pending", "approved", "fulfilled"
CANCELLED, REJECTED = "cancelled", "rejected"


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
    agent: int  # index into machine.agents
    reward: int  # index into machine.rewards
    price_paid: int
    state: str


class LedgerMachine(RuleBasedStateMachine):
    @initialize(
        allowances=st.lists(st.integers(0, 120), min_size=2, max_size=2),
        rollover=st.booleans(),
        prices=st.lists(st.integers(1, 60), min_size=3, max_size=3),
        stocks=st.tuples(st.integers(0, 3), st.integers(0, 1)),
        savings=st.lists(st.integers(0, 150), min_size=3, max_size=3),
    )
    def setup(
        self,
        allowances: list[int],
        rollover: bool,
        prices: list[int],
        stocks: tuple[int, int],
        savings: list[int],
    ) -> None:
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
        # The market: a scarce reward that needs approval, an unlimited one that does not, and a
        # last item.
        specs = [(stocks[0], True), (None, False), (stocks[1], False)]
        self.rewards: list[Reward] = [
            reward_create(
                name_fi=f"Palkinto {i}",
                name_en=f"Reward {i}",
                base_price=price,
                stock=stock,
                needs_approval=approval,
            )
            for i, (price, (stock, approval)) in enumerate(zip(prices, specs, strict=True))
        ]
        self.price = list(prices)
        # Points to spend from the start, from a supervisor outside the model's budgets.
        for agent, points in zip(self.agents, savings, strict=True):
            if points:
                fund_wallets(reason=self.reason, agents=[cast(User, agent)], points=points)
                self.wallet[agent.pk] += points
        self.stock: list[int | None] = [stock for stock, _approval in specs]
        self.redemptions: list[ModelRedemption] = []
        # Who may decide for whom: HR for all, each supervisor for their own team's agents.
        self.approvers: list[User] = [cast(User, p) for p in (*self.supervisors, self.hr)]
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

    def _may_decide(self, approver: int, agent: int) -> bool:
        person = self.approvers[approver]
        return person.pk == self.hr.pk or agent in self.led[person.pk]

    def _refunded(self, item: ModelRedemption) -> None:
        event(f"refunded ({item.state})")
        self.wallet[self.agents[item.agent].pk] += item.price_paid
        stock = self.stock[item.reward]
        if stock is not None:
            self.stock[item.reward] = stock + 1

    @rule(agent=st.integers(0, 2), reward=st.integers(0, 2))
    def redeem(self, agent: int, reward: int) -> None:
        buyer, item = self.agents[agent], self.rewards[reward]
        price, stock = self.price[reward], self.stock[reward]
        if stock == 0:
            expected: type[Exception] | None = OutOfStockError
        elif self.wallet[buyer.pk] < price:
            expected = InsufficientPointsError
        else:
            expected = None
        try:
            quote = quote_create(employee=buyer, reward=item)
            redemption = redemption_create(employee=buyer, quote=quote)
        except (OutOfStockError, InsufficientPointsError) as exc:
            assert type(exc) is expected
            event(f"redeem refused: {exc.code}")
            return
        assert expected is None
        event("redeemed")
        assert redemption.price_paid == price
        self.wallet[buyer.pk] -= price
        if stock is not None:
            self.stock[reward] = stock - 1
        state = PENDING if item.needs_approval else APPROVED
        assert redemption.state == state
        self.redemptions.append(ModelRedemption(redemption, agent, reward, price, state))

    @precondition(lambda self: bool(self.redemptions))
    @rule(data=st.data(), by_owner=st.booleans())
    def cancel(self, data: st.DataObject, by_owner: bool) -> None:
        item = data.draw(st.sampled_from(self.redemptions))
        who = item.agent if by_owner else (item.agent + 1) % len(self.agents)
        if not by_owner:
            expected: type[Exception] | None = NotYourRedemptionError
        elif item.state != PENDING:
            expected = InvalidStateTransitionError
        else:
            expected = None
        try:
            redemption_cancel(employee=self.agents[who], redemption=item.redemption)
        except (NotYourRedemptionError, InvalidStateTransitionError) as exc:
            assert type(exc) is expected
            return
        assert expected is None
        item.state = CANCELLED
        self._refunded(item)

    @precondition(lambda self: bool(self.redemptions))
    @rule(data=st.data(), approver=st.integers(0, 2))
    def reject(self, data: st.DataObject, approver: int) -> None:
        item = data.draw(st.sampled_from(self.redemptions))
        if not self._may_decide(approver, item.agent):
            expected: type[Exception] | None = NotAnApproverError
        elif item.state not in (PENDING, APPROVED):
            expected = InvalidStateTransitionError
        else:
            expected = None
        try:
            redemption_reject(
                approver=self.approvers[approver], redemption=item.redemption, reason="model"
            )
        except (NotAnApproverError, InvalidStateTransitionError) as exc:
            assert type(exc) is expected
            return
        assert expected is None
        item.state = REJECTED
        self._refunded(item)

    @precondition(lambda self: bool(self.redemptions))
    @rule(data=st.data(), approver=st.integers(0, 2))
    def approve(self, data: st.DataObject, approver: int) -> None:
        item = data.draw(st.sampled_from(self.redemptions))
        self._no_money_moves(
            item, approver, allowed=(PENDING,), to=APPROVED, service=redemption_approve
        )

    @precondition(lambda self: bool(self.redemptions))
    @rule(data=st.data(), approver=st.integers(0, 2))
    def fulfil(self, data: st.DataObject, approver: int) -> None:
        item = data.draw(st.sampled_from(self.redemptions))
        self._no_money_moves(
            item, approver, allowed=(APPROVED,), to=FULFILLED, service=redemption_fulfil
        )

    def _no_money_moves(
        self,
        item: ModelRedemption,
        approver: int,
        *,
        allowed: tuple[str, ...],
        to: str,
        service: Callable[..., Redemption],
    ) -> None:
        if not self._may_decide(approver, item.agent):
            expected: type[Exception] | None = NotAnApproverError
        elif item.state not in allowed:
            expected = InvalidStateTransitionError
        else:
            expected = None
        try:
            service(approver=self.approvers[approver], redemption=item.redemption)
        except (NotAnApproverError, InvalidStateTransitionError) as exc:
            assert type(exc) is expected
            return
        assert expected is None
        event(to)
        item.state = to

    @rule(reward=st.integers(0, 2), quantity=st.integers(1, 3))
    def restock(self, reward: int, quantity: int) -> None:
        stock = self.stock[reward]
        try:
            reward_restock(reward=self.rewards[reward], quantity=quantity)
        except InvalidInputError:
            assert stock is None, "only unlimited stock refuses a restock"
            return
        assert stock is not None
        self.stock[reward] = stock + quantity

    @rule(reward=st.integers(0, 2), price=st.integers(1, 60))
    def reprice(self, reward: int, price: int) -> None:
        """Prices move; what was paid, and so what a refund returns, does not."""
        reward_price_set(reward=self.rewards[reward], price=price)
        self.price[reward] = price

    @invariant()
    def market_matches_the_model(self) -> None:
        if not hasattr(self, "rewards"):
            return
        for index, reward in enumerate(self.rewards):
            assert Reward.objects.get(pk=reward.pk).stock == self.stock[index]
        rows = {
            r.pk: r
            for r in Redemption.objects.select_related("refund").filter(
                pk__in=[item.redemption.pk for item in self.redemptions]
            )
        }
        for item in self.redemptions:
            row = rows[item.redemption.pk]
            assert (row.state, row.price_paid) == (item.state, item.price_paid)
            if item.state in (CANCELLED, REJECTED):
                assert row.refund is not None
                wallet_leg = row.refund.entries.get(account__kind=AccountKind.WALLET)
                assert wallet_leg.amount == item.price_paid, "a refund is exactly the price paid"
            else:
                assert row.refund is None
        # The sink holds exactly what was paid and not refunded.
        kept = sum(i.price_paid for i in self.redemptions if i.state not in (CANCELLED, REJECTED))
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
    SEEN.clear()
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=25,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
    print(dict(SEEN))
    assert SEEN["redeemed"] > 0
