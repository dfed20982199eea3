"""HR's sales page: sales running, scheduled and over; scheduling one; cancelling one."""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import ApplicationError, InvalidInputError
from rewards.models import RewardCategory

from .. import selectors, services
from ..forms import SaleForm
from ..market import discount_percent
from ..models import Sale
from .hr import hr_only

PAST_SHOWN = 50
# Service field names that the form shows under another name.
_FIELD_OF = {"multiplier": "discount"}


def sale_state(sale: Sale, now: datetime) -> str:
    """running / scheduled / ended / cancelled (a cancelled sale ends when it was cancelled)."""
    if sale.cancelled_at is not None:
        return "cancelled"
    if sale.ends_at <= now:
        return "ended"
    return "running" if sale.starts_at <= now else "scheduled"


@login_required
def sale_list_view(request: HttpRequest) -> HttpResponse:
    me = hr_only(request)
    if request.method == "POST":
        form = SaleForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                sale = services.sale_create(
                    actor=me,
                    name=data["name"],
                    multiplier=form.multiplier,
                    starts_at=data["starts_at"],
                    ends_at=data["ends_at"],
                    rewards=list(data["rewards"]),
                    categories=list(data["categories"]),
                    all_rewards=data["all_rewards"],
                )
            except InvalidInputError as error:
                for name, problems in (error.fields or {}).items():
                    field = _FIELD_OF.get(name, name)
                    for problem in problems:
                        form.add_error(field if field in form.fields else None, str(problem))
                messages.error(request, _("The sale was not saved: see the marked fields."))
            except ApplicationError as error:
                messages.error(request, error.message)
            else:
                messages.success(
                    request,
                    _("Sale “%(name)s” scheduled: −%(percent)s %% from %(start)s.")
                    % {
                        "name": sale.name,
                        "percent": discount_percent(sale.multiplier),
                        "start": _local(sale.starts_at),
                    },
                )
                return redirect("hr-sales")
        else:
            messages.error(request, _("The sale was not saved: see the marked fields."))
    else:
        form = SaleForm()
    now = timezone.now()
    groups: dict[str, list[tuple[Sale, str, str]]] = {"current": [], "past": []}
    for sale in selectors.sales_all():
        state = sale_state(sale, now)
        group = "current" if state in {"running", "scheduled"} else "past"
        groups[group].append((sale, state, discount_percent(sale.multiplier)))
    context = {
        "form": form,
        "current": groups["current"],
        "past": groups["past"][:PAST_SHOWN],
        "categories": RewardCategory.choices,
        "time_zone": timezone.get_current_timezone_name(),
    }
    return render(request, "pricing/sales.html", context)


def _local(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


@login_required
@require_POST
def sale_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    me = hr_only(request)
    try:
        sale = services.sale_cancel(actor=me, sale_id=pk)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Sale “%(name)s” cancelled.") % {"name": sale.name})
    return redirect("hr-sales")
