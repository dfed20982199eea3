"""HTML forms of the ledger pages. They shape input; the services decide what is allowed."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from people.models import EmploymentType, User

from .models import AwardReason


def reason_range_label(reason: AwardReason) -> str:
    return _("%(min)d–%(max)d pts") % {"min": reason.suggested_min, "max": reason.suggested_max}


class RecipientChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        label = obj.name
        if obj.team_id:
            label = f"{label} · {obj.team.name}"
        if obj.employment_type == EmploymentType.AGENCY:
            label = " · ".join([label, str(_("agency staff"))])
        return label


class ReasonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({reason_range_label(obj)})"


class ReasonSelect(forms.Select):
    """A select whose options carry the suggested range, for the points hint (progressive)."""

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(name, value, *args, **kwargs)
        reason = getattr(value, "instance", None)
        if isinstance(reason, AwardReason):
            option["attrs"].update(
                {
                    "data-min": str(reason.suggested_min),
                    "data-max": str(reason.suggested_max),
                    "data-hint": _("Suggested for this reason: %(range)s")
                    % {"range": reason_range_label(reason)},
                }
            )
        return option


class AwardForm(forms.Form):
    recipient = RecipientChoiceField(
        label=_("Who"),
        queryset=User.objects.none(),
        empty_label=_("Choose a team member"),
        error_messages={
            "invalid_choice": _("You can only award points to members of your own teams."),
            "required": _("Choose who gets the points."),
        },
    )
    reason = ReasonChoiceField(
        label=_("Why"),
        queryset=AwardReason.objects.none(),
        empty_label=_("Choose a reason"),
        widget=ReasonSelect,
        error_messages={
            "invalid_choice": _("Choose one of the published reasons."),
            "required": _("Choose a reason."),
        },
    )
    # The cap is the service's rule; the max attribute only spares a round trip in the browser.
    points = forms.IntegerField(
        label=_("Points"),
        min_value=1,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": "1"}),
        help_text=_("Choose a reason to see its suggested range."),
        error_messages={"required": _("How many points?")},
    )
    message = forms.CharField(
        label=_("Message (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": "500"}),
        help_text=_("Say thanks in your own words. Everyone sees it on the recognition feed."),
    )
    form_key = forms.CharField(
        widget=forms.HiddenInput,
        max_length=64,
        error_messages={"required": _("This form has expired. Please send it again.")},
    )

    def __init__(
        self,
        *args: Any,
        members: QuerySet[User],
        reasons: QuerySet[AwardReason],
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("initial", {})
        # A fresh key per rendered form: a double submit of this form awards once.
        kwargs["initial"].setdefault("form_key", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)
        recipient = self.fields["recipient"]
        reason = self.fields["reason"]
        assert isinstance(recipient, forms.ModelChoiceField)
        assert isinstance(reason, forms.ModelChoiceField)
        recipient.queryset = members
        reason.queryset = reasons
        self.fields["points"].widget.attrs["max"] = str(settings.AWARD_MAX_POINTS)


class ColleagueChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} · {obj.team.name}" if obj.team_id else obj.name


class ThanksForm(forms.Form):
    """Thank a colleague: who, for which published reason, and a few words. No points."""

    recipient = ColleagueChoiceField(
        label=_("Whom do you thank?"),
        queryset=User.objects.none(),
        empty_label=_("Choose a colleague"),
        error_messages={
            "invalid_choice": _("Choose a colleague from the list."),
            "required": _("Choose whom you thank."),
        },
    )
    reason = forms.ModelChoiceField(
        label=_("For what"),
        queryset=AwardReason.objects.none(),
        empty_label=_("Choose a reason"),
        error_messages={
            "invalid_choice": _("Choose one of the published reasons."),
            "required": _("Choose a reason."),
        },
    )
    message = forms.CharField(
        label=_("Your thanks"),
        max_length=280,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": "280"}),
        help_text=_("A few words, at most 280 characters. Everyone sees it in the feed."),
        error_messages={"required": _("Say in a few words what you thank for.")},
    )

    def __init__(
        self, *args: Any, colleagues: QuerySet[User], reasons: QuerySet[AwardReason], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        recipient = self.fields["recipient"]
        reason = self.fields["reason"]
        assert isinstance(recipient, forms.ModelChoiceField)
        assert isinstance(reason, forms.ModelChoiceField)
        recipient.queryset = colleagues
        reason.queryset = reasons
