"""`pg_terminate_backend` in the middle of a redemption and of an award: all or nothing.

The victim's request runs in a thread on its own connection. A blocker connection holds the row
lock of the wallet the victim will lock next, so the victim stops mid-transaction: it has already
written its idempotency record (and, for a purchase, locked the reward). A third connection sees
it waiting (pg_stat_activity) and holding a transaction id (it wrote), then terminates it. Nothing
is created or lost, the stock is right, and the same idempotency key works afterwards, once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import psycopg2
import pytest
from django.db import connection

from ledger.models import Account, Award, IdempotencyRecord, Transaction
from ledger.selectors import balance_of
from ledger.services import award_create, wallet_for
from rewards.models import Redemption, Reward
from tests.conftest import fund_budget
from tests.faults.support import assert_books_clean, database_url_of_test_db, wait_for
from tests.rewards.factories import RewardFactory

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

AWARDS = "/api/v1/awards/"
REWARDS = "/api/v1/rewards/"
REDEMPTIONS = "/api/v1/redemptions/"


def scalar(sql: str, params: tuple[Any, ...] = ()) -> Any:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return row[0] if row else None


def terminate_mid_transaction(*, locked_row: Account, request: Callable[[], Any]) -> dict[str, Any]:
    """Run `request` in a thread, stop it on `locked_row`'s lock, terminate its backend there."""
    box: dict[str, Any] = {}

    def victim() -> None:
        try:
            box["pid"] = scalar("SELECT pg_backend_pid()")
            box["response"] = request()
        except BaseException as exc:  # the terminated connection, whatever Django makes of it
            box["error"] = exc
        finally:
            connection.close()

    blocker = psycopg2.connect(database_url_of_test_db())
    try:
        with blocker.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM ledger_account WHERE id = %s FOR UPDATE", [locked_row.pk]
            )
        thread = threading.Thread(target=victim)
        thread.start()
        waiting = wait_for(
            lambda: (
                "pid" in box
                and scalar(
                    "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", (box["pid"],)
                )
                == "Lock"
            ),
            timeout=30,
        )
        assert waiting, box
        # It is mid-transaction and has written: it holds its own transaction id.
        assert scalar(
            "SELECT count(*) FROM pg_locks WHERE pid = %s AND locktype = 'transactionid' "
            "AND granted",
            (box["pid"],),
        )
        assert scalar("SELECT pg_terminate_backend(%s)", (box["pid"],)) is True
        thread.join(timeout=30)
        assert not thread.is_alive()
    finally:
        blocker.rollback()
        blocker.close()
    return box


def test_a_terminated_award_writes_nothing_and_its_key_works_again(postgres, crew, reason, api):
    agent = crew.agents[0]
    fund_budget(crew.supervisor, 300)
    award_create(giver=crew.supervisor, recipient=agent, reason=reason, points=10)
    before = (Transaction.objects.count(), Award.objects.count(), balance_of(user=agent))
    budget_before = balance_of(user=crew.supervisor, kind="budget")
    body = {"recipient": agent.pk, "reason": reason.code, "points": 40}

    def post() -> Any:
        return api(crew.supervisor).post(
            AWARDS, body, format="json", headers={"Idempotency-Key": "award-killed"}
        )

    box = terminate_mid_transaction(locked_row=wallet_for(agent), request=post)

    assert "error" in box or box["response"].status_code >= 500, box
    assert (Transaction.objects.count(), Award.objects.count(), balance_of(user=agent)) == before
    assert balance_of(user=crew.supervisor, kind="budget") == budget_before
    assert not IdempotencyRecord.objects.filter(key="award-killed").exists()
    # the client retries with the same key: awarded once, and a second retry replays it
    first, again = post(), post()
    assert first.status_code == 201, first.content
    assert again.status_code == 201 and again.json() == first.json()
    assert balance_of(user=agent) == before[2] + 40
    assert balance_of(user=crew.supervisor, kind="budget") == budget_before - 40
    assert Award.objects.count() == before[1] + 1
    assert_books_clean()


def test_a_terminated_purchase_writes_nothing_and_its_key_works_again(postgres, crew, reason, api):
    agent = crew.agents[0]
    fund_budget(crew.supervisor, 300)
    award_create(giver=crew.supervisor, recipient=agent, reason=reason, points=200)
    reward = RewardFactory(base_price=60, stock=2)
    quote = api(agent).post(f"{REWARDS}{reward.pk}/quote/").json()
    before = (Transaction.objects.count(), Redemption.objects.count(), balance_of(user=agent))

    def post() -> Any:
        return api(agent).post(
            REDEMPTIONS, {"quote": quote["id"]}, format="json",
            headers={"Idempotency-Key": "purchase-killed"},
        )  # fmt: skip

    box = terminate_mid_transaction(locked_row=wallet_for(agent), request=post)

    assert "error" in box or box["response"].status_code >= 500, box
    assert (
        Transaction.objects.count(),
        Redemption.objects.count(),
        balance_of(user=agent),
    ) == before
    assert Reward.objects.get(pk=reward.pk).stock == 2
    assert not IdempotencyRecord.objects.filter(key="purchase-killed").exists()
    first, again = post(), post()
    assert first.status_code == 201, first.content
    assert again.status_code == 201 and again.json() == first.json()
    assert balance_of(user=agent) == before[2] - 60
    assert Reward.objects.get(pk=reward.pk).stock == 1
    assert Redemption.objects.filter(employee=agent).count() == 1
    assert_books_clean()
