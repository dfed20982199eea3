"""HTML pages of colleagues' thanks: the thanks feed and its form, reactions, the supervisor's
one-step award from a thanks, and "not recognised lately".

As everywhere in the ledger, the views only shape input and output; the rules live in
`services.thanks` and `services.awards`.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from core.errors import ApplicationError, IdempotencyKeyReusedError, InvalidInputError
from core.validators import is_whole_number
from people.models import User

from . import selectors, services
from .forms import ThanksForm
from .models import AwardReason, Thanks
from .views import with_reactions

THANKS_PAGE_SIZE = 20
THANKS_AWARD_SCOPE = "thanks.award.html"
WEEK_CHOICES = (2, 4, 8, 12)


def _me(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # every view here is behind login_required
    return user


def _back(request: HttpRequest, default: str) -> str:
    """Where a small form returns to: its `next` if it is a path on this site, else `default`."""
    target = request.POST.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _error_text(exc: ApplicationError) -> str:
    if isinstance(exc, InvalidInputError) and exc.fields:
        return " ".join(
            str(error)
            for errors in exc.fields.values()
            for error in (errors if isinstance(errors, list | tuple) else [errors])
        )
    if isinstance(exc, IdempotencyKeyReusedError):
        return _("This form was already sent with other values. Check them and send again.")
    return exc.message


def _colleagues(me: User) -> Any:
    return (
        User.objects.filter(is_active=True)
        .exclude(pk=me.pk)
        .select_related("team")
        .order_by("display_name", "username")
    )


@login_required
def thanks_view(request: HttpRequest) -> HttpResponse:
    """Everyone's thanks, newest first, and the form to thank a colleague."""
    me = _me(request)
    reasons = AwardReason.objects.filter(active=True).order_by("position", "code")
    status = 200
    if request.method == "POST":
        form = ThanksForm(request.POST, colleagues=_colleagues(me), reasons=reasons)
        if form.is_valid():
            data = form.cleaned_data
            try:
                thanks = services.thanks_create(
                    giver=me,
                    recipient=data["recipient"],
                    reason=data["reason"],
                    message=data["message"],
                )
            except ApplicationError as exc:
                form.add_error(
                    "message" if isinstance(exc, InvalidInputError) else None, _error_text(exc)
                )
            else:
                messages.success(
                    request, _("You thanked %(name)s.") % {"name": thanks.recipient.name}
                )
                return redirect("thanks")
        status = 400
    else:
        form = ThanksForm(
            colleagues=_colleagues(me),
            reasons=reasons,
            initial={"recipient": request.GET.get("to")},
        )
    page = Paginator(selectors.thanks_feed(), THANKS_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "thanks_list": with_reactions(list(page.object_list), user=me),
        "has_reasons": reasons.exists(),
    }
    return render(request, "ledger/thanks.html", context, status=status)


@require_POST
@login_required
def thanks_react_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Add or take back one reaction to a thanks (a small form; the page reloads)."""
    me = _me(request)
    thanks = get_object_or_404(Thanks, pk=pk)
    try:
        services.thanks_react(
            thanks=thanks,
            user=me,
            emoji=request.POST.get("emoji", ""),
            on=request.POST.get("on", "1") != "0",
        )
    except ApplicationError as exc:
        messages.error(request, _error_text(exc))
    return redirect(_back(request, f"{reverse('thanks')}#thanks-{thanks.pk}"))


@require_POST
@login_required
def thanks_award_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A supervisor turns a thanks into an award in one step; a refusal is a message."""
    me = _me(request)
    thanks = get_object_or_404(Thanks, pk=pk)
    back = _back(request, reverse("team"))
    raw_points = request.POST.get("points", "").strip()
    points = int(raw_points) if raw_points.isdigit() and len(raw_points) < 10 else None
    if raw_points and (points is None or not is_whole_number(points, low=1)):
        messages.error(request, _("Points must be a whole number of at least 1."))
        return redirect(back)
    key = (request.POST.get("form_key") or "").strip()[:64] or uuid.uuid4().hex

    def call() -> tuple[int, Any]:
        award = services.thanks_award(
            thanks=thanks, giver=me, points=points, idempotency_key=f"thanks:{key}"
        )
        return 201, {"points": award.points, "recipient": award.recipient.name}

    try:
        _status, body, _replayed = services.idempotent_call(
            user=me,
            key=key,
            scope=THANKS_AWARD_SCOPE,
            payload={"thanks": thanks.pk, "points": points},
            call=call,
        )
    except ApplicationError as exc:
        messages.error(request, _error_text(exc))
        return redirect(back)
    awarded = int(body["points"])
    messages.success(
        request,
        ngettext(
            "You gave %(points)d point to %(name)s",
            "You gave %(points)d points to %(name)s",
            awarded,
        )
        % {"points": awarded, "name": body["recipient"]},
    )
    return redirect(back)


def weeks_chosen(value: str | None) -> int:
    """The weeks asked for, if one of the offered choices (or the setting), else the setting."""
    default = settings.NOT_RECOGNISED_WEEKS
    if value and value.isdigit() and int(value) in (*WEEK_CHOICES, default):
        return int(value)
    return default


@login_required
def not_recognised_view(request: HttpRequest) -> HttpResponse:
    """Who in the viewer's teams (every team for HR) had no award and no thanks for N weeks."""
    me = _me(request)
    if not (me.is_supervisor or me.is_hr):
        raise PermissionDenied
    weeks = weeks_chosen(request.GET.get("weeks"))
    since = timezone.now() - timedelta(weeks=weeks)
    rows = selectors.not_recognised(viewer=me, since=since)
    context = {
        "weeks": weeks,
        "week_choices": sorted({*WEEK_CHOICES, settings.NOT_RECOGNISED_WEEKS}),
        "rows": rows,
        "since": since,
    }
    return render(request, "ledger/not_recognised.html", context)
