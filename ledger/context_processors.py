"""What every signed-in page's header shows: the wallet balance (read only when a page uses it)."""

from __future__ import annotations

import functools
from typing import Any

from django.http import HttpRequest

from .selectors import balance_of


def header(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # The template engine calls a callable variable; the cache makes it one query per page.
    return {"header_balance": functools.cache(lambda: balance_of(user=user))}
