"""The savings goal: one reward an employee saves for."""

from __future__ import annotations

from django.utils import timezone

from people.models import User

from ..errors import RewardInactiveError
from ..models import Goal, Reward


def goal_set(*, employee: User, reward: Reward) -> Goal:
    """Make `reward` the employee's one savings goal (replacing any other)."""
    reward.refresh_from_db(fields=["active"])
    if not reward.active:
        raise RewardInactiveError()
    goal, _created = Goal.objects.update_or_create(
        employee=employee, defaults={"reward": reward, "created_at": timezone.now()}
    )
    return goal


def goal_clear(*, employee: User) -> None:
    """Forget the employee's goal (nothing happens if there is none)."""
    Goal.objects.filter(employee=employee).delete()
