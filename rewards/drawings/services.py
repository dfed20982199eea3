"""Drawings: scarce rewards given out by sealed-bid auction or lottery, with ledger holds.

Lock order (the project's one order, see `locks.py`): the market clock (shared), the reward row,
the drawing row, the bid rows, then ledger accounts by primary key and hold rows (inside the
ledger's hold services). A bid reads the clock *after* locking the drawing and is refused unless
now < closes_at; the close locks the same row and runs only when now >= closes_at. So a bid at
the closing instant is either in the clearing or refused, never lost.

Opening: a drawing opens at `opens_at`. Its reserve (the reward's price at that moment, sales
included, or the HR floor if that is higher) and its k (the reward's stock then) are fixed by
whichever comes first at or after `opens_at` under the drawing lock: the creation itself (when
`opens_at` is not in the future), the open job (Celery, eta = opens_at), the sweeper, the first
bid, or the close.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from datetime import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditAction
from audit.services import audit_record
from core.errors import InvalidInputError, PermissionDeniedError
from core.jobs import job_send_on_commit
from core.validators import is_whole_number
from ledger.locks import accounts_lock
from ledger.models import AccountKind, TransactionKind
from ledger.services import (
    account_system,
    hold_create,
    hold_post,
    hold_void,
    holds_void,
    wallet_for,
)
from notifications.chat import ChatFact, ChatMessage, chat_announce, chat_when
from notifications.events import DrawingClosed, DrawingResult
from notifications.services import notify_drawing_closed
from people.models import User

from ..errors import (
    DrawingClosedError,
    DrawingNotDueError,
    DrawingNotOpenError,
    NoBidError,
    OutOfStockError,
    RewardInactiveError,
    RewardInDrawingError,
)
from ..locks import drawing_lock, market_clock_shared, reward_lock
from ..models import (
    LIVE_DRAWING_STATES,
    Bid,
    BidResult,
    Drawing,
    DrawingRule,
    DrawingState,
    Reward,
)
from ..prices import price_now
from ..services.redemptions import redemption_record
from .clearing import SealedBid, auction_clear, lottery_draw, seed_hash

logger = logging.getLogger(__name__)

MAX_BID = 10_000_000


def _schedule(drawing: Drawing) -> None:
    """After commit: an open job at opens_at (if in the future) and a close job at closes_at.
    The sweeper catches anything a lost message misses."""
    if drawing.state == DrawingState.SCHEDULED:
        job_send_on_commit(
            "rewards.tasks.drawing_open", eta=drawing.opens_at, drawing_id=drawing.pk
        )
    job_send_on_commit("rewards.tasks.drawing_close", eta=drawing.closes_at, drawing_id=drawing.pk)


DrawingOpenedHook = Callable[[Drawing], None]
_opened_hooks: list[DrawingOpenedHook] = []


def drawing_opened_hook_register(hook: DrawingOpenedHook) -> None:
    """Call `hook(drawing)` inside the transaction that opens a drawing (pricing registers the
    wish alert pass here from its AppConfig.ready(): the market does not import pricing)."""
    if hook not in _opened_hooks:
        _opened_hooks.append(hook)


def _open(*, drawing: Drawing, reward: Reward, now: datetime) -> None:
    """Fix the reserve and k; the caller holds the reward and drawing locks and now >= opens_at."""
    price = price_now(reward, at=now)
    drawing.reserve = max(price, drawing.floor or 0)
    drawing.k = int(reward.stock or 0)
    drawing.state = DrawingState.OPEN
    drawing.opened_at = now
    drawing.save(update_fields=["reserve", "k", "state", "opened_at"])
    for hook in _opened_hooks:
        hook(drawing)
    _chat_opened(drawing=drawing, reward=reward)


_RULE_NAMES = {
    DrawingRule.AUCTION: ("Suljettu huutokauppa", "Sealed-bid auction"),
    DrawingRule.LOTTERY: ("Arvonta", "Lottery"),
}


def _chat_opened(*, drawing: Drawing, reward: Reward) -> None:
    """Every team's Teams and Slack channels hear that a drawing opened (after commit)."""
    rule_fi, rule_en = _RULE_NAMES.get(DrawingRule(drawing.rule), (drawing.rule, drawing.rule))
    closes_fi, closes_en = chat_when(drawing.closes_at)
    chat_announce(
        team_ids=None,
        event_key=f"drawing:{drawing.pk}:opened",
        message=ChatMessage(
            title_fi=f"🎁 Arvonta/huutokauppa avattu: {reward.name_fi}",
            title_en=f"🎁 Drawing open: {reward.name_en}",
            facts=(
                ChatFact("Tapa", "Rule", rule_fi, rule_en),
                ChatFact("Kappaleita", "Items", str(drawing.k or 0)),
                ChatFact("Lähtöhinta", "Reserve", f"{drawing.reserve} p", f"{drawing.reserve} pts"),
                ChatFact("Sulkeutuu", "Closes", closes_fi, closes_en),
            ),
            link=reverse("drawing-detail", kwargs={"pk": drawing.pk}),
        ),
    )


