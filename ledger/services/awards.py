"""Awards: points from a supervisor's budget to a member of one of their teams."""

from __future__ import annotations

import functools
import hashlib
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from core import sql
from core.errors import InvalidInputError
from core.http import link
from core.transactions import atomic
from core.validators import is_whole_number
from notifications.chat import ChatFact, ChatMessage, award_listeners_sql, chat_announce
from notifications.events import AwardReceived
from notifications.services import NEWS_WINDOW, notify_award_received
from people.models import Role, Team, User
from people.selectors import person_leadership

from ..errors import (
    AwardCapExceededError,
    NotASupervisorError,
    NotInYourTeamError,
    RecipientInactiveError,
    RecipientNotAwardableError,
    SelfAwardError,
)
from ..models import Account, AccountKind, Award, AwardReason, Thanks, TransactionKind
from .accounts import budget_account_for, wallet_for
from .postings import Leg, transaction_post


def _validate_points(points: Any) -> int:
    if not is_whole_number(points, low=1):
        raise InvalidInputError(
            fields={"points": [_("Points must be a whole number of at least 1.")]}
        )
    if points > settings.AWARD_MAX_POINTS:
        raise AwardCapExceededError(
            _("A single award may give at most %(cap)d points.")
            % {"cap": settings.AWARD_MAX_POINTS},
            extra={"cap": settings.AWARD_MAX_POINTS},
        )
    return points


def _ledger_key(*, giver: User, key: str) -> str:
    """The transaction's key: readable when it fits the column, else a digest of the client's key
    (a client may send up to 255 characters, and the prefix must fit as well)."""
    readable = f"award:{giver.pk}:{key}"
    if len(readable) <= 255:  # Transaction.idempotency_key is a varchar(255)
        return readable
    return f"award:{giver.pk}:sha256:{hashlib.sha256(key.encode()).hexdigest()}"


def recipient_is_awardable(*, giver: User, recipient: User, recipient_leads: bool) -> bool:
    """Only HR awards a team leader or an HR person: two supervisors who co-lead a team they are
    members of must not turn their budgets into each other's wallets."""
    if giver.is_hr:
        return True
    return not (recipient_leads or recipient.role == Role.HR or recipient.is_superuser)


def award_recipient(
    *, giver: User, recipient_id: int, reason_code: str | None = None
) -> User | None:
    """The recipient of an award by `giver`, read in one statement with what `award_create` needs
    about them: their team, whether `giver` leads it, whether they lead a team, their wallet's id
    and the giver's budget's, and whether a chat channel of their team posts awards. With
    `reason_code`, the published reason of that code comes in the same statement, as
    `award_reason` (None if there is none). (Without this, `award_create` asks for each itself.)

    Hand-written SQL (`core.sql`): built by the ORM, this one query cost more CPU than the rest of
    the award together."""
    recipient = sql.first(
        User,
        _recipient_sql(connection.vendor, with_reason=reason_code is not None),
        [
            giver.pk,
            AccountKind.WALLET,
            AccountKind.BUDGET,
            giver.pk,
            *([reason_code] if reason_code is not None else []),
            recipient_id,
        ],
    )
    if recipient is not None:
        read = recipient.__dict__  # the extra columns, as attributes
        for flag in ("led_by_giver", "leads_a_team", "team_hears_awards"):
            read[flag] = bool(read[flag])  # SQLite answers 0/1
        recipient.team = (
            Team(
                pk=recipient.team_id,
                name=read.pop("team_name_read"),
                created_at=read.pop("team_created_at_read"),
            )
            if recipient.team_id is not None
            else None
        )
        if reason_code is not None:
            read["award_reason"] = sql.joined(recipient, AwardReason, REASON_PREFIX)
    return recipient


REASON_PREFIX = "reason__"


