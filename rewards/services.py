"""Every write of the market: catalogue, quotes, redemptions and their states, goals.

Lock order (see `locks.py`): the market clock (shared) first, then the reward row, then the
redemption row, then the ledger accounts by primary key (inside `transaction_post`). Stock changes are conditional UPDATEs under
the reward lock, so the database, not Python, has the last word on the last item.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import InvalidInputError
from core.validators import is_whole_number
from ledger.models import AccountKind, TransactionKind
from ledger.services import Leg, account_system, transaction_post, transaction_reverse, wallet_for
from notifications.services import notify_redemption_decided
from people.models import User
from people.selectors import person_is_led_by

from .errors import (
    InvalidStateTransitionError,
    NotAnApproverError,
    NotYourQuoteError,
    NotYourRedemptionError,
    OutOfStockError,
    PriceChangedError,
    QuoteUsedError,
    RewardInactiveError,
    RewardInDrawingError,
)
from .locks import market_clock_shared, redemption_lock, reward_lock
from .models import (
    LIVE_DRAWING_STATES,
    Drawing,
    Goal,
    Quote,
    Redemption,
    RedemptionState,
    Reward,
    RewardActivation,
    RewardCategory,
)
from .prices import market_price, price_now, quote_validity_seconds

MAX_PRICE = 10_000_000
MAX_STOCK = 1_000_000

# --- Catalogue (HR) -----------------------------------------------------------------------------

_TEXT_FIELDS = {"name_fi": 120, "name_en": 120, "description_fi": 5000, "description_en": 5000}
_EDITABLE = {
    *_TEXT_FIELDS, "category", "icon", "base_price", "stock", "needs_approval", "active",
}  # fmt: skip


def _validate_reward_fields(values: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    for name, limit in _TEXT_FIELDS.items():
        if name in values:
            text = values[name]
            if not isinstance(text, str) or len(text) > limit:
                errors[name] = [_("Text of at most %(n)d characters.") % {"n": limit}]
            elif name.startswith("name_") and not text.strip():
                errors[name] = [_("This field may not be blank.")]
    if "category" in values and values["category"] not in RewardCategory.values:
        errors["category"] = [_("Unknown category.")]
    if "base_price" in values:
        price = values["base_price"]
        if not is_whole_number(price, low=1, high=MAX_PRICE):
            errors["base_price"] = [_("A whole number from 1 to 10,000,000.")]
    if "stock" in values and values["stock"] is not None:
        stock = values["stock"]
        if not is_whole_number(stock, low=0, high=MAX_STOCK):
            errors["stock"] = [_("Empty (unlimited) or a whole number from 0 to 1,000,000.")]
    if errors:
        raise InvalidInputError(fields=errors)


def reward_create(
    *,
    name_fi: str,
    name_en: str,
    base_price: int,
    category: str = RewardCategory.OTHER,
    description_fi: str = "",
    description_en: str = "",
    icon: str = "",
    stock: int | None = None,
    needs_approval: bool = False,
    active: bool = True,
    at: datetime | None = None,
) -> Reward:
    """Add a reward to the catalogue; its current price starts at the base price (ℓ = 0).

    `at` backdates it (demo history and imports only); it defaults to now."""
    values: dict[str, Any] = {
        "name_fi": name_fi, "name_en": name_en, "description_fi": description_fi,
        "description_en": description_en, "category": category, "icon": icon,
        "base_price": base_price, "stock": stock, "needs_approval": needs_approval,
        "active": active,
    }  # fmt: skip
    _validate_reward_fields(values)
    with transaction.atomic():
        market_clock_shared()
        now = at or timezone.now()
        reward = Reward(current_price=base_price, log_price=0.0, created_at=now, **values)
        reward.full_clean()
        reward.save()
        RewardActivation.objects.create(reward=reward, active=reward.active, at=now)
    return reward


@transaction.atomic
def reward_update(*, reward: Reward, **changes: Any) -> Reward:
    """Change a reward. A new base price keeps ℓ: the price moves with the base, the demand stays."""
    unknown = set(changes) - _EDITABLE
    if unknown:
        raise InvalidInputError(fields={name: [_("Cannot be changed.")] for name in unknown})
    _validate_reward_fields(changes)
    market_clock_shared()
    locked = reward_lock(reward_id=reward.pk)
    was_active = locked.active
    fields = list(changes)
    for name, value in changes.items():
        setattr(locked, name, value)
    if "base_price" in changes:
        locked.current_price = market_price(locked.base_price, locked.log_price)
        fields.append("current_price")
    locked.full_clean()
    locked.save(update_fields=fields)
    if locked.active != was_active:
        RewardActivation.objects.create(reward=locked, active=locked.active)
    return locked


@transaction.atomic
def reward_price_set(*, reward: Reward, price: int) -> Reward:
    """Move the market price by hand to `price` (ℓ = ln(price / base)): an operator's correction.

    Pricing ticks do not come here; they write ℓ and prices for the whole catalogue at once.
    `pricing_replay` reports a price set by hand, as it should."""
    if not is_whole_number(price, low=1, high=MAX_PRICE):
        raise InvalidInputError(fields={"price": [_("A whole number from 1 to 10,000,000.")]})
    market_clock_shared()
    locked = reward_lock(reward_id=reward.pk)
    locked.log_price = math.log(price / locked.base_price)
    locked.current_price = market_price(locked.base_price, locked.log_price)
    locked.save(update_fields=["current_price", "log_price"])
    return locked


@transaction.atomic
def reward_restock(*, reward: Reward, quantity: int) -> Reward:
    """Add `quantity` items to a reward with limited stock."""
    if not is_whole_number(quantity, low=1, high=MAX_STOCK):
        raise InvalidInputError(fields={"quantity": [_("A whole number from 1 to 1,000,000.")]})
    locked = reward_lock(reward_id=reward.pk)
    if locked.stock is None:
        raise InvalidInputError(
            _("This reward has unlimited stock."),
            fields={"quantity": [_("Unlimited stock cannot be restocked; set a stock first.")]},
        )
    if locked.stock + quantity > MAX_STOCK:
        raise InvalidInputError(fields={"quantity": [_("Stock would exceed 1,000,000.")]})
    Reward.objects.filter(pk=locked.pk).update(stock=F("stock") + quantity)
    locked.refresh_from_db(fields=["stock"])
    return locked


def reward_deactivate(*, reward: Reward) -> Reward:
    """Take a reward off the market (redemptions already made are not touched)."""
    return reward_update(reward=reward, active=False)


def reward_activate(*, reward: Reward) -> Reward:
    return reward_update(reward=reward, active=True)


# --- Quotes -------------------------------------------------------------------------------------


def quote_create(*, employee: User, reward: Reward, at: datetime | None = None) -> Quote:
    """Promise `employee` the reward's price now (a sale included) for the quote validity of the
    pricing parameters in force. No stock is held.

    `at` backdates the quote (demo history only); it defaults to now."""
    reward.refresh_from_db(fields=["active", "current_price", "stock", "category"])
    if not reward.active:
        raise RewardInactiveError()
    if reward.stock == 0:
        raise OutOfStockError()
    if Drawing.objects.filter(reward=reward, state__in=LIVE_DRAWING_STATES).exists():
        raise RewardInDrawingError()
    now = at or timezone.now()
    return Quote.objects.create(
        employee=employee,
        reward=reward,
        price=price_now(reward, at=now),
        created_at=now,
        expires_at=now + timedelta(seconds=quote_validity_seconds(at=now)),
    )


# --- Redemptions --------------------------------------------------------------------------------


def _price_for(*, quote: Quote, current: int, now: Any) -> int:
    """Spec §3: a valid quote pays the lower of quoted and current; an expired one is honoured
    only while the price has not risen above it."""
    if current <= quote.price:
        return current
    if quote.expires_at > now:
        return quote.price
    raise PriceChangedError(
        extra={"reward": quote.reward_id, "quoted_price": quote.price, "current_price": current}
    )


@transaction.atomic
def redemption_create(*, employee: User, quote: Quote, at: datetime | None = None) -> Redemption:
    """Buy the quoted reward: debit the wallet into the redemptions sink, take one from stock and
    write the redemption, all in one database transaction, or do nothing.

    A `PriceChangedError` carries no fresh quote: it rolls back everything written here, a new
    quote included. The caller asks for one with `quote_create` after the rollback.

    `at` backdates the redemption and its debit (demo history only); it defaults to now.
    """
    if quote.employee_id != employee.pk:
        raise NotYourQuoteError()
    if not employee.is_active:
        raise InvalidInputError(_("This account is not active."))
    # Lock order: the market clock, then the reward. Every purchase of this reward queues on the
    # reward, so the stock and the price read below cannot change before this transaction commits.
    market_clock_shared()
    reward = reward_lock(reward_id=quote.reward_id)
    now = at or timezone.now()
    # Conditional UPDATE: of two requests with one quote only one finds it unused.
    if not Quote.objects.filter(pk=quote.pk, used_at__isnull=True).update(used_at=now):
        raise QuoteUsedError()
    if not reward.active:
        raise RewardInactiveError()
    if Drawing.objects.filter(reward=reward, state__in=LIVE_DRAWING_STATES).exists():
        raise RewardInDrawingError()  # the stock belongs to the drawing (checked under the lock)
    if reward.stock is not None and reward.stock < 1:
        raise OutOfStockError()
    price = _price_for(quote=quote, current=price_now(reward, at=now), now=now)

    debit = transaction_post(
        kind=TransactionKind.REDEMPTION,
        legs=[
            Leg(wallet_for(employee), -price),
            Leg(account_system(AccountKind.REDEMPTIONS), price),
        ],
        actor=employee,
        memo=f"reward {reward.pk}: {reward.name_en}",
        idempotency_key=f"redemption:quote:{quote.pk}",
        created_at=now,
    )
    if reward.stock is not None:
        # The backstop to the check above: the database refuses to go below zero.
        taken = Reward.objects.filter(pk=reward.pk, stock__gte=1).update(stock=F("stock") - 1)
        if not taken:
            raise OutOfStockError()
    state = RedemptionState.PENDING if reward.needs_approval else RedemptionState.APPROVED
    return Redemption.objects.create(
        employee=employee,
        reward=reward,
        quote=quote,
        price_paid=price,
        state=state,
        debit=debit,
        created_at=now,
        updated_at=now,
        # Without approval the owner cannot cancel it: it is settled demand from the start.
        settled_at=now if state == RedemptionState.APPROVED else None,
    )


def can_decide(*, user: User, redemption: Redemption) -> bool:
    """Approvers: HR, or a supervisor who leads the employee's team; never the buyer themself."""
    if user.pk == redemption.employee_id or not user.is_active:
        return False
    if user.is_hr:
        return True
    return user.is_supervisor and person_is_led_by(person=redemption.employee, supervisor=user)


