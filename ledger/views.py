"""HTML pages of the ledger: home, the statement, and the supervisor's team page.

Views only shape what the selectors return and hand input to the services; every rule
(budgets, caps, who may award whom) lives in the services.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.errors import ApplicationError, IdempotencyKeyReusedError, InvalidInputError
from people.models import User
from people.selectors import teams_led_by

from . import selectors, services
from .describers import titles_for
from .errors import (
    AwardCapExceededError,
    BudgetExceededError,
    NotInYourTeamError,
    RecipientInactiveError,
    SelfAwardError,
    UnknownReasonError,
)
from .forms import AwardForm
from .models import AccountKind, Award, AwardReason, Entry, Thanks, TransactionKind

HOME_LINES = 8
HOME_FEED = 15
TEAM_THANKS = 20
STATEMENT_PAGE_SIZE = 25
AWARD_SCOPE = "awards.create.html"


def _me(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # every view here is behind login_required
    return user


@dataclass(frozen=True)
class StatementLine:
    """One line of a statement, ready to show: when, how much, and why."""

    when: datetime
    amount: int
    title: str
    detail: str
    message: str
    kind: str

    @property
    def magnitude(self) -> int:
        return abs(self.amount)


def statement_lines(entries: Iterable[Entry]) -> list[StatementLine]:
    """Turn statement entries (from `selectors.entries_of`) into lines that say why."""
    entries = list(entries)
    titles = titles_for(entry.transaction for entry in entries)
    lines = []
    for entry in entries:
        txn = entry.transaction
        award = getattr(txn, "award", None) if txn.kind == TransactionKind.AWARD else None
        if award is not None:
            title = award.reason.name
            if entry.amount > 0:
                detail = _("Awarded by %(name)s") % {"name": award.giver.name}
            else:
                detail = _("To %(name)s") % {"name": award.recipient.name}
            message = award.message
        else:
            title = titles.get(txn.pk) or txn.get_kind_display()
            # A reversal's memo is HR's own words about the correction; other memos are technical.
            detail = txn.memo if txn.kind == TransactionKind.REVERSAL else ""
            message = ""
        lines.append(
            StatementLine(
                when=txn.created_at,
                amount=entry.amount,
                title=title,
                detail=detail,
                message=message,
                kind=txn.kind,
            )
        )
    return lines


def with_reactions(thanks: list[Thanks], *, user: User) -> list[Thanks]:
    """The thanks with `reaction_counts` set for the template (one query for all of them)."""
    counts = selectors.thanks_reactions(thanks=thanks, user=user)
    for item in thanks:
        item.reaction_counts = counts[item.pk]  # type: ignore[attr-defined]
    return thanks


def recognition_items(*, user: User, limit: int) -> list[Award | Thanks]:
    """The newest awards and colleagues' thanks together, newest first; each carries `feed_kind`
    ("award" or "thanks") for the template, and the thanks carry their reactions."""
    awards = list(selectors.recognition_feed()[:limit])
    thanks = with_reactions(list(selectors.thanks_feed()[:limit]), user=user)
    for award in awards:
        award.feed_kind = "award"  # type: ignore[attr-defined]
    for item in thanks:
        item.feed_kind = "thanks"  # type: ignore[attr-defined]
    items: list[Award | Thanks] = [*awards, *thanks]
    items.sort(key=lambda item: (item.created_at, isinstance(item, Award)), reverse=True)
    return items[:limit]


@login_required
def home_view(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    balance = selectors.balance_of(user=me)
    lines = statement_lines(selectors.entries_of(user=me)[:HOME_LINES])
    context = {
        "balance": balance,
        "lines": lines,
        "latest_thanks": next((ln for ln in lines if ln.kind == "award" and ln.amount > 0), None),
        "feed": recognition_items(user=me, limit=HOME_FEED),
        "budget": selectors.budget_summary(supervisor=me) if me.is_supervisor else None,
        "reasons": AwardReason.objects.filter(active=True).order_by("position", "code"),
    }
    return render(request, "ledger/home.html", context)


@login_required
def ledger_history_view(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    account = AccountKind.BUDGET if request.GET.get("account") == "budget" else AccountKind.WALLET
    if account == AccountKind.BUDGET and not me.is_supervisor:
        raise PermissionDenied
    entries = selectors.entries_of(user=me, kind=account)
    page = Paginator(
        entries.select_related("transaction__award__recipient"), STATEMENT_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    received, spent = selectors.statement_totals(user=me, kind=account)
    context = dict(
        account=account,
        page=page,
        lines=statement_lines(page.object_list),
        balance=selectors.balance_of(user=me, kind=account),
        received=received,
        spent=spent,
    )
    return render(request, "ledger/history.html", context)


# Which form field an application error belongs next to (the rest go on top of the form).
_ERROR_FIELDS: dict[type[ApplicationError], str] = {
    AwardCapExceededError: "points",
    BudgetExceededError: "points",
    NotInYourTeamError: "recipient",
    SelfAwardError: "recipient",
    RecipientInactiveError: "recipient",
    UnknownReasonError: "reason",
}


def _show_error(form: AwardForm, exc: ApplicationError) -> None:
    """Put a refusal from the service on the form, next to the field it is about."""
    if isinstance(exc, InvalidInputError) and exc.fields:
        for name, errors in exc.fields.items():
            field = name if name in form.fields and name != "form_key" else None
            for error in errors if isinstance(errors, list | tuple) else [errors]:
                form.add_error(field, str(error))
        return
    message = exc.message
    if isinstance(exc, IdempotencyKeyReusedError):
        message = _("This form was already sent with other values. Check them and send again.")
    elif isinstance(exc, BudgetExceededError) and "balance" in exc.extra:
        left = exc.extra["balance"]
        message = "{} {}".format(
            message,
            ngettext("You have %(left)d point left.", "You have %(left)d points left.", left)
            % {"left": left},
        )
    field = next((f for cls, f in _ERROR_FIELDS.items() if isinstance(exc, cls)), None)
    form.add_error(field, message)


def _award_from_form(*, giver: User, data: dict[str, Any]) -> dict[str, Any]:
    """Award through the service, once per form key: a double submit replays the first answer."""
    recipient, reason = data["recipient"], data["reason"]
    payload = {
        "recipient": recipient.pk,
        "reason": reason.pk,
        "points": data["points"],
        "message": data["message"],
    }

    def call() -> tuple[int, Any]:
        award = services.award_create(
            giver=giver,
            recipient=recipient,
            reason=reason,
            points=data["points"],
            message=data["message"],
            idempotency_key=data["form_key"],
        )
        return 201, {"award": award.pk, "points": award.points, "recipient": recipient.name}

    _status, body, _replayed = services.idempotent_call(
        user=giver, key=data["form_key"], scope=AWARD_SCOPE, payload=payload, call=call
    )
    return dict(body)


@login_required
def team_view(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    if not me.is_supervisor:
        raise PermissionDenied
    # Only the people the service lets `me` award: co-leaders and HR are not offered.
    members = selectors.award_recipients_for(giver=me)
    reasons = AwardReason.objects.filter(active=True).order_by("position", "code")
    status = 200
    if request.method == "POST":
        data = request.POST.copy()
        form = AwardForm(data, members=members, reasons=reasons)
        if form.is_valid():
            try:
                outcome = _award_from_form(giver=me, data=form.cleaned_data)
            except ApplicationError as exc:
                _show_error(form, exc)
            else:
                points = int(outcome["points"])
                messages.success(
                    request,
                    ngettext(
                        "You gave %(points)d point to %(name)s",
                        "You gave %(points)d points to %(name)s",
                        points,
                    )
                    % {"points": points, "name": outcome["recipient"]},
                )
                return redirect("team")
        status = 400
        # Nothing was written, so the next try is a new operation with a new key.
        data["form_key"] = uuid.uuid4().hex
    else:
        form = AwardForm(
            members=members, reasons=reasons, initial={"recipient": request.GET.get("to")}
        )

    member_list = list(members)
    balances = selectors.wallet_balances_of(users=member_list)
    context = dict(
        form=form,
        budget=selectors.budget_summary(supervisor=me),
        teams=list(teams_led_by(supervisor=me)),
        members=[(member, balances.get(member.pk) or 0) for member in member_list],
        has_reasons=reasons.exists(),
        given=selectors.recognition_feed().filter(giver=me)[:5],
        team_thanks=[
            (thanks, services.thanks_suggested_points(thanks.reason), uuid.uuid4().hex)
            for thanks in selectors.thanks_for_team(supervisor=me)[:TEAM_THANKS]
        ],
    )
    return render(request, "ledger/team.html", context, status=status)
