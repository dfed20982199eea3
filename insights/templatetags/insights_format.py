from __future__ import annotations

from typing import Any

from django import template

from insights.formatting import cell

register = template.Library()


@register.filter(name="insights_cell")
def insights_cell(value: Any) -> Any:
    """A table cell as the page shows it (see insights.formatting.cell)."""
    return cell(value)