def _open_if_due(*, drawing: Drawing, reward: Reward, now: datetime) -> None:
    if drawing.state == DrawingState.SCHEDULED and now >= drawing.opens_at:
        _open(drawing=drawing, reward=reward, now=now)


def _validate_create(
    *, rule: str, opens_at: datetime, closes_at: datetime, floor: int | None, now: datetime
) -> None:
    errors: dict[str, list[str]] = {}
    if rule not in DrawingRule.values:
        errors["rule"] = [_("Auction or lottery.")]
    if closes_at <= opens_at:
        errors["closes_at"] = [_("The drawing must close after it opens.")]
    elif closes_at <= now:
        errors["closes_at"] = [_("The closing time must be in the future.")]
    if floor is not None and not is_whole_number(floor, low=1, high=MAX_BID):
        errors["floor"] = [_("Empty or a whole number from 1 to 10,000,000.")]
    if errors:
        raise InvalidInputError(fields=errors)


def drawing_create(
    *,
    actor: User,
    reward: Reward,
    rule: str,
    opens_at: datetime,
    closes_at: datetime,
    floor: int | None = None,
    schedule: bool = True,
) -> Drawing:
    """HR turns a limited-stock reward into a drawing; its stock then belongs to the drawing.

    `schedule=False` queues no open/close jobs (the demo seed, which sends nothing): the beat
    sweeper opens and closes the drawing within a minute of its times anyway."""
    if not actor.is_hr:
        raise PermissionDeniedError()
    _validate_create(
        rule=rule, opens_at=opens_at, closes_at=closes_at, floor=floor, now=timezone.now()
    )
    with transaction.atomic():
        market_clock_shared()
        locked = reward_lock(reward_id=reward.pk)
        now = timezone.now()
        if not locked.active:
            raise RewardInactiveError()
        if locked.stock is None:
            raise InvalidInputError(
                fields={"reward": [_("Only a reward with limited stock can be drawn.")]}
            )
        if locked.stock < 1:
            raise OutOfStockError()
        if Drawing.objects.filter(reward=locked, state__in=LIVE_DRAWING_STATES).exists():
            raise RewardInDrawingError(_("This reward already has a drawing."))
        seed = secrets.token_hex(32)
        drawing = Drawing.objects.create(
            reward=locked,
            rule=rule,
            opens_at=opens_at,
            closes_at=closes_at,
            floor=floor,
            seed=seed,
            seed_hash=seed_hash(seed),
            created_by=actor,
            created_at=now,
        )
        _open_if_due(drawing=drawing, reward=locked, now=now)
        if schedule:
            _schedule(drawing)
        audit_record(
            actor=actor,
            action=AuditAction.DRAWING_CREATED,
            subject=drawing,
            subject_label=locked.name,
            details={
                "reward": locked.pk,
                "rule": rule,
                "opens_at": opens_at.isoformat(),
                "closes_at": closes_at.isoformat(),
                "floor": floor,
                "stock": locked.stock,
            },
        )
    return drawing


def _locked_for_bidding(*, drawing: Drawing, employee: User) -> tuple[Drawing, datetime]:
    """Take the locks in order and check the drawing takes bids now."""
    if not employee.is_active:
        raise InvalidInputError(_("This account is not active."))
    market_clock_shared()
    reward = reward_lock(reward_id=drawing.reward_id)
    locked = drawing_lock(drawing_id=drawing.pk)
    now = timezone.now()  # read under the drawing lock: the close reads it the same way
    if locked.state == DrawingState.CLOSED or now >= locked.closes_at:
        raise DrawingClosedError(extra={"closes_at": locked.closes_at.isoformat()})
    if now < locked.opens_at:
        raise DrawingNotOpenError(extra={"opens_at": locked.opens_at.isoformat()})
    _open_if_due(drawing=locked, reward=reward, now=now)
    return locked, now


