"""Small pieces shared by every app's API: pagination, strict number fields, permissions."""

from __future__ import annotations

import copy
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from core.validators import is_whole_number

MAX_POINTS = 1_000_000_000
"""No single movement of points is larger than this; keeps every amount far from int64 limits."""


class FieldsOnceMixin:
    """For a `ModelSerializer` on a hot path: build its fields from the model once per class,
    then hand each instance a copy.

    DRF builds a ModelSerializer's fields from the model's metadata for every instance (for every
    nested one too): on the award, quote and redemption answers that cost more CPU than their
    SQL (issue 11's profile). The fields of these serializers depend on nothing but the class
    (no `get_fields` of theirs reads the context or the instance), so the first build is kept,
    unbound, and copied the way DRF copies declared fields (`Field.__deepcopy__` builds each anew
    from its arguments, sharing validators)."""

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        cls = type(self)
        built = cls.__dict__.get("_fields_built")  # this class's own, never a parent's
        if built is None:
            built = super().get_fields()  # type: ignore[misc]
            cls._fields_built = copy.deepcopy(built)  # type: ignore[attr-defined]
            return built
        return copy.deepcopy(built)


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200


class WholeNumberField(serializers.IntegerField):
    """A whole number from 1 to `largest`, given as a JSON integer.

    DRF's IntegerField accepts "10" and 10.0; money and ids do not: a string or a float is
    refused, so a client bug cannot slip through as a silent conversion.
    """

    largest = MAX_POINTS
    default_error_messages = {"not_integer": _("Must be a whole number (a JSON integer).")}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", self.largest)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> int:
        if not is_whole_number(data):
            self.fail("not_integer")
        return super().to_internal_value(data)


class PointsField(WholeNumberField):
    """A positive whole number of points, given as a JSON integer."""

    default_error_messages = {
        "not_integer": _("Points must be a whole number (a JSON integer)."),
    }


MAX_ID = 2**63 - 1


class IdField(WholeNumberField):
    """A primary key given as a JSON integer; anything out of range is a 400, never a DB error."""

    largest = MAX_ID
    default_error_messages = {"not_integer": _("Must be an id (a JSON integer).")}


class IsHR(BasePermission):
    """HR (and Django superusers) run the market."""

    message = _("Only HR can do this.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(
            request.user and request.user.is_authenticated and getattr(request.user, "is_hr", False)
        )


class IsHROrReadOnly(IsHR):
    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method in SAFE_METHODS:
            return bool(request.user and request.user.is_authenticated)
        return super().has_permission(request, view)


def idempotency_key_from(request: Request) -> str | None:
    return request.headers.get("Idempotency-Key")
