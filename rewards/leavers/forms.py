"""HR's form for the leaver policy (the service checks the rules; the form only parses)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import LeaverMode, Reward
from .services import MAX_GRACE_DAYS


class LeaverPolicyForm(forms.Form):
    mode = forms.ChoiceField(
        label=_("What happens to a leaver's points"), choices=LeaverMode.choices
    )
    grace_days = forms.IntegerField(
        label=_("Grace period (days)"),
        min_value=0,
        max_value=MAX_GRACE_DAYS,
        help_text=_("Under 'keep': how long after the last working day the points are kept."),
    )
    convert_reward = forms.ModelChoiceField(
        label=_("Reward to convert to"),
        queryset=Reward.objects.filter(active=True).order_by("name_en"),
        required=False,
        help_text=_(
            "Under 'convert': the free points buy as many of it as they cover at its price then; "
            "the remainder lapses."
        ),
    )
