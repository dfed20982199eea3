"""SCIM filters -> parameterised SQL (django-scim2 with scim2-filter-parser), the service
provider's configuration and where it is. Apart from the adapters: django-scim2 imports this
module (by its settings) while it defines the adapters' base classes."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django_scim import exceptions
from django_scim.constants import SchemaURI
from django_scim.filters import FilterQuery
from django_scim.models import SCIMServiceProviderConfig

from people.models import Team, User

ENTERPRISE = SchemaURI.ENTERPRISE_USER


def bad_request(detail: str, scim_type: str = "invalidValue") -> exceptions.BadRequestError:
    return exceptions.BadRequestError(detail, scim_type=scim_type)


def _users() -> type[User]:
    return User


def _teams() -> type[Team]:
    return Team


def base_location(request: HttpRequest | None = None, *args: Any, **kwargs: Any) -> str:
    """Where this server is, as the identity provider reached it (for `meta.location`)."""
    return request.build_absolute_uri("/") if request is not None else "/"


class _Caseless(dict):
    """An attribute map whose lookups ignore case: SCIM attribute names are case-insensitive."""

    def get(self, key: Any, default: Any = None) -> Any:
        return super().get(tuple(part.lower() if part else part for part in key), default)


def _caseless(mapping: dict[tuple[str, str | None, str | None], str]) -> _Caseless:
    return _Caseless(
        {
            tuple(part.lower() if part else part for part in key): value
            for key, value in mapping.items()
        }
    )


class _StrictFilterQuery(FilterQuery):
    """django-scim2's filter (SCIM filter -> parameterised SQL), refusing attributes it cannot
    filter on with 400 invalidFilter instead of ignoring them (which would match everyone)."""

    @classmethod
    def search(cls, filter_query: str, request: HttpRequest | None = None) -> Any:
        query = cls.query_class(filter_query, cls.table_name(), cls.attr_map, cls.joins)
        unknown = [p for p in query.transpiler.attr_paths if cls.attr_map.get(p) is None]
        if unknown or not query.where_sql:
            names = ", ".join(sorted({p.attr_name for p in unknown})) or filter_query
            raise bad_request(f"Cannot filter on: {names}", "invalidFilter")
        sql, params = cls.get_raw_args(query, request)
        return cls.model_getter().objects.raw(sql, params)


class PersonFilterQuery(_StrictFilterQuery):
    model_getter = _users
    attr_map = _caseless(
        {
            # Compared as text: an id that is not a number then matches nothing (no SQL error).
            ("id", None, None): "people_user.id::text",
            ("userName", None, None): "username",
            ("externalId", None, None): "sso_subject",
            ("displayName", None, None): "display_name",
            ("name", "givenName", None): "first_name",
            ("name", "familyName", None): "last_name",
            ("emails", None, None): "email",
            ("emails", "value", None): "email",
            ("active", None, None): "is_active",
            ("employeeNumber", None, ENTERPRISE): "employee_id",
        }
    )


class TeamFilterQuery(_StrictFilterQuery):
    model_getter = _teams
    # Entra ID asks whether someone is a member: `id eq "7" and members eq "42"`.
    joins = ("LEFT JOIN people_user ON people_user.team_id = people_team.id",)
    attr_map = _caseless(
        {
            ("id", None, None): "people_team.id::text",
            ("displayName", None, None): "people_team.name",
            ("members", None, None): "people_user.id::text",
            ("members", "value", None): "people_user.id::text",
        }
    )


# What is stored, per schema: the attributes (and sub-attributes) the Schemas endpoint publishes.
# Everything else an identity provider sends is ignored, so it is not advertised either.
_SERVED: dict[str, dict[str, tuple[str, ...] | None]] = {
    SchemaURI.USER: {
        "userName": None,
        "name": ("familyName", "givenName"),
        "displayName": None,
        "preferredLanguage": None,
        "active": None,
        "emails": ("value", "type"),
        "groups": ("value", "$ref", "display"),
    },
    SchemaURI.GROUP: {"displayName": None, "members": ("value", "$ref")},
    ENTERPRISE: {"employeeNumber": None},
}
_READ_ONLY_DISPLAY = {
    "name": "display",
    "type": "string",
    "multiValued": False,
    "description": "The member's display name.",
    "required": False,
    "caseExact": False,
    "mutability": "readOnly",
    "returned": "default",
    "uniqueness": "none",
}


def _served(schema: dict[str, Any]) -> dict[str, Any]:
    keep = _SERVED.get(schema["id"])
    if keep is None:
        return schema
    attributes = []
    for attribute in schema["attributes"]:
        if attribute["name"] not in keep:
            continue
        attribute = dict(attribute)
        subs = keep[attribute["name"]]
        if subs is not None:
            known = {sub["name"]: sub for sub in attribute.get("subAttributes", [])}
            attribute["subAttributes"] = [known.get(n, _READ_ONLY_DISPLAY) for n in subs]
        if schema["id"] == SchemaURI.GROUP and attribute["name"] == "displayName":
            attribute["required"] = True
        if attribute["name"] == "preferredLanguage":
            attribute["canonicalValues"] = ["fi", "en"]
        if attribute["name"] == "emails":
            attribute["subAttributes"] = [
                {**sub, "canonicalValues": ["work"]} if sub["name"] == "type" else sub
                for sub in attribute["subAttributes"]
            ]
        attributes.append(attribute)
    return {**schema, "attributes": attributes}


def schemas() -> list[dict[str, Any]]:
    """django-scim2's schema documents, cut to what is served, each saying what it is (RFC 7643
    section 7)."""
    from django_scim.schemas import ALL

    return [
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
            **_served(schema),
            "meta": {"resourceType": "Schema", "location": f"/scim/v2/Schemas/{schema['id']}"},
        }
        for schema in ALL
    ]


class ServiceProviderConfig(SCIMServiceProviderConfig):
    def to_dict(self) -> dict[str, Any]:
        config = super().to_dict()
        config.update(
            {
                "filter": {"supported": True, "maxResults": settings.SCIM_MAX_RESULTS},
                "changePassword": {"supported": False},
                "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
            }
        )
        return config


def queryset_post_processor_getter(model: Any) -> Any:
    """A list of users shows each one's team: fetch the teams with them, not one by one."""

    def process(request: HttpRequest, queryset: Any, *args: Any, **kwargs: Any) -> Any:
        return queryset.select_related("team") if model is User else queryset

    return process
