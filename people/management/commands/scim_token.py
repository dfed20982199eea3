"""Make a new SCIM provisioning token: the token goes to the identity provider, its SHA-256 to
this app's SCIM_TOKEN_SHA256 (the token itself is stored nowhere here)."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Print a new SCIM bearer token and the SCIM_TOKEN_SHA256 value that accepts it."

    def handle(self, *args: Any, **options: Any) -> None:
        token = secrets.token_urlsafe(32)
        digest = hashlib.sha256(token.encode()).hexdigest()
        self.stdout.write(f"Token for the identity provider (shown once): {token}")
        self.stdout.write(f"SCIM_TOKEN_SHA256={digest}")
