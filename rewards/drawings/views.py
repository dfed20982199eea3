"""HTML pages of drawings: the list, one drawing (rule, countdown, my bid, results) and HR's page
to create and watch them. Each hands input to the same services the API calls."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import ApplicationError, InvalidInputError
from ledger.selectors import wallet_summary
from people.models import User

from ..models import LIVE_DRAWING_STATES, Drawing, DrawingRule, DrawingState
from . import selectors
from . import services as drawings
from .clearing import VERIFY_SNIPPET, lottery_ticket
from .forms import BidForm, DrawingCreateForm


def _me(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _message_for(exc: ApplicationError) -> str:
    if isinstance(exc, InvalidInputError) and exc.fields:
        return " ".join(str(m) for messages_ in exc.fields.values() for m in messages_)
    return exc.message


@login_required
def drawing_list_view(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    qs = selectors.drawings_for(user=me)
    context = {
        "live": list(qs.filter(state__in=LIVE_DRAWING_STATES).order_by("closes_at", "id")),
        "closed": list(qs.filter(state=DrawingState.CLOSED).order_by("-closed_at", "-id")[:20]),
    }
    return render(request, "rewards/drawing_list.html", context)


@login_required
def drawing_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    me = _me(request)
    drawing = get_object_or_404(Drawing.objects.select_related("reward"), pk=pk)
    bid = selectors.bid_of(drawing=drawing, user=me)
    live_bid = bid if bid is not None and not bid.withdrawn else None
    closed = drawing.state == DrawingState.CLOSED
    lottery = drawing.rule == DrawingRule.LOTTERY
    entries = [
        {
            "bid": entry,
            "ticket": lottery_ticket(drawing.seed, entry.pk) if lottery else "",
            "mine": entry.employee_id == me.pk,
        }
        for entry in selectors.drawing_entries(drawing=drawing)
    ]
    entry_ids = sorted(entry.pk for entry in selectors.drawing_entries(drawing=drawing))
    verify = ""
    if closed and lottery:
        verify = (
            VERIFY_SNIPPET.replace("ENTRY_IDS", repr(entry_ids))
            .replace("SEED_HASH", repr(drawing.seed_hash))
            .replace("SEED", repr(drawing.seed))
            .replace("K", str(drawing.winners))
        )
    now = timezone.now()
    wallet = wallet_summary(user=me)
    # A new bid replaces the live one, whose hold is released first.
    spendable = wallet.available + (live_bid.amount if live_bid else 0)
    reserve = drawing.reserve or 0  # set when the drawing opens
    context = {
        "drawing": drawing,
        "reward": drawing.reward,
        "bid": live_bid,
        "my_result": bid if closed and bid is not None and bid.result else None,
        "bidders": selectors.drawing_live_bidders(drawing=drawing),
        "wallet": wallet,
        "spendable": spendable,
        "can_afford": spendable >= reserve,
        "missing": max(0, reserve - spendable),
        "accepting": not closed and drawing.opens_at <= now < drawing.closes_at,
        "not_yet_open": now < drawing.opens_at,
        "awaiting_close": not closed and now >= drawing.closes_at,
        "closed": closed,
        "lottery": lottery,
        "entries": entries,
        "verify": verify,
        "form": BidForm(initial={"amount": live_bid.amount if live_bid else drawing.reserve}),
    }
    return render(request, "rewards/drawing_detail.html", context)


@login_required
@require_POST
def bid_place_view(request: HttpRequest, pk: int) -> HttpResponse:
    me = _me(request)
    drawing = get_object_or_404(Drawing, pk=pk)
    amount = None
    if drawing.rule == DrawingRule.AUCTION:
        form = BidForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Give your bid as a whole number of points."))
            return redirect("drawing-detail", pk=pk)
        amount = form.cleaned_data["amount"]
    try:
        bid = drawings.bid_place(drawing=drawing, employee=me, amount=amount)
    except ApplicationError as exc:
        messages.error(request, _message_for(exc))
    else:
        if drawing.rule == DrawingRule.AUCTION:
            text = _("Your bid is %(amount)s points; they are held until the close.")
        else:
            text = _("You are in the draw; %(amount)s points are held until the close.")
        messages.success(request, text % {"amount": bid.amount})
    return redirect("drawing-detail", pk=pk)


@login_required
@require_POST
def bid_withdraw_view(request: HttpRequest, pk: int) -> HttpResponse:
    me = _me(request)
    drawing = get_object_or_404(Drawing, pk=pk)
    try:
        drawings.bid_withdraw(drawing=drawing, employee=me)
    except ApplicationError as exc:
        messages.error(request, _message_for(exc))
    else:
        messages.success(request, _("Withdrawn. Your held points are free again."))
    return redirect("drawing-detail", pk=pk)


@login_required
def hr_drawing_list_view(request: HttpRequest) -> HttpResponse:
    """HR creates drawings and watches them: state, bidders (not their bids), results."""
    me = _me(request)
    if not me.is_hr:
        raise PermissionDenied
    form = DrawingCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            drawing = drawings.drawing_create(
                actor=me,
                reward=data["reward"],
                rule=data["rule"],
                opens_at=data["opens_at"] or timezone.now(),
                closes_at=data["closes_at"],
                floor=data["floor"],
            )
        except ApplicationError as exc:
            messages.error(request, _message_for(exc))
        else:
            messages.success(
                request, _("The drawing for %(reward)s is set.") % {"reward": drawing.reward.name}
            )
            return redirect("hr-drawings")
    context = {
        "form": form,
        "drawings": list(selectors.drawings_for(user=me).order_by("-closes_at", "-id")[:100]),
    }
    return render(request, "rewards/hr_drawings.html", context)
