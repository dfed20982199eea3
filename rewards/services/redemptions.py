"""Redemptions: buying with a quote, and the states after it (approve, reject, fulfil, cancel).

Lock order (see `rewards/locks.py`): the market clock (shared) first, then the reward row, then
the redemption row, then the ledger accounts by primary key (inside `transaction_post`). Stock
changes are conditional UPDATEs under the reward lock, so the database, not Python, has the last
word on the last item.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from core import sql
from core.errors import InvalidInputError
from core.http import link
from core.transactions import atomic
from ledger.models import Account, AccountKind, Transaction, TransactionKind
from ledger.services import (
    Leg,
    account_system,
    idempotent_call,
    transaction_post,
    transaction_refund,
    wallet_for,
)
from notifications.events import RedemptionDecided, RedemptionDecision
from notifications.services import notify_redemption_decided
from people.models import User
from people.selectors import person_is_led_by

from ..errors import (
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
from ..locks import (
    market_clock_shared,
    quote_for_purchase,
    quote_use,
    redemption_lock,
    reward_lock,
)
from ..models import Quote, Redemption, RedemptionState, Reward
from ..prices import price_now
from .quotes import quote_create


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


def options_chosen(*, reward: Reward, chosen: Sequence[str]) -> list[dict[str, str]]:
    """The buyer's pick for each of the reward's options, in their order, as the redemption keeps
    them (with both languages' names); refused unless each is one of that option's choices."""
    if len(chosen) != len(reward.options) or not all(
        isinstance(value, str) and value in option["choices"]
        for option, value in zip(reward.options, chosen, strict=False)
    ):
        names = ", ".join(option["name_en"] for option in reward.options) or "-"
        raise InvalidInputError(
            fields={
                "options": [_("Pick one choice for each option: %(names)s.") % {"names": names}]
            }
        )
    return [
        {"name_fi": option["name_fi"], "name_en": option["name_en"], "value": value}
        for option, value in zip(reward.options, chosen, strict=True)
    ]


@atomic
def redemption_create(
    *, employee: User, quote: Quote, options: Sequence[str] = (), at: datetime | None = None
) -> Redemption:
    """Buy the quoted reward: debit the wallet into the redemptions sink, take one from stock and
    write the redemption, all in one database transaction, or do nothing.

    A `PriceChangedError` carries no fresh quote: it rolls back everything written here, a new
    quote included. The caller asks for one with `quote_create` after the rollback.

    `at` backdates the redemption and its debit (demo history only); it defaults to now.
    A quote read by `quote_for_purchase` brings the account ids and the market clock with it.
    """
    if quote.employee_id != employee.pk:
        raise NotYourQuoteError()
    if not employee.is_active:
        raise InvalidInputError(_("This account is not active."))
    # Lock order: the market clock, then the reward. Every purchase of this reward queues on the
    # reward, so the stock and the price read below cannot change before this transaction commits.
    if getattr(quote, "market_clock_held", None) is None:  # not taken with the quote's read
        market_clock_shared()
    reward = reward_lock(reward_id=quote.reward_id)
    now = at or timezone.now()
    # Conditional UPDATE: of two requests with one quote only one finds it unused. The same
    # statement asks for a live drawing (the stock belongs to it), under the reward lock.
    used, in_drawing = quote_use(quote_id=quote.pk, reward_id=reward.pk, at=now)
    if not used:
        raise QuoteUsedError()
    if not reward.active:
        raise RewardInactiveError()
    if in_drawing:
        raise RewardInDrawingError()
    if reward.stock is not None and reward.stock < 1:
        raise OutOfStockError()
    picks = options_chosen(reward=reward, chosen=options)
    price = _price_for(quote=quote, current=price_now(reward, at=now), now=now)

    wallet_id = getattr(quote, "wallet_account_id", None)
    sink_id = getattr(quote, "sink_account_id", None)
    wallet = (
        Account(pk=wallet_id, kind=AccountKind.WALLET, owner_id=employee.pk)
        if wallet_id is not None
        else wallet_for(employee)
    )
    sink = (
        Account(pk=sink_id, kind=AccountKind.REDEMPTIONS)
        if sink_id is not None
        else account_system(AccountKind.REDEMPTIONS)
    )
    debit = transaction_post(
        kind=TransactionKind.REDEMPTION,
        legs=[Leg(wallet, -price), Leg(sink, price)],
        actor=employee,
        memo=f"reward {reward.pk}: {reward.name_en}",
        idempotency_key=f"redemption:quote:{quote.pk}",
        created_at=now,
    )
    redemption = redemption_record(
        employee=employee, reward=reward, quote=quote, price=price, debit=debit, now=now,
        options=picks,
    )  # fmt: skip
    # What the wallet holds now, as the posting's locked UPDATE returned it (for the receipt).
    redemption.balance_after = getattr(debit, "balances_after", {}).get(wallet.pk)  # type: ignore[attr-defined]
    return redemption


def redemption_record(
    *,
    employee: User,
    reward: Reward,
    quote: Quote | None,
    price: int,
    debit: Transaction,
    now: datetime,
    options: list[dict[str, str]] | None = None,
) -> Redemption:
    """Take one item from stock and write the redemption of a debit already posted: the one write
    that a purchase and a drawing's win share. The caller holds the reward's row lock."""
    if reward.stock is not None:
        # The backstop to the caller's check: the database refuses to go below zero.
        taken = Reward.objects.filter(pk=reward.pk, stock__gte=1).update(stock=F("stock") - 1)
        if not taken:
            raise OutOfStockError()
    state = RedemptionState.PENDING if reward.needs_approval else RedemptionState.APPROVED
    return sql.insert(
        Redemption(
            employee=employee,
            reward=reward,
            quote=quote,
            price_paid=price,
            state=state,
            debit=debit,
            options=options or [],
            created_at=now,
            updated_at=now,
            # Without approval the owner cannot cancel it: it is settled demand from the start.
            settled_at=now if state == RedemptionState.APPROVED else None,
        )
    )


def redemption_purchase(
    *,
    employee: User,
    quote_id: int,
    idempotency_key: str | None,
    scope: str,
    answer: Callable[[Redemption], Any],
    options: Sequence[str] = (),
) -> tuple[int, Any]:
    """Buy with quote `quote_id` once per idempotency key: a repeat replays the first answer
    (`answer(redemption)`, stored with the work), as (status, body).

    The page and the API share the re-quote rule here: when the quote ran out and the price rose,
    the refusal rolls back everything written for the request, the idempotency record included;
    only then is a fresh quote written, so that it outlives the refusal. It travels on the raised
    `PriceChangedError` as `fresh_quote`.
    """

    def call() -> tuple[int, Any]:
        quote = quote_for_purchase(quote_id=quote_id, employee=employee)
        if quote is None:
            raise NotYourQuoteError(extra={"field": "quote"})
        return 201, answer(redemption_create(employee=employee, quote=quote, options=options))

    try:
        status, body, _replayed = idempotent_call(
            user=employee,
            key=idempotency_key,
            scope=scope,
            payload={"quote": quote_id, "options": list(options)},
            call=call,
        )
    except PriceChangedError as exc:
        exc.fresh_quote = quote_create(
            employee=employee, reward=Reward.objects.get(pk=exc.reward_id)
        )
        raise
    return status, body


def can_decide(*, user: User, redemption: Redemption) -> bool:
    """Approvers: HR, or a supervisor who leads the employee's team; never the buyer themself."""
    if user.pk == redemption.employee_id or not user.is_active:
        return False
    if user.is_hr:
        return True
    return user.is_supervisor and person_is_led_by(person=redemption.employee, supervisor=user)


_DECISIONS: dict[str, RedemptionDecision] = {
    RedemptionState.APPROVED: "approved",
    RedemptionState.REJECTED: "rejected",
    RedemptionState.FULFILLED: "fulfilled",
}
"""The transitions that are an approver's decision, as notifications names them."""


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
        locked.refund = transaction_refund(
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
    decision = _DECISIONS.get(to)
    if decision is not None:  # the buyer's own cancellation needs no notice
        notify_redemption_decided(  # after commit, through Celery
            RedemptionDecided(
                recipient_id=locked.employee_id,
                redemption_id=locked.pk,
                decision=decision,
                reward_fi=locked.reward.name_fi,
                reward_en=locked.reward.name_en,
                reason=reason,
                at=locked.updated_at,
                link=link("redemptions"),
            )
        )
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
