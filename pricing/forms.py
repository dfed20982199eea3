"""HTML forms of HR's pricing pages. They shape input (numbers, times, choices); the services
decide what is allowed (parameters_validate, sale_create)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from rewards.models import Reward, RewardCategory

from .models import ParameterSet
from .services import PARAMETER_FIELDS

# name: (label, help text). The same words describe the parameters in force on the page.
PARAMETER_TEXTS: dict[str, tuple[Any, Any]] = {
    "s": (
        _("Smoothing s"),
        _("Added to every reward's demand, so one redemption more or less does not swing prices."),
    ),
    "eta": (
        _("Sensitivity η"),
        _("How strongly demand above or below the average moves a price."),
    ),
    "lam": (
        _("Drift back to base λ"),
        _("Share of the distance to the base price taken back each tick (0.1 = a tenth)."),
    ),
    "delta": (
        _("Step cap δ"),
        _("Largest move of ln(price) in one tick: ln 1.1 = 0.0953 means at most ±10 %."),
    ),
    "m_min": (_("Floor"), _("Lowest price as a multiple of the base price (0.5 = half).")),
    "m_max": (_("Ceiling"), _("Highest price as a multiple of the base price (2 = double).")),
    "tick_seconds": (
        _("Tick period (seconds)"),
        _("How often prices are recalculated: 86400 = once a day, 3600 = every hour."),
    ),
    "quote_validity_seconds": (
        _("Price promise (seconds)"),
        _("How long a quoted price holds: 900 = 15 minutes."),
    ),
}


class ParametersForm(forms.Form):
    """All parameters (the ones in force as initial values) and an optional note."""

    s = forms.FloatField()
    eta = forms.FloatField()
    lam = forms.FloatField()
    delta = forms.FloatField()
    m_min = forms.FloatField()
    m_max = forms.FloatField()
    tick_seconds = forms.IntegerField()
    quote_validity_seconds = forms.IntegerField()
    note = forms.CharField(
        label=_("Note (optional)"),
        help_text=_("Why the change: kept in the version history."),
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"maxlength": "500"}),
    )

    def __init__(self, *args: Any, current: ParameterSet, **kwargs: Any) -> None:
        # Shown to 4 significant digits (δ = ln 1.1 is 0.09531, not 0.09531017980432493); a
        # shown value sent back unchanged keeps the exact value in force (see clean()).
        self._current = {name: getattr(current, name) for name in PARAMETER_FIELDS}
        kwargs.setdefault("initial", {name: _shown(value) for name, value in self._current.items()})
        super().__init__(*args, **kwargs)
        for name in PARAMETER_FIELDS:
            field = self.fields[name]
            field.label, field.help_text = PARAMETER_TEXTS[name]
            field.widget.attrs.update({"step": "any", "inputmode": "decimal"})
            if isinstance(field, forms.IntegerField):
                field.widget.attrs.update({"step": "1", "inputmode": "numeric"})
            field.error_messages["required"] = _("Give a number.")
            field.error_messages["invalid"] = _("Give a number.")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name, exact in self._current.items():
            if name in cleaned and isinstance(exact, float) and cleaned[name] == _shown(exact):
                cleaned[name] = exact
        return cleaned

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in PARAMETER_FIELDS}


def _shown(value: Any) -> Any:
    """A parameter as the form shows it: floats to 4 significant digits."""
    return float(f"{value:.4g}") if isinstance(value, float) else value


DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format=DATETIME_LOCAL, **kwargs)


class SaleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    discount = forms.DecimalField(
        label=_("Discount (%)"),
        help_text=_("20 means people pay 0.8 × the market price. From 1 to 99."),
        min_value=Decimal("1"),
        max_value=Decimal("99"),
        decimal_places=1,
        widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}),
    )
    starts_at = forms.DateTimeField(
        label=_("Starts"), input_formats=[DATETIME_LOCAL], widget=LocalDateTimeInput()
    )
    ends_at = forms.DateTimeField(
        label=_("Ends"), input_formats=[DATETIME_LOCAL], widget=LocalDateTimeInput()
    )
    all_rewards = forms.BooleanField(label=_("All rewards"), required=False)
    categories = forms.MultipleChoiceField(
        label=_("Categories"),
        required=False,
        choices=RewardCategory.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    rewards = forms.ModelMultipleChoiceField(
        label=_("Rewards"),
        required=False,
        queryset=Reward.objects.filter(active=True).order_by("name_fi", "id"),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rewards"].label_from_instance = lambda reward: reward.name  # type: ignore[attr-defined]

    @property
    def multiplier(self) -> Decimal:
        return (Decimal(1) - self.cleaned_data["discount"] / 100).quantize(Decimal("0.001"))