def _check_amount(*, drawing: Drawing, amount: int | None) -> int:
    assert drawing.reserve is not None
    if drawing.rule == DrawingRule.LOTTERY:
        if amount is not None and amount != drawing.reserve:
            raise InvalidInputError(
                fields={"amount": [_("A lottery entry costs the reserve price.")]},
                extra={"reserve": drawing.reserve},
            )
        return drawing.reserve
    if amount is None:
        raise InvalidInputError(fields={"amount": [_("How many points do you bid?")]})
    if not is_whole_number(amount, low=1, high=MAX_BID):
        raise InvalidInputError(fields={"amount": [_("A whole number from 1 to 10,000,000.")]})
    if amount < drawing.reserve:
        raise InvalidInputError(
            fields={
                "amount": [
                    _("The lowest bid is the reserve, %(reserve)d points.")
                    % {"reserve": drawing.reserve}
                ]
            },
            extra={"reserve": drawing.reserve},
        )
    return amount


@transaction.atomic
def bid_place(*, drawing: Drawing, employee: User, amount: int | None = None) -> Bid:
    """Place, raise or lower my bid (auction) or enter (lottery, at the reserve); the points are
    held. A change replaces the hold in the same transaction: refused, the old bid stands."""
    locked, now = _locked_for_bidding(drawing=drawing, employee=employee)
    points = _check_amount(drawing=locked, amount=amount)
    bid = Bid.objects.select_for_update().filter(drawing=locked, employee=employee).first()
    if bid is not None and not bid.withdrawn and bid.amount == points:
        return bid  # the same bid again changes nothing (and keeps its place among equals)
    if bid is not None and bid.hold is not None:
        hold_void(hold=bid.hold)
    hold = hold_create(
        account=wallet_for(employee),
        amount=points,
        memo=f"drawing {locked.pk}: {locked.reward.name_en}",
        created_at=now,
    )
    if bid is None:
        return Bid.objects.create(
            drawing=locked,
            employee=employee,
            amount=points,
            hold=hold,
            placed_at=now,
            created_at=now,
            updated_at=now,
        )
    bid.amount, bid.hold, bid.withdrawn = points, hold, False
    bid.placed_at = bid.updated_at = now
    bid.save(update_fields=["amount", "hold", "withdrawn", "placed_at", "updated_at"])
    return bid


@transaction.atomic
def bid_withdraw(*, drawing: Drawing, employee: User) -> Bid:
    """Take my bid or entry back before the close; the hold is voided."""
    locked, now = _locked_for_bidding(drawing=drawing, employee=employee)
    bid = Bid.objects.select_for_update().filter(drawing=locked, employee=employee).first()
    if bid is None or bid.withdrawn:
        raise NoBidError()
    assert bid.hold is not None
    hold_void(hold=bid.hold)
    bid.hold, bid.withdrawn, bid.updated_at = None, True, now
    bid.save(update_fields=["hold", "withdrawn", "updated_at"])
    return bid


@transaction.atomic
def drawing_open(*, drawing: Drawing) -> Drawing:
    """Fix the reserve and k if the drawing is due to open (idempotent)."""
    market_clock_shared()
    reward = reward_lock(reward_id=drawing.reward_id)
    locked = drawing_lock(drawing_id=drawing.pk)
    _open_if_due(drawing=locked, reward=reward, now=timezone.now())
    return locked


def _winners_and_price(drawing: Drawing, bids: list[Bid], k: int) -> tuple[set[int], int | None]:
    assert drawing.reserve is not None
    if drawing.rule == DrawingRule.AUCTION:
        result = auction_clear(
            [SealedBid(key=b.pk, amount=b.amount, order=(b.placed_at, b.pk)) for b in bids],
            k,
            drawing.reserve,
        )
        return set(result.winners), result.price
    winners, _losers = lottery_draw(drawing.seed, [b.pk for b in bids], k)
    return set(winners), (drawing.reserve if winners else None)


def _settle_winner(
    *, bid: Bid, drawing: Drawing, reward: Reward, price: int, now: datetime
) -> None:
    assert bid.hold is not None
    hold = hold_post(
        hold=bid.hold,
        amount=price,
        credit=account_system(AccountKind.REDEMPTIONS),
        kind=TransactionKind.REDEMPTION,
        actor=bid.employee,
        memo=f"reward {reward.pk}: {reward.name_en} (drawing {drawing.pk})",
        idempotency_key=f"drawing:{drawing.pk}:bid:{bid.pk}",
        created_at=now,
    )
    assert hold.posting is not None
    bid.redemption = redemption_record(
        employee=bid.employee, reward=reward, quote=None, price=price, debit=hold.posting, now=now
    )
    bid.result = BidResult.WON


