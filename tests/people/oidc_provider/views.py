"""The test provider's own parts: claims per user from what the test seeded, and the seeding."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from oauth2_provider.models import get_application_model
from oauth2_provider.oauth2_validators import OAuth2Validator

# username -> the claims the provider tells about them (its own process: one dict is enough).
CLAIMS: dict[str, dict[str, Any]] = {}


class ClaimsValidator(OAuth2Validator):
    oidc_claim_scope = None  # every seeded claim goes out, whatever the scopes

    def get_additional_claims(self, request: Any) -> dict[str, Any]:
        return dict(CLAIMS.get(request.user.username, {}))


@csrf_exempt
@require_POST
def seed_view(request: HttpRequest) -> HttpResponse:
    """{"client": {...}, "users": {username: {"password": ..., "claims": {...}}}}: create or
    update the relying party's registration and the users (the test's own world)."""
    data = json.loads(request.body)
    client = data.get("client")
    if client:
        Application = get_application_model()
        app = Application.objects.filter(client_id=client["client_id"]).first() or Application(
            client_id=client["client_id"]
        )
        app.name = "Pojopörssi (tests)"
        app.client_secret = client["client_secret"]
        app.client_type = Application.CLIENT_CONFIDENTIAL
        app.authorization_grant_type = Application.GRANT_AUTHORIZATION_CODE
        app.redirect_uris = client["redirect_uri"]
        app.post_logout_redirect_uris = client["post_logout_redirect_uri"]
        app.skip_authorization = True
        app.algorithm = Application.RS256_ALGORITHM
        app.save()
    for username, spec in data.get("users", {}).items():
        user, _created = User.objects.get_or_create(username=username)
        user.set_password(spec["password"])
        user.save()
        CLAIMS[username] = spec.get("claims", {})
    return JsonResponse({"ok": True})


def whoami_view(request: HttpRequest) -> HttpResponse:
    """Who is signed in at the provider (to prove that logout ended its session)."""
    return JsonResponse({"username": request.user.get_username() or None})
