"""HR's Teams and Slack page: each team's channels with their state, adding, changing and
disconnecting one, and a test post."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import ApplicationError, InvalidInputError
from people.models import User

from . import chat_services as services
from .chat_forms import ChatChannelForm
from .models import ChatChannel, ChatDelivery

RECENT_DELIVERIES = 10


def _hr(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not user.is_hr:
        raise PermissionDenied
    return user


def _field_errors(form: ChatChannelForm, error: InvalidInputError) -> None:
    for name, problems in (error.fields or {}).items():
        for problem in problems:
            form.add_error(name if name in form.fields else None, str(problem))


def _save(request: HttpRequest, form: ChatChannelForm, channel: ChatChannel | None) -> bool:
    me = _hr(request)
    data: dict[str, Any] = dict(form.cleaned_data)
    url = data.pop("webhook_url")
    try:
        if channel is None:
            services.chat_channel_create(actor=me, webhook_url=url, **data)
        else:
            services.chat_channel_update(actor=me, channel=channel, webhook_url=url, **data)
    except InvalidInputError as error:
        _field_errors(form, error)
        messages.error(request, _("The channel was not saved: see the marked fields."))
        return False
    except ApplicationError as error:
        messages.error(request, error.message)
        return False
    messages.success(request, _("Channel “%(name)s” saved.") % {"name": data["name"]})
    return True


@login_required
def chat_channel_list_view(request: HttpRequest) -> HttpResponse:
    _hr(request)
    if request.method == "POST":
        form = ChatChannelForm(request.POST)
        if form.is_valid():
            if _save(request, form, None):
                return redirect("hr-chat")
        else:
            messages.error(request, _("The channel was not saved: see the marked fields."))
    else:
        form = ChatChannelForm()
    channels = list(ChatChannel.objects.select_related("team"))
    return render(request, "notifications/chat_channels.html", {"channels": channels, "form": form})


@login_required
def chat_channel_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    _hr(request)
    channel = get_object_or_404(ChatChannel.objects.select_related("team"), pk=pk)
    if request.method == "POST":
        form = ChatChannelForm(request.POST, editing=True)
        if form.is_valid():
            if _save(request, form, channel):
                return redirect("hr-chat")
        else:
            messages.error(request, _("The channel was not saved: see the marked fields."))
    else:
        form = ChatChannelForm(
            editing=True,
            initial={
                "team": channel.team_id,
                **{name: getattr(channel, name) for name in services.CHANNEL_FIELDS},
            },
        )
    deliveries = ChatDelivery.objects.filter(channel=channel)[:RECENT_DELIVERIES]
    return render(
        request,
        "notifications/chat_channel_edit.html",
        {"channel": channel, "form": form, "deliveries": deliveries},
    )


@login_required
@require_POST
def chat_channel_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    me = _hr(request)
    channel = get_object_or_404(ChatChannel.objects.select_related("team"), pk=pk)
    name = channel.name
    services.chat_channel_delete(actor=me, channel=channel)
    messages.success(request, _("Channel “%(name)s” disconnected.") % {"name": name})
    return redirect("hr-chat")


@login_required
@require_POST
def chat_channel_test_view(request: HttpRequest, pk: int) -> HttpResponse:
    me = _hr(request)
    channel = get_object_or_404(ChatChannel.objects.select_related("team"), pk=pk)
    services.chat_channel_test(actor=me, channel=channel)
    messages.success(
        request,
        _("Test post to “%(name)s” queued. Reload the page in a moment to see how it went.")
        % {"name": channel.name},
    )
    return redirect("hr-chat")
