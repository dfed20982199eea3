"""`Idempotency-Key` handling: a retry gets the first answer and moves nothing."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import sql
from core.errors import ApplicationError, IdempotencyKeyReusedError, InvalidInputError
from core.transactions import whole_transaction
from people.models import User

from ..models import IdempotencyRecord

MAX_KEY_LENGTH = 255


def request_fingerprint(*, scope: str, payload: Any) -> str:
    canonical = json.dumps(
        {"scope": scope, "payload": payload}, sort_keys=True, cls=DjangoJSONEncoder
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


class _Replay(Exception):
    """Another request with this key committed first: roll back this one's work, then replay."""


def idempotent_call(
    *,
    user: User,
    key: str | None,
    scope: str,
    payload: Any,
    call: Callable[[], tuple[int, Any]],
) -> tuple[int, Any, bool]:
    """Run `call` at most once per (user, key), in one database transaction with no savepoint;
    returns (status, body, replayed).

    The record goes in *after* the call, with its answer, in the same transaction, as one
    `INSERT … ON CONFLICT DO NOTHING`. Of two requests with the same key only one commits: the
    second waits on the unique index until the first commits, inserts nothing, rolls back its
    own work and replays the first answer (if the first rolled back, the second's goes in). A
    retry whose work is refused because the first already did it (the quote is used, the
    ledger key is taken) looks the record up after its rollback and replays it as well.
    Refusals roll back with everything else, so a retry after one runs afresh.
    """
    if key is None:
        with whole_transaction():
            status, body = call()
        return status, body, False
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidInputError(
            _("Idempotency-Key must be 1 to 255 characters."),
            fields={"Idempotency-Key": [_("Must be 1 to 255 characters.")]},
        )
    fingerprint = request_fingerprint(scope=scope, payload=payload)
    try:
        with whole_transaction():
            status, body = call()
            # Store exactly what the client will receive (JSON round trip): a replay is identical.
            stored = json.loads(json.dumps(body, cls=DjangoJSONEncoder))
            if not _record_insert(
                user=user, key=key, scope=scope, fingerprint=fingerprint, status=status, body=stored
            ):
                raise _Replay()
            return status, stored, False
    except (_Replay, ApplicationError):
        existing = IdempotencyRecord.objects.filter(user=user, key=key).first()
        if existing is None:  # a refusal of this request's own: nothing to replay
            raise
        if existing.request_hash != fingerprint or existing.response_status is None:
            raise IdempotencyKeyReusedError(extra={"first_used_on": existing.scope}) from None
        return existing.response_status, existing.response_body, True


def _record_insert(
    *, user: User, key: str, scope: str, fingerprint: str, status: int, body: Any
) -> bool:
    """Insert the record with its answer; False if one with this (user, key) exists (committed by
    a request that ran first; one still running is waited for)."""
    table = connection.ops.quote_name(IdempotencyRecord._meta.db_table)
    with connection.cursor() as cursor:
        sql.execute(
            cursor,
            f"INSERT INTO {table} "  # noqa: S608
            "(user_id, key, scope, request_hash, response_status, response_body, created_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (user_id, key) DO NOTHING "
            "RETURNING id",
            [user.pk, key, scope, fingerprint, status, json.dumps(body), timezone.now()],
        )
        return cursor.fetchone() is not None
