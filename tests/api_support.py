"""Helpers shared by the API tests: error assertions and a snapshot of everything a refusal
must leave untouched."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.core.cache.backends.locmem import LocMemCache
from knox.models import AuthToken
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle

from audit.models import AuditEvent
from ledger.models import (
    Account,
    Award,
    AwardReason,
    BudgetPeriod,
    BudgetPolicy,
    Entry,
    IdempotencyRecord,
    Thanks,
    ThanksReaction,
    Transaction,
)
from people.models import RosterImport, Team, User
from rewards.models import Quote, Redemption, Reward, Wish


def db_state() -> dict[str, Any]:
    """Every row a refused request could have written or changed, in a comparable form."""
    return {
        "audit_events": AuditEvent.objects.count(),
        "transactions": Transaction.objects.count(),
        "entries": Entry.objects.count(),
        "awards": Award.objects.count(),
        "thanks": sorted(Thanks.objects.values_list("id", "giver_id", "recipient_id", "message")),
        "thanks_reactions": sorted(
            ThanksReaction.objects.values_list("thanks_id", "user_id", "emoji")
        ),
        "idempotency_records": IdempotencyRecord.objects.count(),
        "accounts": sorted(Account.objects.values_list("id", "kind", "owner_id", "balance")),
        "people": sorted(
            User.objects.values_list(
                "id",
                "username",
                "display_name",
                "email",
                "role",
                "employment_type",
                "preferred_language",
                "team_id",
                "is_active",
                "password",
            )
        ),
        "people_employment": sorted(
            User.objects.values_list("id", "employee_id", "employment_start", "employment_end")
        ),
        "roster_imports": sorted(RosterImport.objects.values_list("id", "status")),
        "teams": sorted(Team.objects.values_list("id", "name")),
        "team_leaders": sorted(Team.leaders.through.objects.values_list("team_id", "user_id")),
        "budget_policies": sorted(
            BudgetPolicy.objects.values_list(
                "id", "supervisor_id", "amount", "mode", "rollover", "active"
            )
        ),
        "budget_periods": BudgetPeriod.objects.count(),
        "award_reasons": sorted(
            AwardReason.objects.values_list(
                "id",
                "code",
                "name_fi",
                "name_en",
                "description_fi",
                "description_en",
                "suggested_min",
                "suggested_max",
                "active",
                "position",
            )
        ),
        "tokens": sorted(AuthToken.objects.values_list("digest", "user_id", "expiry")),
        "rewards": sorted(
            Reward.objects.values_list(
                "id",
                "name_fi",
                "name_en",
                "description_fi",
                "description_en",
                "category",
                "icon",
                "base_price",
                "current_price",
                "stock",
                "needs_approval",
                "active",
            )
        ),
        "quotes": sorted(Quote.objects.values_list("id", "employee_id", "price", "used_at")),
        "redemptions": sorted(
            Redemption.objects.values_list(
                "id", "state", "price_paid", "refund_id", "decided_by_id", "reason"
            )
        ),
        "wishes": sorted(
            Wish.objects.values_list("employee_id", "reward_id", "target_price", "position")
        ),
    }


def assert_error(response: Response, status: int, code: str) -> dict[str, Any]:
    """The response is a JSON error with the given status and stable code; returns the body."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert body["code"] == code, body
    assert isinstance(body["detail"], str) and body["detail"], body
    return body


def isolate_throttle_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """Give DRF's throttles a fresh in-memory cache, so request counts do not leak between tests
    (or between runs through the shared Redis) and turn into stray 429s."""
    # LocMemCache instances with the same name share their storage: use a fresh name.
    cache = LocMemCache(f"throttle-{uuid.uuid4()}", {})
    monkeypatch.setattr(SimpleRateThrottle, "cache", cache)
