"""Hands the request's client address to `audit_record` without threading it through services."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .services import ip_clean, request_ip


class AuditRequestMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # REMOTE_ADDR only: X-Forwarded-For is whatever the client says unless a trusted proxy
        # rewrites it, and the log must not record a forged address as fact.
        token = request_ip.set(ip_clean(request.META.get("REMOTE_ADDR")))
        try:
            return self.get_response(request)
        finally:
            request_ip.reset(token)