@functools.cache
def _recipient_sql(vendor: str, *, with_reason: bool) -> str:
    """`award_recipient`'s statement (built once per database and shape)."""
    leaders = sql.table(Team.leaders.through)
    accounts = sql.table(Account)
    reason_columns, reason_join = "", ""
    if with_reason:
        reason_columns = ", " + sql.joined_columns(AwardReason, "r", REASON_PREFIX)
        reason_join = f" LEFT JOIN {sql.table(AwardReason)} r ON r.code = %s AND r.active"
    return (
        f"SELECT {sql.columns(User, 'u')}, t.name AS team_name_read, "  # noqa: S608
        "t.created_at AS team_created_at_read, "
        f"EXISTS (SELECT 1 FROM {leaders} l WHERE l.team_id = u.team_id AND l.user_id = %s) "
        "AS led_by_giver, "
        f"EXISTS (SELECT 1 FROM {leaders} l WHERE l.user_id = u.id) AS leads_a_team, "
        f"(SELECT a.id FROM {accounts} a WHERE a.kind = %s AND a.owner_id = u.id) "
        "AS wallet_account_id, "
        f"(SELECT a.id FROM {accounts} a WHERE a.kind = %s AND a.owner_id = %s) "
        "AS giver_budget_account_id, "
        f"{award_listeners_sql('u.team_id')} AS team_hears_awards{reason_columns} "
        f"FROM {sql.table(User)} u LEFT JOIN {sql.table(Team)} t ON t.id = u.team_id"
        f"{reason_join} WHERE u.id = %s"
    )


def _account(pk: int | None, *, kind: str, owner: User) -> Account:
    """The account by a primary key already read (only its id and kind are needed), else looked up
    or created on first use."""
    if pk is not None:
        return Account(pk=pk, kind=kind, owner_id=owner.pk)
    return wallet_for(owner) if kind == AccountKind.WALLET else budget_account_for(owner)


@atomic
def award_create(
    *,
    giver: User,
    recipient: User,
    reason: AwardReason,
    points: int,
    message: str = "",
    idempotency_key: str | None = None,
    created_at: datetime | None = None,
    thanks: Thanks | None = None,
) -> Award:
    """Move `points` from the giver's budget to the recipient's wallet, for a published reason.

    `thanks`: the colleague's thanks this award is turned from (`thanks_award` checks and locks
    it); the award links to it in this transaction."""
    points = _validate_points(points)
    if not giver.is_supervisor:
        raise NotASupervisorError()
    if giver.pk == recipient.pk:
        raise SelfAwardError()
    led = getattr(recipient, "led_by_giver", None)  # read with the recipient (award_recipient)
    recipient_leads = getattr(recipient, "leads_a_team", None)
    if led is None or recipient_leads is None:
        leadership = person_leadership(person=recipient, supervisor=giver)
        led, recipient_leads = leadership is not None, bool(leadership)
    if not led or recipient.team_id is None:
        raise NotInYourTeamError()
    if not recipient.is_active:
        raise RecipientInactiveError()
    if not recipient_is_awardable(
        giver=giver, recipient=recipient, recipient_leads=recipient_leads
    ):
        raise RecipientNotAwardableError()
    if not reason.active:
        raise InvalidInputError(fields={"reason": [_("This award reason is not published.")]})
    message = (message or "").strip()
    if len(message) > 500:
        raise InvalidInputError(fields={"message": [_("At most 500 characters.")]})

    budget = _account(
        getattr(recipient, "giver_budget_account_id", None), kind=AccountKind.BUDGET, owner=giver
    )
    wallet = _account(
        getattr(recipient, "wallet_account_id", None), kind=AccountKind.WALLET, owner=recipient
    )
    when = created_at or timezone.now()
    award = Award(
        giver=giver,
        recipient=recipient,
        reason=reason,
        points=points,
        message=message,
        thanks=thanks,
        created_at=when,
    )
    transaction_post(  # the award row goes in with the transaction, before the accounts' locks
        kind=TransactionKind.AWARD,
        legs=[Leg(budget, -points), Leg(wallet, points)],
        actor=giver,
        memo=f"{reason.code}: {message}" if message else reason.code,
        idempotency_key=_ledger_key(giver=giver, key=idempotency_key) if idempotency_key else None,
        created_at=when,
        row=award,
    )
    notify_award_received(  # after commit, through Celery
        AwardReceived(
            recipient_id=recipient.pk,
            points=points,
            giver_name=giver.name,
            reason_fi=reason.name_fi,
            reason_en=reason.name_en,
            message=message,
            at=award.created_at,
            link=link("ledger-history"),
        )
    )
    heard = getattr(recipient, "team_hears_awards", None)  # read with the recipient, if it was
    if heard is not False and award.created_at >= timezone.now() - NEWS_WINDOW:
        _chat_award(award, team_id=recipient.team_id, heard=heard)  # history is no news
    return award