def _transition(
    *,
    redemption: Redemption,
    allowed_from: tuple[str, ...],
    to: str,
    actor: User,
    reason: str = "",
    refund: bool = False,
    at: datetime | None = None,
) -> Redemption:
    """Move a redemption to `to` under its row lock; a refund reverses the debit and returns stock."""
    # Pricing reads when a redemption settled and when it was rejected: stamp both under the clock.
    market_clock_shared()
    if refund:
        # The project's lock order: the reward before the redemption (and accounts last).
        reward_lock(reward_id=redemption.reward_id)
    locked = redemption_lock(redemption_id=redemption.pk)
    if locked.state not in allowed_from:
        raise InvalidStateTransitionError(
            extra={"state": locked.state, "requested": to, "redemption": locked.pk}
        )
    fields = ["state", "updated_at", "decided_by", "reason"]
    if refund:
        locked.refund = transaction_reverse(
            original=locked.debit,
            actor=actor,
            reason=f"refund of redemption {locked.pk}: {reason}"[:500],
            created_at=at,
        )
        fields.append("refund")
        if locked.reward.stock is not None:
            Reward.objects.filter(pk=locked.reward_id).update(stock=F("stock") + 1)
    locked.state = to
    locked.updated_at = at or timezone.now()
    if to == RedemptionState.APPROVED:
        locked.settled_at = locked.updated_at
        fields.append("settled_at")
    locked.decided_by = actor
    locked.reason = reason
    locked.save(update_fields=fields)
    notify_redemption_decided(locked)  # approved/rejected/fulfilled: after commit, via Celery
    return locked


