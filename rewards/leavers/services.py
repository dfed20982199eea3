"""A leaver's points: HR's policy, the settlement after the last working day, and reminders.

Settling is always a ledger transaction, never a silent change:
- `lapse`: the wallet's free balance goes to the `leaver_lapsed` system account (a
  `leaver_lapse` transaction) the day after the last working day;
- `keep`: the same, `grace_days` later;
- `convert`: the day after the last working day the free balance buys as many of HR's chosen
  reward as it covers at the current price (each an ordinary redemption, approval and stock as
  in the market); the remainder, too small for one more, lapses as above. If the reward is off
  the market, sold out or in a live drawing, the whole free balance lapses.
Only the free balance (balance - held) is settled. Points held by open drawings and redemptions
awaiting approval run their course: a lost drawing or a rejected redemption gives points back,
and HR lapses those by hand from the leavers page (the same service, "lapse the rest").

Lock order (the project's): the market clock, then the reward (convert only), then the wallet
(by primary key). A purchase by the leaver takes the same order, so one waits for the other and
the second sees the first's balance: no point is created or lost.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditAction
from audit.services import audit_record
from core.errors import InvalidInputError, PermissionDeniedError
from core.transactions import atomic
from core.validators import is_whole_number
from ledger.locks import accounts_lock
from ledger.models import Account, AccountKind, Entry, TransactionKind
from ledger.selectors import wallet_summary
from ledger.services import Leg, account_system, transaction_post
from notifications.events import LeaverReminder
from notifications.services import notify_leaver_reminder
from people.models import User

from ..errors import (
    LeaverAlreadySettledError,
    LeaverNoEndDateError,
    LeaverNotEndedError,
)
from ..locks import market_clock_shared, reward_lock
from ..models import (
    LIVE_DRAWING_STATES,
    Drawing,
    LeaverMode,
    LeaverPolicy,
    LeaverSettlement,
    Reward,
)
from ..prices import price_now
from ..services.redemptions import redemption_record

logger = logging.getLogger(__name__)

MAX_GRACE_DAYS = 365


def leaver_policy_get() -> LeaverPolicy:
    """HR's policy; until HR first saves one, the defaults (keep for 30 days), unsaved: a read
    writes nothing."""
    return LeaverPolicy.objects.select_related("convert_reward").filter(pk=1).first() or (
        LeaverPolicy(pk=1)
    )


def _policy_values(policy: LeaverPolicy) -> dict[str, object]:
    return {
        "leaver_mode": policy.mode,
        "grace_days": policy.grace_days,
        "convert_reward": policy.convert_reward.name_en if policy.convert_reward else None,
    }


@atomic
def leaver_policy_set(
    *, actor: User, mode: str, grace_days: object, convert_reward_id: object = None
) -> LeaverPolicy:
    """HR saves the policy for leavers' points; it applies to every settlement made after."""
    if not getattr(actor, "is_hr", False):
        raise PermissionDeniedError()
    errors: dict[str, list[str]] = {}
    if mode not in LeaverMode.values:
        errors["mode"] = [_("Unknown mode.")]
    if not is_whole_number(grace_days, low=0, high=MAX_GRACE_DAYS):
        errors["grace_days"] = [
            _("A whole number of days from 0 to %(max)d.") % {"max": MAX_GRACE_DAYS}
        ]
    reward = None
    if convert_reward_id not in (None, ""):
        reward = (
            Reward.objects.filter(pk=convert_reward_id, active=True).first()
            if is_whole_number(convert_reward_id, low=1, high=2**31 - 1)
            else None
        )
        if reward is None:
            errors["convert_reward"] = [_("Choose a reward that is on the market.")]
    if mode == LeaverMode.CONVERT and reward is None and "convert_reward" not in errors:
        errors["convert_reward"] = [_("Choose the reward that leavers' points convert to.")]
    if errors:
        raise InvalidInputError(fields=errors)
    LeaverPolicy.objects.get_or_create(pk=1)
    policy = (
        LeaverPolicy.objects.select_for_update(of=("self",))
        .select_related("convert_reward")
        .get(pk=1)
    )
    before = _policy_values(policy)
    policy.mode = mode
    policy.grace_days = int(grace_days)  # type: ignore[call-overload]
    policy.convert_reward = reward
    policy.updated_at = timezone.now()
    policy.save(update_fields=["mode", "grace_days", "convert_reward", "updated_at"])
    after = _policy_values(policy)
    changes = {
        name: [before[name], value] for name, value in after.items() if before[name] != value
    }
    if changes:
        audit_record(
            actor=actor,
            action=AuditAction.LEAVER_POLICY_CHANGED,
            subject=policy,
            subject_label=str(_("Leaver policy")),
            details={"changes": changes},
        )
    return policy


