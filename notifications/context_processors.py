"""The bell's unread count, for the header (read only when a page shows the header)."""

from __future__ import annotations

import functools
from typing import Any

from django.http import HttpRequest

from .selectors import unread_count


def bell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"header_unread": functools.cache(lambda: unread_count(user=user))}
