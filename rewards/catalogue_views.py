"""HR's catalogue pages: the list of every reward, and one form to add or change a reward in both
languages with its picture, options, stock, approval and activation. The same catalogue services
as the API; a refusal becomes a message on the form, never a 500. And the pictures themselves."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core.errors import InvalidInputError
from people.models import User

from . import pictures, services
from .forms import RewardForm
from .models import Reward

PAGE_SIZE = 50
PICTURE_NAME = r"[0-9a-f]{32}\.webp"


def _hr(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # behind login_required
    if not user.is_hr:
        raise PermissionDenied
    return user


@login_required
def hr_reward_list_view(request: HttpRequest) -> HttpResponse:
    _hr(request)
    search = request.GET.get("q", "").strip()[:100]
    qs = Reward.objects.order_by("-active", "name_fi", "id")
    if search:
        qs = qs.filter(Q(name_fi__icontains=search) | Q(name_en__icontains=search))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"page": page, "q": search, "query": query.urlencode()}
    return render(request, "rewards/hr_rewards.html", context)


@login_required
def hr_reward_create_view(request: HttpRequest) -> HttpResponse:
    _hr(request)
    return _reward_form(request, reward=None)


@login_required
def hr_reward_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    _hr(request)
    return _reward_form(request, reward=get_object_or_404(Reward, pk=pk))


def _reward_form(request: HttpRequest, *, reward: Reward | None) -> HttpResponse:
    if request.method == "POST":
        form = RewardForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                saved = _save(form.cleaned_data, reward=reward, upload=request.FILES.get("picture"))
            except InvalidInputError as exc:
                for field, problems in exc.fields.items():
                    for problem in problems:
                        form.add_error(field if field in form.fields else None, problem)
                if not form.errors:
                    form.add_error(None, exc.message)
            else:
                messages.success(request, _("Saved: %(name)s.") % {"name": saved.name})
                return redirect("hr-reward-edit", pk=saved.pk)
    elif reward is not None:
        form = RewardForm(initial=RewardForm.initial_for(reward))
    else:
        form = RewardForm()
    return render(request, "rewards/hr_reward_form.html", {"form": form, "reward": reward})


def _save(data: dict[str, Any], *, reward: Reward | None, upload: Any) -> Reward:
    values = {
        name: data[name]
        for name in (
            "name_fi", "name_en", "description_fi", "description_en", "category", "base_price",
            "stock", "needs_approval", "active", "options", "approver_note",
        )
    }  # fmt: skip
    picture = pictures.picture_prepare(upload, size=upload.size) if upload is not None else None
    if picture is not None:
        values["picture"] = picture.name
    elif data.get("picture_remove"):
        values["picture"] = ""
    # The files only once the reward's fields are accepted, in its transaction: a refusal on
    # either side leaves neither a row nor a file.
    with transaction.atomic():
        if reward is None:
            saved = services.reward_create(**values)
        else:
            changed = {
                name: value for name, value in values.items() if getattr(reward, name) != value
            }
            saved = services.reward_update(reward=reward, **changed) if changed else reward
        if picture is not None:
            pictures.picture_save(picture)
    return saved


@login_required
@require_GET
def reward_picture_view(request: HttpRequest, name: str, size: str = "") -> HttpResponseBase:
    """A stored picture. Its name is the hash of its bytes, so it is cached for a year."""
    path = pictures.picture_path(name, small=size == "small")
    if not default_storage.exists(path):
        raise Http404
    response = FileResponse(default_storage.open(path, "rb"), content_type="image/webp")
    response["Cache-Control"] = "private, max-age=31536000, immutable"
    return response