def settle_from(*, end_date: date, policy: LeaverPolicy) -> date:
    """The first day a leaver's points are settled by the daily job."""
    grace = policy.grace_days if policy.mode == LeaverMode.KEEP else 0
    return end_date + timedelta(days=1 + grace)


def _convert_units(*, reward: Reward, available: int, price: int) -> int:
    """How many of `reward` the free balance buys now (0 if it is not for sale)."""
    if not reward.active or price < 1 or available < price:
        return 0
    if Drawing.objects.filter(reward=reward, state__in=LIVE_DRAWING_STATES).exists():
        return 0  # its stock belongs to the drawing
    units = available // price
    if reward.stock is not None:
        units = min(units, reward.stock)
    return units


@atomic
def leaver_settle(
    *, person: User, actor: User | None = None, today: date | None = None
) -> LeaverSettlement:
    """Settle a leaver's free points under HR's policy, once per person and last working day.

    `actor` None is the daily job; HR may settle by hand any time after the last working day
    (the grace period is the job's, not a promise). On a settled leaver whose wallet has free
    points again (a lost drawing, a rejected redemption) it lapses those ("lapse the rest");
    with none it refuses. Refusals write nothing."""
    if actor is not None and not getattr(actor, "is_hr", False):
        raise PermissionDeniedError()
    today = today or timezone.localdate()
    end = person.employment_end
    if end is None:
        raise LeaverNoEndDateError(extra={"person": person.pk})
    if end >= today:
        raise LeaverNotEndedError(extra={"person": person.pk, "end_date": end.isoformat()})
    policy = leaver_policy_get()
    existing = LeaverSettlement.objects.filter(person=person, end_date=end).first()
    reward = None
    if existing is None and policy.mode == LeaverMode.CONVERT and policy.convert_reward_id:
        market_clock_shared()
        reward = reward_lock(reward_id=policy.convert_reward_id)
    wallet = Account.objects.filter(owner=person, kind=AccountKind.WALLET).first()
    locked = accounts_lock([wallet.pk])[wallet.pk] if wallet is not None else None
    # Read again under the wallet lock: of two settlers the second sees the first's row.
    settlement = LeaverSettlement.objects.filter(person=person, end_date=end).first()
    available = locked.available if locked is not None else 0
    if settlement is not None:
        if available <= 0:
            raise LeaverAlreadySettledError(extra={"person": person.pk})
        assert locked is not None
        return _lapse_rest(
            settlement=settlement, wallet=locked, amount=available, actor=actor, end=end
        )

    now = timezone.now()
    converted = units = 0
    if reward is not None and locked is not None:
        price = price_now(reward, at=now)
        units = _convert_units(reward=reward, available=available, price=price)
        for n in range(units):
            debit = transaction_post(
                kind=TransactionKind.REDEMPTION,
                legs=[Leg(locked, -price), Leg(account_system(AccountKind.REDEMPTIONS), price)],
                actor=actor,
                memo=f"leaver {person.pk}, last day {end}: reward {reward.pk}: {reward.name_en}",
                idempotency_key=f"leaver-convert:{person.pk}:{end.isoformat()}:{n}",
                created_at=now,
            )
            redemption_record(
                employee=person, reward=reward, quote=None, price=price, debit=debit, now=now
            )
            reward.stock = None if reward.stock is None else reward.stock - 1
            converted += price
    lapsed = available - converted
    if lapsed > 0:
        assert locked is not None
        _lapse(wallet=locked, amount=lapsed, actor=actor, person=person, end=end, key_tail="")
    settlement = LeaverSettlement.objects.create(
        person=person,
        end_date=end,
        mode=policy.mode,
        lapsed=lapsed,
        converted=converted,
        reward=reward if units else None,
        units=units,
        held_left=int(locked.held) if locked is not None else 0,
        settled_by=actor,
        settled_at=now,
    )
    _audit_settled(
        settlement=settlement,
        actor=actor,
        mode=policy.mode,
        lapsed=lapsed,
        converted=converted,
        units=units,
        reward=reward.pk if units and reward is not None else None,
    )
    return settlement


