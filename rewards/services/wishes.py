"""Wishes: the rewards a person watches and saves for, in their order, each with an optional
target price (a price alert). The old single savings goal is the first wish (`goal_set`)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F, Max

from core.errors import InvalidInputError
from people.models import User

from ..errors import RewardInactiveError, WishExistsError, WishLimitError
from ..models import WISHES_MAX, Reward, Wish
from ..prices import price_now
from .catalogue import MAX_PRICE


def _target(value: object) -> int | None:
    """A target price: empty for none, else a whole number of points in 1..MAX_PRICE."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        number = -1
    else:
        try:
            number = int(str(value).strip())
        except ValueError:
            number = -1
    if not 1 <= number <= MAX_PRICE:
        raise InvalidInputError(
            fields={"target_price": [f"A whole number of points from 1 to {MAX_PRICE}."]}
        )
    return number


def _lock_person(employee: User) -> None:
    # The person's row serialises their own wish writes: two tabs cannot pass the limit together.
    User.objects.select_for_update().filter(pk=employee.pk).values_list("pk").first()


def _below(reward: Reward, target: int | None) -> bool:
    """Is the price to pay already at or below `target`? (A target set below the price arms the
    alert; one set at or above it says nothing until the price rises and falls again.)"""
    return target is not None and price_now(reward) <= target


@transaction.atomic
def wish_add(
    *, employee: User, reward: Reward, target_price: object = None, first: bool = False
) -> Wish:
    """Put `reward` on the employee's wish list (last, or `first`), watched from now on."""
    target = _target(target_price)
    reward.refresh_from_db(fields=["active", "current_price"])
    if not reward.active:
        raise RewardInactiveError()
    _lock_person(employee)
    wishes = Wish.objects.filter(employee=employee)
    if wishes.filter(reward=reward).exists():
        raise WishExistsError(extra={"reward": reward.pk})
    if wishes.count() >= WISHES_MAX:
        raise WishLimitError(
            WishLimitError.default_message % {"limit": WISHES_MAX}, extra={"limit": WISHES_MAX}
        )
    if first:
        wishes.update(position=F("position") + 1)
        position = 0
    else:
        top = wishes.aggregate(top=Max("position"))["top"]
        position = 0 if top is None else top + 1
    return Wish.objects.create(
        employee=employee,
        reward=reward,
        target_price=target,
        position=position,
        below_target=_below(reward, target),
    )


@transaction.atomic
def wish_update(*, wish: Wish, target_price: object = ..., position: int | None = None) -> Wish:
    """Change a wish's target price (None clears it) and/or move it to `position` (0 = first)."""
    _lock_person(wish.employee)
    fields: list[str] = []
    if target_price is not ...:
        target = _target(target_price)
        wish.target_price = target
        wish.below_target = _below(wish.reward, target)
        fields += ["target_price", "below_target"]
    if fields:
        wish.save(update_fields=fields)
    if position is not None:
        wish_move(wish=wish, position=position)
    return wish


@transaction.atomic
def wish_move(*, wish: Wish, position: int) -> None:
    """Move the wish to `position` in its owner's list (clamped) and number the list 0, 1, 2..."""
    if isinstance(position, bool) or not isinstance(position, int) or position < 0:
        raise InvalidInputError(fields={"position": ["A whole number from 0 up."]})
    _lock_person(wish.employee)
    others = [w for w in Wish.objects.filter(employee=wish.employee) if w.pk != wish.pk]
    others.insert(min(position, len(others)), wish)
    for index, item in enumerate(others):
        item.position = index
    Wish.objects.bulk_update(others, ["position"])
    wish.position = others.index(wish)


def wish_remove(*, wish: Wish) -> None:
    """Take the wish off the list (it is watched no more)."""
    Wish.objects.filter(pk=wish.pk).delete()


# --- The single goal of earlier releases: the first wish -----------------------------------------


@transaction.atomic
def goal_set(*, employee: User, reward: Reward) -> Wish:
    """Make `reward` the employee's first wish (added first, or moved to the top)."""
    existing = Wish.objects.filter(employee=employee, reward=reward).first()
    if existing is None:
        return wish_add(employee=employee, reward=reward, first=True)
    reward.refresh_from_db(fields=["active"])
    if not reward.active:
        raise RewardInactiveError()
    wish_move(wish=existing, position=0)
    return existing


def goal_clear(*, employee: User) -> None:
    """Take the first wish off the list (nothing happens if there is none)."""
    first = Wish.objects.filter(employee=employee).order_by("position", "id").first()
    if first is not None:
        wish_remove(wish=first)