def drawing_close(*, drawing: Drawing, actor: User | None = None) -> Drawing:
    """Clear a drawing whose closing time has come: winners' holds post at the price and become
    redemptions, the rest are voided. All or nothing; a second run changes nothing.
    `actor` is HR closing it by hand; None is the system (the Celery job, the sweeper)."""
    with transaction.atomic():
        market_clock_shared()
        reward = reward_lock(reward_id=drawing.reward_id)
        locked = drawing_lock(drawing_id=drawing.pk)
        now = timezone.now()
        if locked.state == DrawingState.CLOSED:
            return locked
        if now < locked.closes_at:
            raise DrawingNotDueError(extra={"closes_at": locked.closes_at.isoformat()})
        _open_if_due(drawing=locked, reward=reward, now=now)
        bids = list(
            Bid.objects.select_for_update(of=("self",))
            .select_related("employee", "hold")
            .filter(drawing=locked, withdrawn=False)
            .order_by("placed_at", "pk")
        )
        # Every wallet at once, in primary key order (the project's lock order), before posting
        # and voiding one by one in bid order.
        accounts_lock(bid.hold.account_id for bid in bids if bid.hold is not None)
        # k was fixed at the opening; never more than the stock left (HR may have lowered it).
        k = int(locked.k or 0)
        if reward.stock is not None:
            k = min(k, reward.stock)
        winners, price = _winners_and_price(locked, bids, k)
        for bid in bids:
            if bid.pk in winners:
                assert price is not None
                _settle_winner(bid=bid, drawing=locked, reward=reward, price=price, now=now)
                bid.updated_at = now
                bid.save(update_fields=["result", "redemption", "updated_at"])
        # The losers in a few statements, however many they are.
        losers = [bid for bid in bids if bid.pk not in winners]
        holds_void(holds=[bid.hold for bid in losers if bid.hold is not None])
        Bid.objects.filter(pk__in=[bid.pk for bid in losers]).update(
            result=BidResult.LOST, updated_at=now
        )
        for bid in losers:
            bid.result = BidResult.LOST
        locked.state = DrawingState.CLOSED
        locked.closed_at = now
        locked.clearing_price = price
        locked.bidders = len(bids)
        locked.winners = len(winners)
        locked.save(update_fields=["state", "closed_at", "clearing_price", "bidders", "winners"])
        audit_record(
            actor=actor,
            action=AuditAction.DRAWING_CLOSED,
            subject=locked,
            subject_label=reward.name,
            details={
                "reward": reward.pk,
                "rule": locked.rule,
                "bidders": len(bids),
                "winners": len(winners),
                "price": price,
            },
        )
        notify_drawing_closed(  # one message for every bidder, after commit
            DrawingClosed(
                drawing_id=locked.pk,
                reward_fi=reward.name_fi,
                reward_en=reward.name_en,
                price=price or 0,
                link=reverse("drawing-detail", kwargs={"pk": locked.pk}),
                results=tuple(
                    DrawingResult(
                        recipient_id=bid.employee_id,
                        won=bid.result == BidResult.WON,
                        amount=bid.amount,
                    )
                    for bid in bids
                ),
            )
        )
        _chat_closed(drawing=locked, reward=reward, winners=len(winners), bidders=len(bids))
        locked.reward.refresh_from_db(fields=["stock"])
    return locked


def _chat_closed(*, drawing: Drawing, reward: Reward, winners: int, bidders: int) -> None:
    """Every team's Teams and Slack channels hear how a drawing ended (after commit); the
    winners' names stay in the app."""
    price = drawing.clearing_price
    facts = [
        ChatFact("Osallistujia", "Bidders", str(bidders)),
        ChatFact("Voittajia", "Winners", str(winners)),
    ]
    if price is not None:
        facts.append(ChatFact("Hinta", "Price", f"{price} p", f"{price} pts"))
    chat_announce(
        team_ids=None,
        event_key=f"drawing:{drawing.pk}:closed",
        message=ChatMessage(
            title_fi=f"🏁 Arvonta/huutokauppa päättyi: {reward.name_fi}",
            title_en=f"🏁 Drawing closed: {reward.name_en}",
            facts=tuple(facts),
            link=reverse("drawing-detail", kwargs={"pk": drawing.pk}),
        ),
    )


def drawings_sweep() -> tuple[int, int]:
    """Open every drawing due to open and close every overdue one, each in its own transaction;
    (opened, closed). Runs every minute: a lost or early job message cannot strand a drawing."""
    now = timezone.now()
    opened = closed = 0
    for drawing in Drawing.objects.filter(state=DrawingState.SCHEDULED, opens_at__lte=now):
        drawing_open(drawing=drawing)
        opened += 1
    for drawing in Drawing.objects.filter(state__in=LIVE_DRAWING_STATES, closes_at__lte=now):
        try:
            drawing_close(drawing=drawing)
            closed += 1
        except Exception:  # one broken drawing must not keep the others open
            logger.exception("closing drawing %s failed", drawing.pk)
    return opened, closed
