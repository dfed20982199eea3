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


def options_text(options: list[dict[str, Any]]) -> str:
    """Options as HR types them: one per line, "Koko / Size: S, M, L"."""
    return "\n".join(f"{o['name_fi']} / {o['name_en']}: {', '.join(o['choices'])}" for o in options)


def options_parse(text: str) -> list[dict[str, Any]]:
    """The inverse of `options_text`; a line that does not parse is a form error."""
    options = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        names, colon, choices = line.partition(":")
        name_fi, slash, name_en = names.partition("/")
        if not (colon and slash):
            raise forms.ValidationError(
                _('Line %(n)d: write "Finnish name / English name: choice, choice".'),
                params={"n": number},
            )
        options.append(
            {
                "name_fi": name_fi.strip(),
                "name_en": name_en.strip(),
                "choices": [c.strip() for c in choices.split(",") if c.strip()],
            }
        )
    return options


class RewardForm(forms.Form):
    """HR's catalogue form: a reward in both languages, its picture, options, stock and rules."""

    name_fi = forms.CharField(label=_("Name in Finnish"), max_length=120)
    name_en = forms.CharField(label=_("Name in English"), max_length=120)
    description_fi = forms.CharField(
        label=_("Description in Finnish"), required=False, max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip
    description_en = forms.CharField(
        label=_("Description in English"), required=False, max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip
    category = forms.ChoiceField(label=_("Category"), choices=RewardCategory.choices)
    base_price = forms.IntegerField(
        label=_("Base price (points)"), min_value=1, max_value=10_000_000,
        help_text=_("The market moves the price around this, within the band HR sets."),
    )  # fmt: skip
    stock = forms.IntegerField(
        label=_("Stock"), required=False, min_value=0, max_value=1_000_000,
        help_text=_("Leave empty for unlimited."),
    )  # fmt: skip
    needs_approval = forms.BooleanField(
        label=_("A supervisor approves each redemption"), required=False
    )
    active = forms.BooleanField(label=_("On the market"), required=False, initial=True)
    options = forms.CharField(
        label=_("Options the buyer picks"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "Koko / Size: S, M, L, XL"}),
        help_text=_('One per line: "Finnish name / English name: choice, choice, …".'),
    )  # fmt: skip
    approver_note = forms.CharField(
        label=_("Note to the approver"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Shown to whoever approves or hands over a redemption of this reward."),
    )  # fmt: skip
    picture = forms.FileField(
        label=_("Picture"), required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        help_text=_("JPEG, PNG or WebP, at most 8 MB; it is resized for the market."),
    )  # fmt: skip
    picture_remove = forms.BooleanField(label=_("Remove the picture"), required=False)

    def clean_options(self) -> list[dict[str, Any]]:
        return options_parse(self.cleaned_data.get("options") or "")

    @classmethod
    def initial_for(cls, reward: Reward) -> dict[str, Any]:
        fields = [
            "name_fi", "name_en", "description_fi", "description_en", "category", "base_price",
            "stock", "needs_approval", "active", "approver_note",
        ]  # fmt: skip
        return {
            **{name: getattr(reward, name) for name in fields},
            "options": options_text(reward.options),
        }


def option_choices_form(reward: Reward, data: Any = None) -> forms.Form:
    """The confirm page's choice of each option the reward has (hoodie size, bike colour)."""
    form = forms.Form(data)
    for index, option in enumerate(reward.options_shown):
        form.fields[f"option_{index}"] = forms.ChoiceField(
            label=option["name"], choices=[(c, c) for c in option["choices"]]
        )
    return form


class WishForm(forms.Form):
    """A wish's target price: empty for none (the reward is then only watched)."""

    target_price = forms.IntegerField(
        label=_("Target price (points)"),
        required=False,
        min_value=1,
        help_text=_("We tell you when the price falls to this or below."),
    )