def _chat_award(award: Award, *, team_id: int, heard: bool | None) -> None:
    """The recognition feed's line, posted to the recipient's team's Teams and Slack channels
    after commit (`notifications.chat`): who got how many points from whom, and why."""
    reason, recipient, giver = award.reason, award.recipient, award.giver
    chat_announce(
        team_ids=[team_id],
        heard=heard,
        event_key=f"award:{award.pk}",
        message=ChatMessage(
            title_fi=f"🌟 {recipient.name} sai {award.points} pistettä",
            title_en=f"🌟 {recipient.name} received {award.points} points",
            text_fi=f"“{award.message}”" if award.message else "",
            text_en=f"“{award.message}”" if award.message else "",
            facts=(
                ChatFact("Peruste", "Reason", reason.name_fi, reason.name_en),
                ChatFact("Antaja", "Awarded by", giver.name),
                ChatFact("Pisteet", "Points", f"+{award.points}"),
            ),
            link=link("home"),
        ),
    )


def _suggested_range_check(suggested_min: int, suggested_max: int) -> None:
    """1 ≤ min ≤ max ≤ the per-award cap: a range that suggests what no award may give is refused."""
    if suggested_min < 1 or suggested_max < suggested_min:
        raise InvalidInputError(fields={"suggested_max": [_("The range must be 1 ≤ min ≤ max.")]})
    if suggested_max > settings.AWARD_MAX_POINTS:
        raise InvalidInputError(
            fields={
                "suggested_max": [
                    _("At most %(cap)d: no single award may give more.")
                    % {"cap": settings.AWARD_MAX_POINTS}
                ]
            }
        )


def award_reason_create(
    *,
    code: str,
    name_fi: str,
    name_en: str,
    suggested_min: int,
    suggested_max: int,
    description_fi: str = "",
    description_en: str = "",
    active: bool = True,
    position: int = 0,
) -> AwardReason:
    """Publish a new award criterion."""
    _suggested_range_check(suggested_min, suggested_max)
    reason = AwardReason(
        code=code,
        name_fi=name_fi,
        name_en=name_en,
        description_fi=description_fi,
        description_en=description_en,
        suggested_min=suggested_min,
        suggested_max=suggested_max,
        active=active,
        position=position,
    )
    reason.full_clean()
    reason.save()
    return reason


def award_reason_update(*, reason: AwardReason, **changes: Any) -> AwardReason:
    """Change an award criterion (past awards keep pointing at it)."""
    allowed = {
        "name_fi", "name_en", "description_fi", "description_en",
        "suggested_min", "suggested_max", "active", "position",
    }  # fmt: skip
    unknown = set(changes) - allowed
    if unknown:
        raise InvalidInputError(fields={name: [_("Cannot be changed.")] for name in unknown})
    for name, value in changes.items():
        setattr(reason, name, value)
    _suggested_range_check(reason.suggested_min, reason.suggested_max)
    reason.full_clean()
    reason.save(update_fields=list(changes))
    return reason
