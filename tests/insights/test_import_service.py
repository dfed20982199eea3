"""The history import service: the happy path, what it creates, re-imports."""

from __future__ import annotations

from datetime import datetime

import pytest

from insights.importing import history_import
from insights.importing.formatting import history_csv
from ledger.models import Account, AccountKind, Award, Transaction, TransactionKind
from ledger.selectors import balance_of, entries_of, ledger_verify
from ledger.views import statement_lines
from people.models import EmploymentType, Role, Team, User
from rewards.models import Redemption, RedemptionState, Reward
from tests.api_support import db_state
from tests.insights.conftest import award, csv_of, redemption
from tests.insights.synthetic.history import synthetic_history
from tests.rewards.factories import RewardFactory

pytestmark = pytest.mark.django_db


def test_happy_path_creates_people_rewards_and_ledger_history(
    django_capture_on_commit_callbacks, signals_received
):
    data = csv_of(
        award(id="a1"),
        award(
            id="a2",
            employee="eero",
            employee_name="Eero Laine",
            team="Phone",
            employment_type="agency",
            points=40,
            timestamp="2024-03-04T11:00:00+02:00",
        ),
        redemption(id="r1"),
    )
    with django_capture_on_commit_callbacks(execute=True):
        report = history_import(data=data)

    assert report == {
        "ok": True,
        "rows": 3,
        "imported": 3,
        "skipped": 0,
        "created": {"people": 3, "teams": 2, "rewards": 1},
        "errors": [],
        "errors_omitted": 0,
    }
    aino = User.objects.get(username="aino")
    assert (aino.display_name, aino.role, aino.team.name, aino.has_usable_password()) == (
        "Aino Virtanen",
        Role.AGENT,
        "Chat",
        False,
    )
    eero = User.objects.get(username="eero")
    assert eero.employment_type == EmploymentType.AGENCY
    sanna = User.objects.get(username="sanna")
    assert sanna.role == Role.SUPERVISOR
    assert set(Team.objects.filter(leaders=sanna).values_list("name", flat=True)) == {
        "Chat",
        "Phone",
    }
    assert balance_of(user=aino) == 40
    assert balance_of(user=eero) == 40

    txn = Transaction.objects.get(idempotency_key="history:id:a1")
    assert txn.kind == TransactionKind.AWARD
    assert txn.created_at == datetime.fromisoformat("2024-03-04T10:00:00+02:00")
    legacy = Account.objects.get(kind=AccountKind.LEGACY_ISSUANCE)
    assert sorted(txn.entries.values_list("account_id", "amount")) == sorted(
        [(legacy.pk, -100), (Account.objects.get(owner=aino).pk, 100)]
    )
    award_row = Award.objects.get(transaction=txn)
    assert (award_row.giver, award_row.recipient, award_row.points, award_row.message) == (
        sanna,
        aino,
        100,
        "Great NPS",
    )

    reward = Reward.objects.get(name_fi="Teatteri-ilta")
    assert (reward.name_en, reward.active, reward.base_price) == ("Teatteri-ilta", False, 60)
    assert reward.created_at == datetime.fromisoformat("2024-03-05T12:00:00+02:00")
    bought = Redemption.objects.get()
    assert (bought.state, bought.price_paid, bought.quote, bought.settled_at) == (
        RedemptionState.FULFILLED,
        60,
        None,
        None,
    )
    assert bought.created_at == bought.updated_at == bought.debit.created_at
    assert ledger_verify() == []
    assert [call["rows"] for call in signals_received()] == [3]


def test_importing_the_same_file_twice_imports_nothing_the_second_time(
    signals_received, django_capture_on_commit_callbacks
):
    # Rows without an id are known by their content.
    data = csv_of(award(id="a1"), award(points=5), redemption())
    history_import(data=data)
    before = db_state()
    with django_capture_on_commit_callbacks(execute=True):
        again = history_import(data=data)
    assert (again["ok"], again["imported"], again["skipped"], again["created"]) == (
        True,
        0,
        3,
        {"people": 0, "teams": 0, "rewards": 0},
    )
    assert db_state() == before
    assert signals_received() == []  # nothing new: nothing to recompute


