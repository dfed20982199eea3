"""HTML forms of the drawing pages. They shape input; the drawing services decide what is allowed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import DrawingRule, Reward
from .services import MAX_BID


class BidForm(forms.Form):
    amount = forms.IntegerField(label=_("Your bid (points)"), min_value=1, max_value=MAX_BID)


class DrawingCreateForm(forms.Form):
    reward = forms.ModelChoiceField(
        label=_("Reward"),
        queryset=Reward.objects.filter(active=True, stock__gte=1).order_by("name_fi"),
        help_text=_(
            "Only active rewards with limited stock; all of the stock goes to the drawing."
        ),
    )
    rule = forms.ChoiceField(label=_("Rule"), choices=DrawingRule.choices)
    opens_at = forms.DateTimeField(
        label=_("Opens at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Empty: now."),
    )
    closes_at = forms.DateTimeField(
        label=_("Closes at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    floor = forms.IntegerField(
        label=_("Floor (points)"),
        required=False,
        min_value=1,
        max_value=MAX_BID,
        help_text=_(
            "Optional. The reserve is the reward's market price when the drawing opens, or this "
            "floor if it is higher."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("opens_at", "closes_at"):
            field = self.fields[name]
            assert isinstance(field, forms.DateTimeField)
            field.input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]  # datetime-local
