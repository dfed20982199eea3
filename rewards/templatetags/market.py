"""Template pieces of the market that other apps' pages show (the goal card on home), so that
`ledger` needs no import of `rewards`."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.formats import number_format

from people.models import User
from rewards.selectors import goal_progress

register = template.Library()


@register.inclusion_tag("rewards/goal_card.html", takes_context=True)
def goal_card(context: dict[str, Any]) -> dict[str, Any]:
    user = context["request"].user
    progress = goal_progress(user=user) if isinstance(user, User) else None
    return {
        "progress": progress,
        "request": context["request"],
        "csrf_token": context.get("csrf_token"),
    }


@register.filter
def signed_percent(value: float | int) -> str:
    """+12 % / −8 % (a real minus sign), as the market shows a price change."""
    value = float(value)
    number = number_format(abs(value), 0 if value.is_integer() else 1)
    if value > 0:
        return f"+{number} %"
    if value < 0:
        return f"−{number} %"
    return "±0 %"
