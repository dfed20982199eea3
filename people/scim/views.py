"""django-scim2's views, with this app's refusals turned into SCIM errors (never a 500 for bad
input): domain errors from the services, ids that are not ids, bodies too large or too deep."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import DataError, transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django_scim import exceptions, views

from core.errors import ApplicationError, ConflictError, InvalidInputError
from core.parsers import json_depth, json_max_depth

from .auth import scim_error, scim_refusal


class PayloadTooLargeError(exceptions.SCIMException):
    status = 413


def _translated(handler: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    def wrapped(self: Any, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return handler(self, request, *args, **kwargs)
        except ConflictError as exc:
            raise exceptions.IntegrityError(exc.message, scim_type="uniqueness") from exc
        except InvalidInputError as exc:
            fields = "; ".join(
                f"{name}: {' '.join(map(str, messages))}" for name, messages in exc.fields.items()
            )
            detail = f"{exc.message} {fields}".strip()
            raise exceptions.BadRequestError(detail, scim_type="invalidValue") from exc
        except ApplicationError as exc:
            raise exceptions.SCIMException(exc.message, status=exc.http_status) from exc
        except RequestDataTooBig as exc:
            raise PayloadTooLargeError("The request body is too large.") from exc

    return wrapped


class _ScimView:
    """What the Users and Groups views share; put first in their bases."""

    def status_501(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return scim_error(501, "Not implemented here.")

    model_cls: Any
    kwargs: dict[str, Any]
    request: HttpRequest

    def get_object(self) -> Any:
        uuid = str(self.kwargs.get("uuid", ""))
        # The ids are primary keys: anything else names nothing (and must not reach the query).
        if not uuid.isdigit() or len(uuid) > 18:
            raise exceptions.NotFoundError(uuid[:100])
        return super().get_object()  # type: ignore[misc]

    def load_body(self, body: bytes) -> Any:
        if len(body) > settings.SCIM_MAX_BODY_BYTES:
            raise PayloadTooLargeError("The request body is too large.")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise exceptions.BadRequestError("The body is not UTF-8.") from exc
        if json_depth(text) > json_max_depth():
            raise exceptions.BadRequestError("The JSON is nested too deeply.")
        try:
            data = json.loads(text.strip() or "{}")
        except ValueError as exc:
            raise exceptions.BadRequestError("Could not decode the JSON body.") from exc
        if not isinstance(data, dict):
            raise exceptions.BadRequestError("The body must be a JSON object.")
        return data

    def _search(self, request: HttpRequest, query: str, start: int, count: int) -> HttpResponse:
        try:
            with transaction.atomic():  # a failed query must not spoil an outer transaction
                return super()._search(request, query, start, count)  # type: ignore[misc]
        except DataError as exc:  # e.g. `active eq "maybe"`: PostgreSQL refuses the value
            raise exceptions.BadRequestError(
                "A value in the filter has the wrong type.", scim_type="invalidFilter"
            ) from exc

    def _page(self, request: HttpRequest) -> tuple[int, int]:
        start, count = super()._page(request)  # type: ignore[misc]
        return start, max(0, min(count, settings.SCIM_MAX_RESULTS))

    @_translated
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return super().get(request, *args, **kwargs)  # type: ignore[misc]

    @_translated
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if kwargs.get("uuid"):
            raise exceptions.SCIMException("POST goes to the collection.", status=405)
        return super().post(request, *args, **kwargs)  # type: ignore[misc]

    @_translated
    def put(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not kwargs.get("uuid"):
            raise exceptions.SCIMException("PUT needs a resource id.", status=405)
        return super().put(request, *args, **kwargs)  # type: ignore[misc]

    @_translated
    def patch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not kwargs.get("uuid"):
            raise exceptions.SCIMException("PATCH needs a resource id.", status=405)
        return super().patch(request, *args, **kwargs)  # type: ignore[misc]

    @_translated
    def delete(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not kwargs.get("uuid"):
            raise exceptions.SCIMException("DELETE needs a resource id.", status=405)
        return super().delete(request, *args, **kwargs)  # type: ignore[misc]


class UsersView(_ScimView, views.UsersView):
    pass


class GroupsView(_ScimView, views.GroupsView):
    pass


class UserSearchView(_ScimView, views.UserSearchView):
    pass


class GroupSearchView(_ScimView, views.GroupSearchView):
    pass


def _discovery(response: HttpResponse, what: str) -> HttpResponse:
    """The library's discovery answer, made complete: a list states its `totalResults` (RFC 7644
    3.4.2), and an unknown id is a SCIM error, not an empty 404."""
    if response.status_code == 404:
        error = exceptions.NotFoundError(what)
        return HttpResponse(
            json.dumps(error.to_dict()), status=404, content_type=response["Content-Type"]
        )
    body = json.loads(response.content)
    if "Resources" in body:
        body.update(
            totalResults=len(body["Resources"]),
            itemsPerPage=len(body["Resources"]),
            startIndex=1,
        )
        response.content = json.dumps(body).encode()
    return response


class ResourceTypesView(views.ResourceTypesView):
    def get(self, request: HttpRequest, uuid: str | None = None, *args: Any, **kwargs: Any) -> Any:
        return _discovery(super().get(request, uuid, *args, **kwargs), str(uuid)[:100])


class SchemasView(views.SchemasView):
    def get(self, request: HttpRequest, uuid: str | None = None, *args: Any, **kwargs: Any) -> Any:
        return _discovery(super().get(request, uuid, *args, **kwargs), str(uuid)[:100])


class NotImplementedView(_ScimView, views.SCIMView):
    """The root, root search, /Me and /Bulk: not offered (ServiceProviderConfig says so)."""

    implemented = False


@csrf_exempt
def unknown_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """Any other address under /scim/v2/: a SCIM 404 (after the token check, as everywhere)."""
    return scim_refusal(request) or scim_error(404, "No such SCIM endpoint.")


class ServiceProviderConfigView(views.ServiceProviderConfigView):
    pass