def test_a_file_that_grew_imports_only_its_new_rows():
    history_import(data=csv_of(award(id="a1"), redemption(points=10)))
    report = history_import(
        data=csv_of(award(id="a1"), redemption(points=10),
                    redemption(id="r2", points=30, timestamp="2024-04-01T09:00:00+03:00"))
    )  # fmt: skip
    assert (report["imported"], report["skipped"]) == (1, 2)
    assert balance_of(user=User.objects.get(username="aino")) == 60
    assert ledger_verify() == []


def test_existing_people_teams_and_rewards_are_matched_and_left_as_they_are(crew):
    agent = crew.agents[0]
    reward = RewardFactory(name_fi="Teatteri-ilta", name_en="Theatre evening", base_price=400)
    before = (agent.display_name, agent.team_id, agent.employment_type)
    report = history_import(
        data=csv_of(
            award(employee=agent.username.upper(), employee_name="Someone Else", team="Other",
                  employment_type="agency", supervisor=crew.supervisor.username, points=100),
            redemption(employee=agent.username, reward="THEATRE EVENING", points=90),
        )
    )  # fmt: skip
    assert report["created"] == {"people": 0, "teams": 0, "rewards": 0}
    agent.refresh_from_db()
    assert (agent.display_name, agent.team_id, agent.employment_type) == before
    assert not Team.objects.filter(name="Other").exists()
    reward.refresh_from_db()
    assert (reward.active, reward.base_price) == (True, 400)
    assert Redemption.objects.get().reward == reward
    assert Award.objects.get().giver == crew.supervisor
    assert set(crew.supervisor.led_teams.all()) == {crew.team}  # not made a leader of anything


def test_a_new_reward_is_priced_at_its_first_redemption_in_time():
    history_import(
        data=csv_of(
            award(points=600),
            redemption(id="late", reward="HIERONTA", points=300, timestamp="2024-05-01T10:00:00Z"),
            redemption(id="early", reward="Hieronta", points=250, timestamp="2024-04-01T10:00:00Z"),
        )
    )
    reward = Reward.objects.get()
    assert (reward.name_fi, reward.base_price, reward.current_price, reward.active) == (
        "Hieronta",
        250,
        250,
        False,
    )
    assert reward.activations.get().active is False
    assert Redemption.objects.count() == 2


def test_imported_history_shows_on_the_statement_as_awards_and_redemptions():
    history_import(data=csv_of(award(reason="Kiitos"), redemption()))
    aino = User.objects.get(username="aino")
    lines = statement_lines(entries_of(user=aino))
    assert [(line.kind, line.amount, line.title) for line in lines] == [
        (TransactionKind.REDEMPTION, -60, "Lunastus: Teatteri-ilta"),
        (TransactionKind.AWARD, 100, "Palkinto vanhasta järjestelmästä"),
    ]
    assert lines[1].message == "Kiitos"
    assert lines[1].detail == "Palkitsija: sanna"


def test_a_realistic_history_keeps_the_ledger_valid():
    rows = synthetic_history(employees=30, days=120, seed=7, prefix="t")
    report = history_import(data=history_csv(rows))
    assert report["ok"] and report["imported"] == len(rows) > 500
    assert report["created"]["people"] == 30 + 2  # two supervisors for teams of 15
    assert ledger_verify() == []
    wallets = Account.objects.filter(kind=AccountKind.WALLET)
    assert sum(w.balance for w in wallets) == sum(
        int(r["points"]) * (1 if r["event"] == "award" else -1) for r in rows
    )
    assert Redemption.objects.filter(settled_at__isnull=False).count() == 0


def test_text_with_tabs_newlines_and_backslashes_arrives_intact():
    reason = 'Two\tcolumns,\nlines, a back\\slash and "quotes" \\N'
    history_import(data=csv_of(award(id="x\\1", reason=reason)))
    assert Award.objects.get().message == reason
    assert Transaction.objects.filter(idempotency_key="history:id:x\\1").exists()


def test_a_name_taken_during_the_import_is_a_409_conflict_not_a_500(monkeypatch):
    from insights.importing import writing
    from insights.importing.errors import ImportConflictError

    real = writing.people_create

    def racing(rows, directory, **kwargs):  # someone creates "aino" between check and insert
        User.objects.create(username="aino", display_name="Aino")
        real(rows, directory, **kwargs)

    monkeypatch.setattr(writing, "people_create", racing)
    with pytest.raises(ImportConflictError):
        history_import(data=csv_of(award()))
    assert not Transaction.objects.exists()
