"""The history import service: the happy path, what it creates, re-imports."""

from __future__ import annotations

from datetime import datetime

import pytest

from insights.importing import history_import
from ledger.models import Account, AccountKind, Award, Transaction, TransactionKind
from ledger.selectors import balance_of, ledger_verify
from people.models import EmploymentType, Role, Team, User
from rewards.models import Redemption, RedemptionState, Reward
from tests.insights.conftest import award, csv_of, redemption

pytestmark = pytest.mark.django_db


def test_happy_path_creates_people_rewards_and_ledger_history(django_capture_on_commit_callbacks, signals_received):
    data = csv_of(
        award(id="a1"),
        award(id="a2", employee="eero", employee_name="Eero Laine", team="Phone",
              employment_type="agency", points=40, timestamp="2024-03-04T11:00:00+02:00"),
        redemption(id="r1"),
    )
    with django_capture_on_commit_callbacks(execute=True):
        report = history_import(data=data)

    assert report == {
        "ok": True, "rows": 3, "imported": 3, "skipped": 0,
        "created": {"people": 3, "teams": 2, "rewards": 1}, "errors": [], "errors_omitted": 0,
    }
    aino = User.objects.get(username="aino")
    assert (aino.display_name, aino.role, aino.team.name, aino.has_usable_password()) == (
        "Aino Virtanen", Role.AGENT, "Chat", False)
    eero = User.objects.get(username="eero")
    assert eero.employment_type == EmploymentType.AGENCY
    sanna = User.objects.get(username="sanna")
    assert sanna.role == Role.SUPERVISOR
    assert set(Team.objects.filter(leaders=sanna).values_list("name", flat=True)) == {"Chat", "Phone"}
    assert balance_of(user=aino) == 40
    assert balance_of(user=eero) == 40

    txn = Transaction.objects.get(idempotency_key="history:id:a1")
    assert txn.kind == TransactionKind.AWARD
    assert txn.created_at == datetime.fromisoformat("2024-03-04T10:00:00+02:00")
    legacy = Account.objects.get(kind=AccountKind.LEGACY_ISSUANCE)
    assert sorted(txn.entries.values_list("account_id", "amount")) == sorted(
        [(legacy.pk, -100), (Account.objects.get(owner=aino).pk, 100)])
    award_row = Award.objects.get(transaction=txn)
    assert (award_row.giver, award_row.recipient, award_row.points, award_row.message) == (
        sanna, aino, 100, "Great NPS")

    reward = Reward.objects.get(name_fi="Teatteri-ilta")
    assert (reward.name_en, reward.active, reward.base_price) == ("Teatteri-ilta", False, 60)
    assert reward.created_at == datetime.fromisoformat("2024-03-05T12:00:00+02:00")
    bought = Redemption.objects.get()
    assert (bought.state, bought.price_paid, bought.quote, bought.settled_at) == (
        RedemptionState.FULFILLED, 60, None, None)
    assert bought.created_at == bought.updated_at == bought.debit.created_at
    assert ledger_verify() == []
    assert [call["rows"] for call in signals_received()] == [3]
