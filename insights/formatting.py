"""How the insights pages show numbers and months (the CSV export keeps the raw values)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.utils.formats import date_format, number_format
from django.utils.translation import get_language

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def month_label(month: str) -> str:
    """ "2026-03" as "maalis 2026" in Finnish and "Mar 2026" in English; anything else as it is."""
    match = _MONTH.match(month)
    if not match:
        return month
    day = date(int(match[1]), int(match[2]), 1)
    # Django's short month names: "N" gives Finnish "maalis" (its "M" would be "Maa").
    return date_format(day, "N Y" if (get_language() or "fi").startswith("fi") else "M Y")


def cell(value: Any) -> Any:
    """A table cell for the page: numbers with the language's thousands separator, months named."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return number_format(value, force_grouping=True)
    if isinstance(value, str):
        return month_label(value)
    return value
