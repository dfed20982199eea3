"""A Hypothesis state machine: awards, reversals and budget periods against a simple model.

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
from ledger.models import AccountKind, Award, BudgetPolicy
from ledger.selectors import balance_of, ledger_verify
from ledger.services import award_create, budget_period_open, transaction_reverse
from people.models import User
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
