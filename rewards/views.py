"""HTML pages of the market: the redeem flow (quote → confirm → receipt), my redemptions, wishes,
the supervisor's approval queue and HR's view of every redemption. The catalogue's pages show
prices, so pricing serves them (`pricing/views/market.py`).

Views shape what the selectors return and hand input to the same services the API calls; a
refusal from a service becomes a message on the page, never a 500.
"""

from __future__ import annotations

from datetime import datetime, time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import ApplicationError, IdempotencyKeyReusedError
from ledger.errors import InsufficientPointsError
from ledger.selectors import balance_of, wallet_summary
from people.models import User

from . import selectors, services
from .errors import PriceChangedError, RewardInactiveError
from .forms import ConfirmForm, HRRedemptionFilterForm, RejectForm, WishForm, option_choices_form
from .models import WISHES_MAX, Quote, Redemption, RedemptionState, Wish

CONFIRM_SCOPE = "redemptions.create.html"
HR_PAGE_SIZE = 50


def _me(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # every view here is behind login_required
    return user


# --- Redeem flow --------------------------------------------------------------------------------


@login_required
@require_POST
def quote_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The "Get price" button: a quote valid QUOTE_VALIDITY_SECONDS, then the confirm page."""
    me = _me(request)
    reward = get_object_or_404(selectors.rewards_for(user=me), pk=pk)
    try:
        quote = services.quote_create(employee=me, reward=reward)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("reward-detail", pk=reward.pk)
    return redirect("redemption-confirm", pk=quote.pk)


@login_required
def redemption_confirm_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The price promise with its countdown, and the button that buys."""
    me = _me(request)
    quote = get_object_or_404(Quote.objects.select_related("reward"), pk=pk, employee=me)
    reward = quote.reward
    if request.method == "POST":
        form = ConfirmForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("This form has expired. Please send it again."))
            return redirect("redemption-confirm", pk=quote.pk)
        picks = option_choices_form(reward, request.POST)
        if not picks.is_valid():
            messages.error(request, _("Pick one choice for each option."))
            return redirect("redemption-confirm", pk=quote.pk)
        try:
            # Once per form key: a double submit replays the first answer.
            _status, body = services.redemption_purchase(
                employee=me,
                quote_id=quote.pk,
                idempotency_key=form.cleaned_data["form_key"],
                scope=CONFIRM_SCOPE,
                answer=lambda redemption: {"redemption": redemption.pk},
                options=[picks.cleaned_data[name] for name in picks.fields],
            )
            redemption_id = int(body["redemption"])
        except PriceChangedError as exc:
            fresh = exc.fresh_quote
            assert fresh is not None
            messages.warning(
                request,
                _(
                    "The price rose after your price promise ran out. Here is a new price: "
                    "nothing was charged yet."
                ),
            )
            return redirect("redemption-confirm", pk=fresh.pk)
        except IdempotencyKeyReusedError:
            messages.error(request, _("This form was already sent. Ask for a new price."))
            return redirect("reward-detail", pk=reward.pk)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            if isinstance(exc, InsufficientPointsError):
                return redirect("redemption-confirm", pk=quote.pk)  # the sums are on that page
            if isinstance(exc, RewardInactiveError):
                return redirect("market")  # its own page is gone with it
            return redirect("reward-detail", pk=reward.pk)
        return redirect("redemption-receipt", pk=redemption_id)

    if quote.used_at is not None:
        done = Redemption.objects.filter(quote=quote, employee=me).first()
        if done is not None:
            return redirect("redemption-receipt", pk=done.pk)
        messages.info(request, _("This price was already used. Ask for a new price."))
        return redirect("reward-detail", pk=reward.pk)
    balance = wallet_summary(user=me).available  # held points cannot be spent
    context = {
        "quote": quote,
        "reward": reward,
        "balance": balance,
        "after": balance - quote.price,
        "missing": max(0, quote.price - balance),
        "form": ConfirmForm(),
        "options_form": option_choices_form(reward),
        "expired": quote.is_expired,
    }
    return render(request, "rewards/confirm.html", context)


@login_required
def redemption_receipt_view(request: HttpRequest, pk: int) -> HttpResponse:
    me = _me(request)
    redemption = get_object_or_404(
        Redemption.objects.select_related("reward", "decided_by"), pk=pk, employee=me
    )
    context = {"redemption": redemption, "balance": balance_of(user=me)}
    return render(request, "rewards/receipt.html", context)


# --- My redemptions, wishes ----------------------------------------------------------------------


@login_required
def redemption_list_view(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    redemptions = selectors.redemptions_visible_to(user=me).filter(employee=me)
    page = Paginator(redemptions, 25).get_page(request.GET.get("page"))
    return render(request, "rewards/redemptions.html", {"page": page})


@login_required
@require_POST
def redemption_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    me = _me(request)
    redemption = get_object_or_404(Redemption, pk=pk, employee=me)
    try:
        services.redemption_cancel(employee=me, redemption=redemption)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Cancelled. %(points)s points were returned to your wallet.")
            % {"points": redemption.price_paid},
        )
    if request.POST.get("next") == "receipt":
        return redirect("redemption-receipt", pk=redemption.pk)
    return redirect("redemptions")


def _target_from(request: HttpRequest) -> object:
    """The posted target price as typed (the service checks it): empty means none."""
    return request.POST.get("target_price", "").strip() or None


