"""Supervisor budgets: HR's policy, and opening a period (grant, and lapse what is unused)."""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditAction
from audit.services import audit_record
from core.errors import InvalidInputError
from core.validators import is_whole_number
from people.models import Role, User

from ..locks import accounts_lock
from ..models import AccountKind, BudgetMode, BudgetPeriod, BudgetPolicy, TransactionKind
from .accounts import account_system, budget_account_for
from .postings import Leg, transaction_post


def period_start_for(moment: datetime | None = None) -> date:
    """The first day of the calendar month (in the project's time zone) that `moment` falls in."""
    local = timezone.localtime(moment or timezone.now())
    return local.date().replace(day=1)


_POLICY_FIELDS = ("amount", "mode", "rollover", "active")


@transaction.atomic
def budget_policy_set(
    *,
    supervisor: User,
    amount: int,
    mode: str = BudgetMode.FLAT,
    rollover: bool = False,
    active: bool = True,
    actor: User | None = None,
) -> BudgetPolicy:
    """Create or change a supervisor's allowance; it applies from the next period opened.
    `actor` is who did it, for the audit log (None: the system, e.g. the demo seed)."""
    if supervisor.role != Role.SUPERVISOR:
        raise InvalidInputError(fields={"supervisor": [_("Budgets are for supervisors.")]})
    if not is_whole_number(amount, low=0, high=10_000_000):
        raise InvalidInputError(fields={"amount": [_("A whole number from 0 to 10,000,000.")]})
    if mode not in BudgetMode.values:
        raise InvalidInputError(fields={"mode": [_("Unknown mode.")]})
    before = (
        BudgetPolicy.objects.select_for_update()
        .filter(supervisor=supervisor)
        .values(*_POLICY_FIELDS)
        .first()
    )
    policy, _created = BudgetPolicy.objects.update_or_create(
        supervisor=supervisor,
        defaults={"amount": amount, "mode": mode, "rollover": rollover, "active": active},
    )
    after = {name: getattr(policy, name) for name in _POLICY_FIELDS}
    changes = {
        name: [before.get(name) if before else None, value]
        for name, value in after.items()
        if before is None or before.get(name) != value
    }
    if changes:
        audit_record(
            actor=actor,
            action=AuditAction.BUDGET_POLICY_CHANGED,
            subject=policy,
            subject_label=supervisor.name,
            details={"supervisor": supervisor.pk, "created": before is None, "changes": changes},
        )
    return policy


def _allowance(policy: BudgetPolicy) -> int:
    if policy.mode == BudgetMode.PER_MEMBER:
        from people.selectors import team_members_of

        return policy.amount * team_members_of(supervisor=policy.supervisor).count()
    return policy.amount


@transaction.atomic
def budget_period_open(
    *, supervisor: User, period_start: date, opened_at: datetime | None = None
) -> tuple[BudgetPeriod, bool]:
    """Open one period for one supervisor, once: lapse last period's rest (unless it rolls over),
    then grant the allowance. Returns (period, created); a second call changes nothing."""
    policy = BudgetPolicy.objects.select_related("supervisor").get(supervisor=supervisor)
    budget = budget_account_for(supervisor)
    # The budget row lock serialises two workers opening the same period; the unique
    # constraint on (supervisor, period_start) is the backstop.
    locked = accounts_lock([budget.pk])[budget.pk]
    existing = BudgetPeriod.objects.filter(supervisor=supervisor, period_start=period_start).first()
    if existing is not None:
        return existing, False

    key = f"{supervisor.pk}:{period_start.isoformat()}"
    lapsed = 0
    assert locked.balance is not None
    if not policy.rollover and locked.balance > 0:
        lapsed = locked.balance
        transaction_post(
            kind=TransactionKind.BUDGET_LAPSE,
            legs=[Leg(budget, -lapsed), Leg(account_system(AccountKind.LAPSED), lapsed)],
            actor=None,
            memo=f"Unused budget lapsed before {period_start:%Y-%m}",
            idempotency_key=f"budget-lapse:{key}",
            created_at=opened_at,
        )
    granted = _allowance(policy) if policy.active else 0
    if granted > 0:
        transaction_post(
            kind=TransactionKind.BUDGET_GRANT,
            legs=[Leg(account_system(AccountKind.ISSUANCE), -granted), Leg(budget, granted)],
            actor=None,
            memo=f"Budget for {period_start:%Y-%m}",
            idempotency_key=f"budget-grant:{key}",
            created_at=opened_at,
        )
    period = BudgetPeriod.objects.create(
        supervisor=supervisor,
        period_start=period_start,
        granted=granted,
        lapsed=lapsed,
        opened_at=opened_at or timezone.now(),
    )
    audit_record(
        actor=None,
        action=AuditAction.BUDGET_PERIOD_OPENED,
        subject=period,
        subject_label=supervisor.name,
        details={
            "supervisor": supervisor.pk,
            "period_start": period_start.isoformat(),
            "granted": granted,
            "lapsed": lapsed,
        },
    )
    return period, True


def budget_periods_open(*, moment: datetime | None = None) -> int:
    """Open the current period for every supervisor with a policy; returns how many were opened."""
    period_start = period_start_for(moment)
    opened = 0
    policies = BudgetPolicy.objects.filter(supervisor__is_active=True).select_related("supervisor")
    for policy in policies.order_by("supervisor_id"):
        _period, created = budget_period_open(
            supervisor=policy.supervisor, period_start=period_start, opened_at=moment
        )
        opened += int(created)
    return opened
