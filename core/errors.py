"""Typed application errors with stable codes, and the one DRF handler that renders them.

Every refusal the domain makes is an `ApplicationError` subclass with a class-level `code` and
`http_status`. The API renders it as `{"code", "detail", "extra"}`; HTML views show `message`.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from rest_framework import exceptions as drf_exceptions
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from core.http import referer_path

from .parsers import JSONTooDeepError, PayloadTooLargeError


class ApplicationError(Exception):
    code: str = "application_error"
    http_status: int = status.HTTP_409_CONFLICT
    default_message: Any = _("The request could not be completed.")

    def __init__(self, message: Any = None, *, extra: dict[str, Any] | None = None) -> None:
        self.message = str(message if message is not None else self.default_message)
        self.extra = extra or {}
        super().__init__(self.message)


class InvalidInputError(ApplicationError):
    code = "invalid"
    http_status = status.HTTP_400_BAD_REQUEST
    default_message = _("Invalid input.")

    def __init__(
        self, message: Any = None, *, fields: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(message, **kwargs)
        self.fields = fields or {}


class PermissionDeniedError(ApplicationError):
    code = "permission_denied"
    http_status = status.HTTP_403_FORBIDDEN
    default_message = _("You do not have permission to do this.")


class NotFoundError(ApplicationError):
    code = "not_found"
    http_status = status.HTTP_404_NOT_FOUND
    default_message = _("Not found.")


class ConflictError(ApplicationError):
    code = "conflict"
    http_status = status.HTTP_409_CONFLICT


class IdempotencyKeyReusedError(ConflictError):
    code = "idempotency_key_reused"
    default_message = _(
        "This Idempotency-Key was already used with a different request. Use a new key."
    )


def _error_body(code: str, detail: Any, **more: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "detail": str(detail)}
    body.update({k: v for k, v in more.items() if v})
    return body


# DRF's own exceptions, mapped to our stable codes (the first match wins: subclasses first).
_DRF_CODES: dict[type[Exception], str] = {
    JSONTooDeepError: "json_too_deep",
    PayloadTooLargeError: "payload_too_large",
    drf_exceptions.NotAuthenticated: "not_authenticated",
    drf_exceptions.AuthenticationFailed: "authentication_failed",
    drf_exceptions.PermissionDenied: "permission_denied",
    drf_exceptions.NotFound: "not_found",
    drf_exceptions.MethodNotAllowed: "method_not_allowed",
    drf_exceptions.NotAcceptable: "not_acceptable",
    drf_exceptions.UnsupportedMediaType: "unsupported_media_type",
    drf_exceptions.Throttled: "rate_limited",
    drf_exceptions.ParseError: "malformed_request",
}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Render every error as JSON with a stable `code` and a human-readable `detail`."""
    if isinstance(exc, InvalidInputError):
        return Response(
            _error_body(exc.code, exc.message, fields=exc.fields, extra=exc.extra),
            status=exc.http_status,
        )
    if isinstance(exc, ApplicationError):
        return Response(_error_body(exc.code, exc.message, extra=exc.extra), status=exc.http_status)
    if isinstance(exc, DjangoValidationError):
        messages: Any = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        return Response(
            _error_body("invalid", _("Invalid input."), fields=messages),
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, RequestDataTooBig):  # Django's own size limit, met before any parser
        exc = PayloadTooLargeError()
    elif isinstance(exc, SuspiciousOperation | BadRequest | MultiPartParserError):
        # A body Django itself could not read (a broken multipart form, too many fields), met
        # while DRF checks the CSRF token: answer like any unreadable body, not with an HTML page.
        if isinstance(exc, SuspiciousOperation):
            # What Django's own handler would log, so the security log still sees it.
            logging.getLogger(f"django.security.{exc.__class__.__name__}").error(str(exc))
        exc = drf_exceptions.ParseError()
    if isinstance(exc, Http404):
        exc = drf_exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = drf_exceptions.PermissionDenied()

    response = exception_handler(exc, context)
    if response is None:
        return None  # an unexpected error: let it surface as a 500 and be logged
    if isinstance(exc, drf_exceptions.ValidationError):
        fields: Any = (
            exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        )
        response.data = _error_body("invalid", _("Invalid input."), fields=fields)
        return response
    # A DRF exception of ours may name its own code (people.authentication.TokenExpired).
    code = getattr(exc, "error_code", None) or next(
        (c for t, c in _DRF_CODES.items() if isinstance(exc, t)), "error"
    )
    detail = getattr(exc, "detail", str(exc))
    throttled = isinstance(exc, drf_exceptions.Throttled)
    extra = {"wait_seconds": getattr(exc, "wait", None)} if throttled else None
    response.data = _error_body(code, detail, extra=extra)
    return response


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """An unknown address under `/api/` answers in the API's error format; pages get the page."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            _error_body("not_found", _("Not found.")), status=status.HTTP_404_NOT_FOUND
        )
    return defaults.page_not_found(request, exception)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A refused form (expired page, lost cookie) in the site's own words, never Django's
    English debug page; the API answers in its error format."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            _error_body("csrf_failed", _("CSRF check failed: reload the page and try again.")),
            status=status.HTTP_403_FORBIDDEN,
        )
    return render(
        request,
        "csrf_failure.html",
        {"back_url": referer_path(request) or reverse("home")},
        status=403,
    )
