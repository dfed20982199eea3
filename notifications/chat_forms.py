"""HR's form for a Teams or Slack channel. It shapes input; the services decide what is allowed
(a webhook URL that may be posted to, a name, a service)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from people.models import Team

from .models import ChatKind, ChatLanguage


class ChatChannelForm(forms.Form):
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.order_by("name"))
    kind = forms.ChoiceField(label=_("Service"), choices=ChatKind.choices)
    name = forms.CharField(
        label=_("Channel name"),
        max_length=100,
        help_text=_("For your own reference, e.g. #team-north."),
    )
    webhook_url = forms.CharField(
        label=_("Webhook URL"),
        max_length=1000,
        # Never rendered back: the URL is a secret once saved.
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("Starts with https://. It is stored as a secret and not shown again."),
    )
    language = forms.ChoiceField(label=_("Language of the posts"), choices=ChatLanguage.choices)
    post_awards = forms.BooleanField(label=_("New awards"), required=False, initial=True)
    post_drawings = forms.BooleanField(
        label=_("Drawings opening and closing"), required=False, initial=True
    )
    post_movers = forms.BooleanField(label=_("Daily market movers"), required=False, initial=True)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["webhook_url"].required = False
            self.fields["webhook_url"].help_text = _(
                "Leave empty to keep the saved URL. A new URL replaces it."
            )