@login_required
def wish_list_view(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    progress = selectors.wish_progress_list(user=me)
    context = {"wishes": progress, "limit": WISHES_MAX, "form": WishForm()}
    return render(request, "rewards/wishes.html", context)


@login_required
@require_POST
def wish_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    me = _me(request)
    reward = get_object_or_404(selectors.rewards_for(user=me), pk=pk)
    try:
        wish = services.wish_add(employee=me, reward=reward, target_price=_target_from(request))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        if wish.target_price is None:
            text = _("%(reward)s is on your wish list. We tell you when it goes on sale.")
        else:
            text = _(
                "%(reward)s is on your wish list. We tell you when the price falls to "
                "%(target)s points."
            )
        messages.success(request, text % {"reward": reward.name, "target": wish.target_price})
    return redirect("reward-detail", pk=reward.pk)


def _my_wish(request: HttpRequest, pk: int) -> Wish:
    return get_object_or_404(Wish.objects.select_related("reward"), pk=pk, employee=_me(request))


def _back_from_wish(request: HttpRequest, wish: Wish) -> HttpResponse:
    if request.POST.get("next") == "reward":
        return redirect("reward-detail", pk=wish.reward_id)
    return redirect("wishes")


@login_required
@require_POST
def wish_update_view(request: HttpRequest, pk: int) -> HttpResponse:
    wish = _my_wish(request, pk)
    try:
        services.wish_update(wish=wish, target_price=_target_from(request))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        if wish.target_price is None:
            messages.info(request, _("Target price removed. The reward is still watched."))
        else:
            messages.success(request, _("Target price saved."))
    return _back_from_wish(request, wish)


@login_required
@require_POST
def wish_move_view(request: HttpRequest, pk: int) -> HttpResponse:
    wish = _my_wish(request, pk)
    step = -1 if request.POST.get("direction") == "up" else 1
    ids = list(Wish.objects.filter(employee=wish.employee_id).values_list("pk", flat=True))
    services.wish_move(wish=wish, position=max(0, ids.index(wish.pk) + step))
    return redirect("wishes")


@login_required
@require_POST
def wish_remove_view(request: HttpRequest, pk: int) -> HttpResponse:
    wish = _my_wish(request, pk)
    services.wish_remove(wish=wish)
    messages.info(
        request, _("%(reward)s was removed from your wishes.") % {"reward": wish.reward.name}
    )
    return _back_from_wish(request, wish)


# --- Approvals ----------------------------------------------------------------------------------


def _approver(request: HttpRequest) -> User:
    me = _me(request)
    if not (me.is_supervisor or me.is_hr):
        raise PermissionDenied
    return me


@login_required
def approval_list_view(request: HttpRequest) -> HttpResponse:
    """Pending redemptions of the approver's teams (all of them for HR), and approved ones to
    hand over."""
    me = _approver(request)
    qs = selectors.redemptions_visible_to(user=me).exclude(employee=me)
    if not me.is_hr:
        qs = qs.filter(employee__team__leaders=me)
    context = {
        "pending": list(qs.filter(state=RedemptionState.PENDING).order_by("created_at", "id")),
        "to_fulfil": list(qs.filter(state=RedemptionState.APPROVED).order_by("updated_at", "id")),
        "reject_form": RejectForm(),
    }
    return render(request, "rewards/approvals.html", context)


_DECISIONS = {
    "approve": (services.redemption_approve, _("Approved: %(reward)s for %(name)s.")),
    "fulfil": (services.redemption_fulfil, _("Marked as handed over: %(reward)s for %(name)s.")),
}


@login_required
@require_POST
def redemption_decide_view(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    me = _approver(request)
    if decision not in {*_DECISIONS, "reject"}:
        raise Http404
    redemption = get_object_or_404(Redemption.objects.select_related("reward", "employee"), pk=pk)
    names = {"reward": redemption.reward.name, "name": redemption.employee.name}
    try:
        if decision == "reject":
            form = RejectForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("Say why you reject it, so the employee knows."))
                return redirect("approvals")
            services.redemption_reject(
                approver=me, redemption=redemption, reason=form.cleaned_data["reason"]
            )
            done = _("Rejected: %(reward)s for %(name)s. The points were returned.")
        else:
            service, done = _DECISIONS[decision]
            service(approver=me, redemption=redemption)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, str(done) % names)
    return redirect("approvals")


# --- HR -----------------------------------------------------------------------------------------


@login_required
def hr_redemption_list_view(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    if not me.is_hr:
        raise PermissionDenied
    form = HRRedemptionFilterForm(request.GET or None)
    qs = selectors.redemptions_visible_to(user=me)
    if form.is_valid():
        data = form.cleaned_data
        if data["state"]:
            qs = qs.filter(state=data["state"])
        if data["team"]:
            qs = qs.filter(employee__team=data["team"])
        if data["reward"]:
            qs = qs.filter(reward=data["reward"])
        tz = timezone.get_current_timezone()
        if data["since"]:
            qs = qs.filter(created_at__gte=datetime.combine(data["since"], time.min, tzinfo=tz))
        if data["until"]:
            qs = qs.filter(created_at__lte=datetime.combine(data["until"], time.max, tzinfo=tz))
    page = Paginator(qs, HR_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    return render(request, "rewards/hr_redemptions.html", context)
