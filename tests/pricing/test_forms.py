"""The parameters form shows floats rounded for people and keeps the exact values in force."""

from __future__ import annotations

import math

import pytest
from django.utils import timezone

from pricing.forms import ParametersForm
from pricing.services import PARAMETER_FIELDS
from pricing.windows import default_parameters


def _posted(form: ParametersForm, **changes: object) -> dict[str, object]:
    data = {name: form.initial[name] for name in PARAMETER_FIELDS}
    data.update(changes)
    return {name: str(value) for name, value in data.items()}


@pytest.mark.django_db
def test_step_cap_is_shown_to_four_significant_digits() -> None:
    current = default_parameters(effective_from=timezone.now())
    current.delta = math.log(1.1)
    form = ParametersForm(current=current)
    assert form.initial["delta"] == 0.09531
    assert 'value="0.09531"' in str(form["delta"])


@pytest.mark.django_db
def test_an_unchanged_rounded_value_keeps_the_exact_value_in_force() -> None:
    current = default_parameters(effective_from=timezone.now())
    current.delta = math.log(1.1)
    shown = ParametersForm(current=current)
    form = ParametersForm(_posted(shown), current=current)
    assert form.is_valid(), form.errors
    assert form.values()["delta"] == math.log(1.1)


@pytest.mark.django_db
def test_a_changed_value_is_taken_as_typed() -> None:
    current = default_parameters(effective_from=timezone.now())
    current.delta = math.log(1.1)
    shown = ParametersForm(current=current)
    form = ParametersForm(_posted(shown, delta="0.0953"), current=current)
    assert form.is_valid(), form.errors
    assert form.values()["delta"] == 0.0953
