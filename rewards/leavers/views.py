"""HR's leavers page: who leaves and who has left, their points, the policy, settling by hand."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import ApplicationError, InvalidInputError
from people.models import User

from .forms import LeaverPolicyForm
from .selectors import leavers_overview
from .services import leaver_policy_get, leaver_policy_set, leaver_settle


def _hr(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not user.is_hr:
        raise PermissionDenied
    return user


@login_required
def hr_leavers_view(request: HttpRequest) -> HttpResponse:
    me = _hr(request)
    policy = leaver_policy_get()
    initial = {
        "mode": policy.mode,
        "grace_days": policy.grace_days,
        "convert_reward": policy.convert_reward_id,
    }
    if request.method == "POST":
        form = LeaverPolicyForm(request.POST, initial=initial)
        if form.is_valid():
            data = form.cleaned_data
            try:
                leaver_policy_set(
                    actor=me,
                    mode=data["mode"],
                    grace_days=data["grace_days"],
                    convert_reward_id=data["convert_reward"].pk if data["convert_reward"] else None,
                )
            except InvalidInputError as error:
                for name, problems in (error.fields or {}).items():
                    for problem in problems:
                        form.add_error(name if name in form.fields else None, str(problem))
                messages.error(request, _("The policy was not saved: see the marked fields."))
            except ApplicationError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("Policy for leavers' points saved."))
                return redirect("hr-leavers")
        else:
            messages.error(request, _("The policy was not saved: see the marked fields."))
    else:
        form = LeaverPolicyForm(initial=initial)
    upcoming, past = leavers_overview()
    context = {"form": form, "policy": policy, "upcoming": upcoming, "past": past}
    return render(request, "rewards/hr_leavers.html", context)


@login_required
@require_POST
def hr_leaver_settle_view(request: HttpRequest, pk: int) -> HttpResponse:
    me = _hr(request)
    person = User.objects.filter(pk=pk).first()
    if person is None:
        raise Http404
    try:
        settlement = leaver_settle(person=person, actor=me)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Points of %(name)s settled: %(lapsed)d lapsed, %(converted)d converted to rewards.")
            % {
                "name": person.name,
                "lapsed": settlement.lapsed,
                "converted": settlement.converted,
            },
        )
    return redirect("hr-leavers")
