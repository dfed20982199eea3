"""What the SCIM tests share: the token, a client for a live server and a state snapshot."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import requests
from django.core.cache import cache

from people.models import User
from tests.api_support import db_state

TOKEN = "scim-test-token-4c1f9e7a2b6d8035e1c7a9f4b2d6e8a0"
TOKEN_SHA256 = hashlib.sha256(TOKEN.encode()).hexdigest()
SCIM_JSON = "application/scim+json"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def enable_scim(settings: Any) -> None:
    settings.SCIM_TOKEN_SHA256 = TOKEN_SHA256
    cache.delete_many([f"scim-auth-failures:{ip}" for ip in ("127.0.0.1", "::1", "unknown")])


@dataclass
class Scim:
    """A SCIM client as an identity provider is one: JSON over HTTP with the bearer token."""

    base: str
    token: str = TOKEN

    def send(self, method: str, path: str, body: Any = None, **kwargs: Any) -> requests.Response:
        headers = {"Accept": SCIM_JSON, **kwargs.pop("headers", {})}
        if self.token:
            headers.setdefault("Authorization", f"Bearer {self.token}")
        if body is not None:
            headers.setdefault("Content-Type", SCIM_JSON)
            kwargs["json"] = body
        return requests.request(method, self.base + path, headers=headers, timeout=30, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.send("GET", path, **kwargs)

    def post(self, path: str, body: Any) -> requests.Response:
        return self.send("POST", path, body)

    def put(self, path: str, body: Any) -> requests.Response:
        return self.send("PUT", path, body)

    def patch(self, path: str, *operations: dict[str, Any]) -> requests.Response:
        return self.send("PATCH", path, {"schemas": [PATCH_OP], "Operations": list(operations)})

    def delete(self, path: str) -> requests.Response:
        return self.send("DELETE", path)


def state() -> dict[str, Any]:
    """Every row a refused SCIM request could have written (the shared snapshot, plus the ids an
    identity provider sets)."""
    snapshot = db_state()
    snapshot["ids"] = sorted(User.objects.values_list("id", "employee_id", "sso_subject"))
    return snapshot


def assert_scim_error(response: Any, status: int, scim_type: str | None = None) -> None:
    body = response.json()
    assert response.status_code == status, body
    assert body["schemas"] == [ERROR]
    assert int(body["status"]) == status
    if scim_type is not None:
        assert body.get("scimType") == scim_type, body
