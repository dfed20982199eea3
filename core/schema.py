"""The API's OpenAPI description: every operation documents the typed errors it can answer.

Apart from `core.api` because drf-spectacular's AutoSchema imports DRF's generic views, which
read the settings that name `core.api`'s pagination class: one module would import itself."""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS


class ErrorSerializer(serializers.Serializer):
    """The one shape of every error answer (`core.errors.api_exception_handler`)."""

    code = serializers.CharField(help_text="Stable, machine-readable: e.g. `insufficient_points`.")
    detail = serializers.CharField(help_text="Human-readable, in the language of the request.")
    # DRF's metaclass moves declared fields off the class, so this does not hide `.fields`.
    fields = serializers.DictField(  # type: ignore[assignment]
        required=False, help_text="Invalid input: messages per field."
    )
    extra = serializers.DictField(required=False, help_text="More about the error, by code.")


class ApiSchema(AutoSchema):
    """Documents, on every operation, the typed errors it can answer with, so the schema lists
    every status code a client can meet: 401/403/429 anywhere, 404 on an object (in the path
    or the body) or a page number, 400 on input (a body or query parameters), 409 on writes (a
    domain refusal). What an operation declares itself is kept."""

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        bodies: dict[str, Any] = super()._get_response_bodies(direction)
        writes = self.method not in SAFE_METHODS
        has_query = bool(self._get_paginator()) or any(
            p.get("in") == "query" for p in self._get_parameters()
        )
        codes = ["401", "403", "429"]
        if writes or has_query:
            codes.append("400")
        if writes or "{" in self.path or has_query:
            codes.append("404")
        if writes:
            codes.append("409")
        for code in codes:
            if code not in bodies:
                bodies[code] = self._get_response_for_code(
                    ErrorSerializer, code, direction=direction
                )
        return dict(sorted(bodies.items()))