def _audit_settled(
    *, settlement: LeaverSettlement, actor: User | None, mode: str, lapsed: int, **more: object
) -> None:
    audit_record(
        actor=actor,
        action=AuditAction.LEAVER_SETTLED,
        subject=settlement,
        subject_label=settlement.person.name,
        details={
            "person": settlement.person_id,
            "end_date": settlement.end_date.isoformat(),
            "leaver_mode": mode,
            "lapsed": lapsed,
            "converted": 0,
            "units": 0,
            "held_left": settlement.held_left,
            **more,
        },
    )


def _lapse(
    *, wallet: Account, amount: int, actor: User | None, person: User, end: date, key_tail: str
) -> None:
    transaction_post(
        kind=TransactionKind.LEAVER_LAPSE,
        legs=[Leg(wallet, -amount), Leg(account_system(AccountKind.LEAVER_LAPSED), amount)],
        actor=actor,
        memo=f"leaver {person.pk}: points unspent after the last working day {end}",
        idempotency_key=f"leaver-lapse:{person.pk}:{end.isoformat()}{key_tail}",
    )


def _lapse_rest(
    *, settlement: LeaverSettlement, wallet: Account, amount: int, actor: User | None, end: date
) -> LeaverSettlement:
    """Lapse points that came back after the settlement; keyed by the wallet's last entry, so
    the same state lapses once (the wallet lock serialises the rest)."""
    last = Entry.objects.filter(account=wallet).order_by("-id").values_list("id", flat=True).first()
    person = settlement.person
    _lapse(wallet=wallet, amount=amount, actor=actor, person=person, end=end, key_tail=f":{last}")
    settlement.lapsed += amount
    settlement.held_left = int(wallet.held)
    settlement.save(update_fields=["lapsed", "held_left"])
    _audit_settled(
        settlement=settlement, actor=actor, mode=LeaverMode.LAPSE, lapsed=amount, rest=True
    )
    return settlement


@dataclass(frozen=True)
class LeaversRun:
    reminded: int
    settled: int


def leavers_remind(*, today: date | None = None) -> int:
    """Remind everyone whose last working day is near (a threshold of `LEAVER_REMINDER_DAYS`) to
    spend their free points; once per person, end date and threshold. Returns how many now."""
    thresholds = sorted(settings.LEAVER_REMINDER_DAYS)
    if not thresholds:
        return 0
    today = today or timezone.localdate()
    people = User.objects.filter(
        is_active=True,
        employment_end__gte=today,
        employment_end__lte=today + timedelta(days=thresholds[-1]),
    ).order_by("pk")
    link = reverse("market")
    sent = 0
    for person in people:
        assert person.employment_end is not None
        days_left = (person.employment_end - today).days
        # The nearest threshold only: someone first seen 5 days out hears once, not twice.
        days = next(d for d in thresholds if days_left <= d)
        points = wallet_summary(user=person).available
        if points <= 0:
            continue
        event = LeaverReminder(
            recipient_id=person.pk,
            end_date=person.employment_end,
            days=days,
            points=points,
            link=link,
        )
        try:
            sent += int(notify_leaver_reminder(event))
        except Exception:  # a mail server's hiccup must not keep the others from their reminder
            logger.exception("leaver reminder for person %s failed", person.pk)
    return sent


def leavers_due(*, today: date | None = None) -> list[User]:
    """Leavers whose points the daily job settles today: past the last working day (+ grace
    under `keep`) and not yet settled for that day."""
    today = today or timezone.localdate()
    policy = leaver_policy_get()
    latest_end = today - (settle_from(end_date=today, policy=policy) - today)
    settled = LeaverSettlement.objects.filter(
        person=OuterRef("pk"), end_date=OuterRef("employment_end")
    )
    return list(
        User.objects.filter(employment_end__lte=latest_end).exclude(Exists(settled)).order_by("pk")
    )


def leavers_settle_due(*, today: date | None = None) -> int:
    """Settle every leaver due today, each in its own transaction; returns how many."""
    settled = 0
    for person in leavers_due(today=today):
        try:
            leaver_settle(person=person, actor=None, today=today)
        except LeaverAlreadySettledError:
            continue  # another worker settled them meanwhile
        settled += 1
    return settled


def leavers_daily(*, today: date | None = None) -> LeaversRun:
    """The daily job: reminders first, then settlements (both idempotent)."""
    today = today or timezone.localdate()
    return LeaversRun(reminded=leavers_remind(today=today), settled=leavers_settle_due(today=today))
