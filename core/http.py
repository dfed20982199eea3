"""Questions about the project's URLs that more than one app asks."""

from __future__ import annotations

import functools
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest
from django.urls import Resolver404, get_script_prefix, get_urlconf, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme


def referer_path(request: HttpRequest) -> str | None:
    """The path and query of the page a request came from (its Referer), if on this site."""
    referer = request.headers.get("Referer", "")
    if not referer or not url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return None
    parts = urlsplit(referer)
    if not parts.path.startswith("/"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def view_answers_get(path: str) -> bool:
    """Whether the view at `path` answers a GET (a page to land on), as far as can be told.

    Class-based views say so by their methods; function views wrapped in Django's
    `require_http_methods` family (`require_POST`, ...) keep the allowed methods in the
    decorator's closure, which is found by walking the `__wrapped__` chain. Anything else is
    assumed to answer GET. An unknown path does not."""
    try:
        match = resolve(path)
    except Resolver404:
        return False
    func: Any = match.func
    actions = getattr(func, "actions", None)  # a DRF viewset's methods for this route
    if actions is not None:
        return "get" in actions
    view_class = getattr(func, "view_class", None) or getattr(func, "cls", None)
    if view_class is not None:
        methods: list[str] = getattr(func, "view_initkwargs", {}).get(
            "http_method_names"
        ) or getattr(view_class, "http_method_names", [])
        return "get" in methods and hasattr(view_class, "get")
    while func is not None:
        code = getattr(func, "__code__", None)
        if code is not None and "request_method_list" in code.co_freevars and func.__closure__:
            allowed = func.__closure__[code.co_freevars.index("request_method_list")].cell_contents
            return "GET" in allowed
        func = getattr(func, "__wrapped__", None)
    return True


def link(name: str) -> str:
    """`reverse(name)` of a view without arguments, worked out once per script prefix (a money
    write's notification carries one; reversing costs a fifth of a millisecond each time)."""
    return _link(name, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)


@functools.lru_cache(maxsize=256)
def _link(name: str, prefix: str, urlconf: str) -> str:
    return reverse(name, urlconf=urlconf)
