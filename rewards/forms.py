"""HTML forms of the market pages. They shape input; the services decide what is allowed."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from people.models import Team

from .models import RedemptionState, Reward, RewardCategory

SORTS = [
    ("name", _("Name")),
    ("price", _("Price: lowest first")),
    ("-price", _("Price: highest first")),
    ("-popularity", _("Most popular")),
    ("newest", _("Newest")),
]


class MarketFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    category = forms.ChoiceField(
        label=_("Category"),
        required=False,
        choices=[("", _("All categories")), *RewardCategory.choices],
    )
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=SORTS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs.update(
            {"type": "search", "placeholder": _("Spa, theatre, shift…")}
        )


class ConfirmForm(forms.Form):
    """The confirm button's form: its key makes a double submit buy once."""

    form_key = forms.CharField(
        widget=forms.HiddenInput,
        max_length=64,
        error_messages={"required": _("This form has expired. Please send it again.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("form_key", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for rejecting"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": "500"}),
        error_messages={"required": _("Say why, so the employee knows.")},
    )


class HRRedemptionFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=[("", _("All states")), *RedemptionState.choices]
    )
    team = forms.ModelChoiceField(
        label=_("Team"),
        required=False,
        queryset=Team.objects.order_by("name"),
        empty_label=_("All teams"),
    )
    reward = forms.ModelChoiceField(
        label=_("Reward"),
        required=False,
        queryset=Reward.objects.all(),
        empty_label=_("All rewards"),
    )
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
