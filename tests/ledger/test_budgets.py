from datetime import date

import pytest

from core.errors import InvalidInputError
from ledger.models import (
    AccountKind,
    BudgetMode,
    BudgetPeriod,
    BudgetPolicy,
    Transaction,
    TransactionKind,
)
from ledger.selectors import balance_of, ledger_verify
from ledger.services import award_create, budget_period_open, budget_periods_open, budget_policy_set

pytestmark = pytest.mark.django_db

MAY, JUNE = date(2026, 5, 1), date(2026, 6, 1)


def test_opening_a_period_twice_grants_once(crew):
    BudgetPolicy.objects.create(supervisor=crew.supervisor, amount=200)
    _p, first = budget_period_open(supervisor=crew.supervisor, period_start=MAY)
    _p, second = budget_period_open(supervisor=crew.supervisor, period_start=MAY)
    assert (first, second) == (True, False)
    assert balance_of(user=crew.supervisor, kind=AccountKind.BUDGET) == 200
    assert Transaction.objects.filter(kind=TransactionKind.BUDGET_GRANT).count() == 1


def test_unused_budget_lapses_at_the_next_period(crew, reason):
    BudgetPolicy.objects.create(supervisor=crew.supervisor, amount=200, rollover=False)
    budget_period_open(supervisor=crew.supervisor, period_start=MAY)
    award_create(giver=crew.supervisor, recipient=crew.agents[0], reason=reason, points=50)
    june, _ = budget_period_open(supervisor=crew.supervisor, period_start=JUNE)
    assert june.lapsed == 150
    assert balance_of(user=crew.supervisor, kind=AccountKind.BUDGET) == 200
    assert ledger_verify() == []


def test_unused_budget_rolls_over_when_hr_says_so(crew, reason):
    BudgetPolicy.objects.create(supervisor=crew.supervisor, amount=200, rollover=True)
    budget_period_open(supervisor=crew.supervisor, period_start=MAY)
    award_create(giver=crew.supervisor, recipient=crew.agents[0], reason=reason, points=50)
    june, _ = budget_period_open(supervisor=crew.supervisor, period_start=JUNE)
    assert june.lapsed == 0
    assert balance_of(user=crew.supervisor, kind=AccountKind.BUDGET) == 350


def test_per_member_allowance_counts_active_team_members(crew):
    crew.agents[2].is_active = False
    crew.agents[2].save(update_fields=["is_active"])
    BudgetPolicy.objects.create(supervisor=crew.supervisor, amount=40, mode=BudgetMode.PER_MEMBER)
    period, _ = budget_period_open(supervisor=crew.supervisor, period_start=MAY)
    assert period.granted == 80


def test_budget_periods_open_covers_every_supervisor_once(crew):
    BudgetPolicy.objects.create(supervisor=crew.supervisor, amount=100)
    assert budget_periods_open() == 1
    assert budget_periods_open() == 0
    assert BudgetPeriod.objects.count() == 1


def test_a_budget_is_only_for_supervisors(crew):
    with pytest.raises(InvalidInputError):
        budget_policy_set(supervisor=crew.agents[0], amount=100)
    assert not BudgetPolicy.objects.exists()