def _check_approver(*, approver: User, redemption: Redemption) -> None:
    if not can_decide(user=approver, redemption=redemption):
        raise NotAnApproverError()


@transaction.atomic
def redemption_cancel(
    *, employee: User, redemption: Redemption, at: datetime | None = None
) -> Redemption:
    """The buyer withdraws a redemption still awaiting approval; refunds it exactly."""
    if redemption.employee_id != employee.pk:
        raise NotYourRedemptionError()
    return _transition(
        redemption=redemption,
        allowed_from=(RedemptionState.PENDING,),
        to=RedemptionState.CANCELLED,
        actor=employee,
        refund=True,
        at=at,
    )


@transaction.atomic
def redemption_approve(
    *, approver: User, redemption: Redemption, at: datetime | None = None
) -> Redemption:
    """An approver says yes to a pending redemption."""
    _check_approver(approver=approver, redemption=redemption)
    return _transition(
        redemption=redemption,
        allowed_from=(RedemptionState.PENDING,),
        to=RedemptionState.APPROVED,
        actor=approver,
        at=at,
    )


@transaction.atomic
def redemption_reject(
    *, approver: User, redemption: Redemption, reason: str, at: datetime | None = None
) -> Redemption:
    """An approver says no (before fulfilment); the price paid is refunded and stock returned."""
    _check_approver(approver=approver, redemption=redemption)
    reason = (reason or "").strip()
    if not reason or len(reason) > 500:
        raise InvalidInputError(fields={"reason": [_("Say why, in 1 to 500 characters.")]})
    return _transition(
        redemption=redemption,
        allowed_from=(RedemptionState.PENDING, RedemptionState.APPROVED),
        to=RedemptionState.REJECTED,
        actor=approver,
        reason=reason,
        refund=True,
        at=at,
    )


@transaction.atomic
def redemption_fulfil(
    *, approver: User, redemption: Redemption, at: datetime | None = None
) -> Redemption:
    """The reward has been handed over."""
    _check_approver(approver=approver, redemption=redemption)
    return _transition(
        redemption=redemption,
        allowed_from=(RedemptionState.APPROVED,),
        to=RedemptionState.FULFILLED,
        actor=approver,
        at=at,
    )


# --- Goals --------------------------------------------------------------------------------------


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
