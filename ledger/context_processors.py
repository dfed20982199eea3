"""What every signed-in page's header shows: the wallet's available points and any held
(read only when a page uses them)."""

from __future__ import annotations

import functools
from typing import Any

from django.http import HttpRequest

from .selectors import leaver_notice_for, wallet_summary


def header(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # The template engine calls a callable variable; the cache makes it one query per page.
    # `header_balance` is what can be spent (available); `header_wallet` has balance and held.
    wallet = functools.cache(lambda: wallet_summary(user=user))
    # Only the wallet and market pages include the leaver's notice (includes/leaver_notice.html).
    notice = functools.cache(lambda: leaver_notice_for(user=user))
    return {
        "header_balance": lambda: wallet().available,
        "header_wallet": wallet,
        "leaver_notice": notice,
    }
