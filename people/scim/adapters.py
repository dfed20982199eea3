"""SCIM resources <-> people and teams (django-scim2's adapters, filter queries and config).

Users are `people.User`, Groups are `people.Team`; the mapping (README "Provisioning"):

    id                      pk (as a string)
    userName                username
    externalId              sso_subject (the identity provider's id for the person)
    name.givenName          first_name
    name.familyName         last_name
    displayName             display_name
    emails (primary/work)   email
    active                  is_active (False deactivates: tokens revoked, the ledger stays)
    preferredLanguage       preferred_language ("fi-FI" -> fi, "en-US" -> en; others ignored;
                            Okta's `locale` when no preferredLanguage is given)
    enterprise employeeNumber   employee_id
    groups (read only)      team (one per person)
    Group displayName       Team.name;  Group members <-> the team's members

Attributes this app has no field for are ignored (Entra ID and Okta send many); a `password` is
ignored too (people provisioned here sign in by single sign-on). The adapters parse and check the
request; every write goes through `people.services`.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django_scim.adapters import SCIMGroup, SCIMUser
from django_scim.constants import SchemaURI

from people import services
from people.models import Language, Team, User

from .filters import ENTERPRISE, PersonFilterQuery, TeamFilterQuery, bad_request, base_location

_PREFIXES = (SchemaURI.USER.lower() + ":", SchemaURI.GROUP.lower() + ":")


# --- Parsing request values -------------------------------------------------------------------


def _text(value: Any, attr: str, *, max_length: int, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise bad_request(f'"{attr}" must be a string.')
    value = value.strip()
    if required and not value:
        raise bad_request(f'"{attr}" is required.')
    if len(value) > max_length:
        raise bad_request(f'"{attr}" is longer than {max_length} characters.')
    return value


def _optional_id(value: Any, attr: str, *, max_length: int) -> str | None:
    """A unique id (employee id, external id): blank means none, so two blanks never clash."""
    return _text(value, attr, max_length=max_length) or None


def _boolean(value: Any, attr: str) -> bool:
    # Entra ID sends "True"/"False" as strings in PATCH operations.
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise bad_request(f'"{attr}" must be true or false.')


def _email(value: Any) -> str:
    """The primary (else work, else first) address of an `emails` list; a dict or a string is
    taken as the one address (OneLogin and Entra ID's filtered paths send those)."""
    if isinstance(value, list):
        entries = [entry for entry in value if isinstance(entry, dict)]
        if len(entries) != len(value):
            raise bad_request('"emails" must be a list of objects.')
        chosen = (
            next((e for e in entries if e.get("primary") in (True, "true", "True")), None)
            or next((e for e in entries if str(e.get("type", "")).lower() == "work"), None)
            or (entries[0] if entries else {"value": ""})
        )
        value = chosen.get("value")
    elif isinstance(value, dict):
        value = value.get("value")
    email = _text(value, "emails", max_length=254)
    if email:
        try:
            EmailValidator()(email)
        except ValidationError as exc:
            raise bad_request("Invalid e-mail address.") from exc
    return email


def _language(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    code = re.split(r"[-_]", value.strip().lower(), maxsplit=1)[0]
    return code if code in Language.values else None


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _path_key(path: str) -> str:
    """A PATCH path or attribute name, lower-cased, the core schema's URN prefix removed and the
    enterprise extension's shortened to "enterprise:"."""
    key = path.strip().lower()
    for prefix in _PREFIXES:
        if key.startswith(prefix):
            key = key[len(prefix) :]
    enterprise = ENTERPRISE.lower()
    if key.startswith(enterprise):
        key = "enterprise" + key[len(enterprise) :]
    return key


def _selectors(text: str) -> set[str]:
    return {_path_key(name) for name in text.split(",") if name.strip()}


def _pick(value: Any, subs: set[str], keep: bool) -> Any:
    def one(item: Any) -> Any:
        if not isinstance(item, dict):
            return item
        return {k: v for k, v in item.items() if (k.lower() in subs) == keep}

    return [one(item) for item in value] if isinstance(value, list) else one(value)


def _project(d: dict[str, Any], request: HttpRequest | None) -> dict[str, Any]:
    """Apply `attributes` / `excludedAttributes` (RFC 7644 3.4.2.5); id, schemas and meta are
    always returned."""
    if request is None:
        return d
    include = _selectors(request.GET.get("attributes", ""))
    exclude = _selectors(request.GET.get("excludedAttributes", ""))
    if not include and not exclude:
        return d
    out: dict[str, Any] = {}
    for key, value in d.items():
        top = _path_key(key)
        if top in ("schemas", "id", "meta"):
            out[key] = value
            continue
        chosen = include or exclude
        subs = {sel[len(top) + 1 :] for sel in chosen if sel.startswith((f"{top}.", f"{top}:"))}
        if include:
            if top in include:
                out[key] = value
            elif subs:
                out[key] = _pick(value, subs, keep=True)
        elif top not in exclude:
            out[key] = _pick(value, subs, keep=False) if subs else value
    return out


class _Mixin:
    id_field = "pk"
    obj: Any
    request: HttpRequest

    @property
    def location(self) -> str:
        return urljoin(base_location(self.request), self.path)  # type: ignore[attr-defined]

    def validate_dict(self, d: dict[str, Any]) -> None:
        if not isinstance(d, dict):
            raise bad_request("The body must be a JSON object.")

    def handle_operations(self, operations: Any) -> None:
        """Apply PATCH operations (RFC 7644 3.5.2) as one write: `op` in any case, with or
        without `path` (Okta sends `{"op": "replace", "value": {"active": false}}`)."""
        if not isinstance(operations, list):
            raise bad_request('"Operations" must be a list.')
        self._begin()
        for operation in operations:
            if not isinstance(operation, dict):
                raise bad_request("Each operation must be an object.")
            op = str(operation.get("op", "")).lower()
            if op not in ("add", "replace", "remove"):
                raise bad_request(f'Unknown PATCH op "{operation.get("op")}".')
            path = operation.get("path")
            value = operation.get("value")
            if path is not None and not isinstance(path, str):
                raise bad_request('"path" must be a string.', "invalidPath")
            if not path:
                if op == "remove":
                    raise bad_request('"remove" needs a "path".', "noTarget")
                if not isinstance(value, dict):
                    raise bad_request("Without a path the value must be an object.", "invalidValue")
                for name, item in value.items():
                    self._patch(op, str(name), item)
            else:
                self._patch(op, path, value)
        self._commit()

    def _begin(self) -> None:
        raise NotImplementedError

    def _patch(self, op: str, path: str, value: Any) -> None:
        raise NotImplementedError

    def _commit(self) -> None:
        raise NotImplementedError


# --- Users ------------------------------------------------------------------------------------


class PersonAdapter(_Mixin, SCIMUser):
    url_name = "scim:users"
    ATTR_MAP = PersonFilterQuery.attr_map
    obj: User

    def __init__(self, obj: User, request: HttpRequest | None = None) -> None:
        super().__init__(obj, request=request)
        self.changes: dict[str, Any] = {}
        self.active: bool | None = None
        self.language_given = False

    @property
    def display_name(self) -> str:
        return self.obj.name

    def to_dict(self) -> dict[str, Any]:
        person = self.obj
        d: dict[str, Any] = {
            "schemas": [SchemaURI.USER, ENTERPRISE],
            "id": str(person.pk),
            "userName": person.username,
            "displayName": person.name,
            "emails": ([{"value": person.email, "type": "work"}] if person.email else []),
            "active": person.is_active,
            "preferredLanguage": person.preferred_language,
            "groups": self.groups,
            "meta": {
                "resourceType": "User",
                "created": _iso(person.date_joined),
                "lastModified": _iso(person.date_joined),
                "location": self.location,
            },
        }
        if person.sso_subject:
            d["externalId"] = person.sso_subject
        # Unset values are left out (RFC 7643 2.5), empty objects included.
        name = {"givenName": person.first_name, "familyName": person.last_name}
        if any(name.values()):
            d["name"] = {key: value for key, value in name.items() if value}
        if person.employee_id:
            d[ENTERPRISE] = {"employeeNumber": person.employee_id}
        return _project(d, self._request)

    @property
    def groups(self) -> list[dict[str, Any]]:
        team = self.obj.team
        if team is None:
            return []
        group = TeamAdapter(team, request=self.request)
        return [{"value": group.id, "$ref": group.location, "display": team.name}]

    @classmethod
    def resource_type_dict(cls, request: HttpRequest | None = None) -> dict[str, Any]:
        d = super().resource_type_dict(request)
        d["endpoint"] = "/Users"  # relative to the base URL (RFC 7643 section 6)
        d["schemaExtensions"] = [{"schema": ENTERPRISE, "required": False}]
        return d

    # POST and PUT: the whole resource. Attributes left out of a PUT keep their values (an
    # identity provider sends what it manages; HR's employee ids are not wiped by omission).
    def from_dict(self, d: dict[str, Any]) -> None:
        self.validate_dict(d)
        self._begin()
        for name, value in d.items():
            key = _path_key(str(name))
            if key == "enterprise" and isinstance(value, dict):
                for sub, item in value.items():
                    self._set(f"enterprise:{sub.lower()}", item)
            elif key == "name" and isinstance(value, dict):
                for sub, item in value.items():
                    self._set(f"name.{sub.lower()}", item)
            else:
                self._set(key, value)
        if "username" not in self.changes:
            raise bad_request('"userName" is required.')

    def _begin(self) -> None:
        self.changes = {}
        self.active = None
        self.language_given = False

    def _set(self, key: str, value: Any) -> None:
        """Record one attribute's new value (`key` from `_path_key`); unknown ones are ignored."""
        if key == "username":
            self.changes["username"] = _text(value, "userName", max_length=150, required=True)
        elif key == "externalid":
            self.changes["sso_subject"] = _optional_id(value, "externalId", max_length=255)
        elif key == "displayname":
            self.changes["display_name"] = _text(value, "displayName", max_length=150)
        elif key == "name.givenname":
            self.changes["first_name"] = _text(value, "name.givenName", max_length=150)
        elif key == "name.familyname":
            self.changes["last_name"] = _text(value, "name.familyName", max_length=150)
        elif key == "name":
            if not isinstance(value, dict):
                raise bad_request('"name" must be an object.')
            for sub, item in value.items():
                self._set(f"name.{str(sub).lower()}", item)
        elif key == "emails" or (key.startswith("emails[") and key.endswith("].value")):
            self.changes["email"] = _email(value)
        elif key == "emails.value":
            self.changes["email"] = _email({"value": value})
        elif key == "active":
            self.active = _boolean(value, "active")
        elif key in ("preferredlanguage", "locale"):
            # preferredLanguage wins; Okta sends only its `locale` ("en-US").
            language = _language(value)
            if language and (key == "preferredlanguage" or not self.language_given):
                self.changes["preferred_language"] = language
                self.language_given = key == "preferredlanguage"
        elif key in ("enterprise:employeenumber", "employeenumber"):
            self.changes["employee_id"] = _optional_id(value, "employeeNumber", max_length=64)
        elif key == "enterprise":
            if not isinstance(value, dict):
                raise bad_request(f'"{ENTERPRISE}" must be an object.')
            for sub, item in value.items():
                self._set(f"enterprise:{str(sub).lower()}", item)

    def _patch(self, op: str, path: str, value: Any) -> None:
        key = _path_key(path)
        if op != "remove":
            self._set(key, value)
        elif key in ("username", "active"):
            raise bad_request(f'"{path}" cannot be removed.', "mutability")
        elif key == "emails" or key.startswith("emails"):
            self.changes["email"] = ""
        elif key == "name":
            self.changes.update(first_name="", last_name="")
        elif key == "enterprise":
            self.changes["employee_id"] = None
        else:
            self._set(key, None)

    def _commit(self) -> None:
        self.save()

    def save(self) -> None:
        changes = dict(self.changes)
        if self.obj.pk is None:
            if not changes.get("display_name"):
                full = " ".join(
                    p for p in (changes.get("first_name"), changes.get("last_name")) if p
                )
                changes["display_name"] = full or changes["username"]
            self.obj = services.person_scim_create(
                active=self.active if self.active is not None else True, **changes
            )
        else:
            if changes.get("display_name") == "":
                changes.pop("display_name")  # a person always has a name to show
            self.obj = services.person_scim_update(person=self.obj, active=self.active, **changes)

    def delete(self) -> None:
        # A person with a ledger is never deleted: DELETE deactivates, as `active: false` does.
        services.person_scim_update(person=self.obj, active=False)


# --- Groups -----------------------------------------------------------------------------------


class TeamAdapter(_Mixin, SCIMGroup):
    url_name = "scim:groups"
    ATTR_MAP = TeamFilterQuery.attr_map
    obj: Team

    def __init__(self, obj: Team, request: HttpRequest | None = None) -> None:
        super().__init__(obj, request=request)
        self.name: str | None = None
        self.add: list[User] = []
        self.remove: list[User] = []
        self.exactly: list[User] | None = None

    @property
    def display_name(self) -> str:
        return self.obj.name

    @property
    def members(self) -> list[dict[str, Any]]:
        people: QuerySet[User] = self.obj.members.order_by("pk")
        return [
            {
                "value": str(person.pk),
                "$ref": urljoin(
                    base_location(self.request),
                    reverse("scim:users", kwargs={"uuid": person.pk}),
                ),
            }
            for person in people
        ]

    def to_dict(self) -> dict[str, Any]:
        team = self.obj
        d: dict[str, Any] = {
            "schemas": [SchemaURI.GROUP],
            "id": str(team.pk),
            "displayName": team.name,
            "meta": {
                "resourceType": "Group",
                "created": _iso(team.created_at),
                "lastModified": _iso(team.created_at),
                "location": self.location,
            },
        }
        # Entra ID asks for groups without their members (excludedAttributes=members).
        excluded = self.request.GET.get("excludedAttributes", "") if self._request else ""
        if "members" not in {a.strip().lower() for a in excluded.split(",")}:
            d["members"] = self.members
        return _project(d, self._request)

    @classmethod
    def resource_type_dict(cls, request: HttpRequest | None = None) -> dict[str, Any]:
        d = super().resource_type_dict(request)
        d["endpoint"] = "/Groups"  # relative to the base URL (RFC 7643 section 6)
        return d

    def _begin(self) -> None:
        self.name = None
        self.add, self.remove, self.exactly = [], [], None

    def from_dict(self, d: dict[str, Any]) -> None:
        self.validate_dict(d)
        self._begin()
        for name, value in d.items():
            key = _path_key(str(name))
            if key == "displayname":
                self.name = _text(value, "displayName", max_length=100, required=True)
            elif key == "members":
                self.exactly = self._people(value)
        if self.name is None:
            raise bad_request('"displayName" is required.')

    def _people(self, value: Any) -> list[User]:
        if value is None:
            return []
        if isinstance(value, dict):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(m, dict) for m in value):
            raise bad_request('"members" must be a list of objects with a "value".')
        return self._people_by_id([m.get("value") for m in value])

    def _people_by_id(self, ids: list[Any]) -> list[User]:
        pks = set()
        for value in ids:
            text = str(value).strip() if isinstance(value, str | int) else ""
            if not text.isdigit() or len(text) > 18:
                raise bad_request(f"No such user: {value!r}.")
            pks.add(int(text))
        people = list(User.objects.filter(pk__in=pks))
        missing = pks - {person.pk for person in people}
        if missing:
            raise bad_request(f"No such user: {', '.join(map(str, sorted(missing)))}.")
        return people

    def _patch(self, op: str, path: str, value: Any) -> None:
        key = _path_key(path)
        # Okta removes one member with `members[value eq "42"]`.
        selected = re.fullmatch(r'members\[\s*value\s+eq\s+"([^"]*)"\s*\]', key)
        if key == "displayname":
            if op == "remove":
                raise bad_request('"displayName" cannot be removed.', "mutability")
            self.name = _text(value, "displayName", max_length=100, required=True)
        elif key == "members" or selected:
            people = self._people_by_id([selected.group(1)]) if selected else self._people(value)
            if op == "add":
                self.add += people
            elif op == "remove" and (selected or value is not None):
                self.remove += people
            else:  # replace, or a remove naming nobody: all of them
                self.exactly, self.add, self.remove = people if op == "replace" else [], [], []
        elif key in ("externalid", "id"):
            pass  # Teams keep no external id; Okta repeats the id in its replace
        else:
            raise bad_request(f'Cannot change "{path}" of a group.', "invalidPath")

    def _commit(self) -> None:
        self.save()

    def save(self) -> None:
        if self.obj.pk is None:
            assert self.name is not None
            self.obj = services.team_create(name=self.name, via=services.SCIM)
        elif self.name is not None:
            self.obj = services.team_update(team=self.obj, name=self.name, via=services.SCIM)
        if self.exactly is not None:
            services.team_members_change(team=self.obj, exactly=self.exactly, via=services.SCIM)
        if self.add or self.remove:
            services.team_members_change(
                team=self.obj, add=self.add, remove=self.remove, via=services.SCIM
            )

    def delete(self) -> None:
        services.team_scim_delete(team=self.obj)
