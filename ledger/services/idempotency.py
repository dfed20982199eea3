"""`Idempotency-Key` handling: a retry gets the first answer and moves nothing."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from core.errors import IdempotencyKeyReusedError, InvalidInputError
from people.models import User

from ..models import IdempotencyRecord

MAX_KEY_LENGTH = 255


def request_fingerprint(*, scope: str, payload: Any) -> str:
    canonical = json.dumps(
        {"scope": scope, "payload": payload}, sort_keys=True, cls=DjangoJSONEncoder
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def idempotent_call(
    *,
    user: User,
    key: str | None,
    scope: str,
    payload: Any,
    call: Callable[[], tuple[int, Any]],
) -> tuple[int, Any, bool]:
    """Run `call` at most once per (user, key); returns (status, body, replayed).

    The record is inserted *before* the call, in the same database transaction. A concurrent
    request with the same key blocks on the unique index until the first one commits, then
    replays its answer; if the first one fails and rolls back, the second one runs instead.
    Refusals (4xx raised as errors) roll back with everything else, so a retry runs afresh.
    """
    if key is None:
        status, body = call()
        return status, body, False
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidInputError(
            _("Idempotency-Key must be 1 to 255 characters."),
            fields={"Idempotency-Key": [_("Must be 1 to 255 characters.")]},
        )
    fingerprint = request_fingerprint(scope=scope, payload=payload)
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    user=user, key=key, scope=scope, request_hash=fingerprint
                )
        except IntegrityError:
            existing = IdempotencyRecord.objects.get(user=user, key=key)
            if existing.request_hash != fingerprint or existing.response_status is None:
                raise IdempotencyKeyReusedError(extra={"first_used_on": existing.scope}) from None
            return existing.response_status, existing.response_body, True
        status, body = call()
        # Store exactly what the client will receive (JSON round trip), so a replay is identical.
        record.response_status = status
        record.response_body = json.loads(json.dumps(body, cls=DjangoJSONEncoder))
        record.save(update_fields=["response_status", "response_body"])
        return status, record.response_body, False
