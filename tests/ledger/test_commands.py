from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from ledger.demo import seed_demo
from ledger.models import Award, AwardReason, BudgetPeriod, Transaction
from ledger.selectors import ledger_verify
from ledger.services import wallet_for
from people.models import EmploymentType, Role, Team, User

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


def test_seed_demo_builds_a_believable_contact_centre_once():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "hr" in out.getvalue() and "pojo-demo" in out.getvalue()
    assert Team.objects.count() == 3
    assert User.objects.filter(role=Role.SUPERVISOR).count() == 3
    agents = User.objects.filter(role=Role.AGENT)
    assert agents.count() == 30
    assert agents.filter(employment_type=EmploymentType.AGENCY).count() >= 5
    assert User.objects.filter(role=Role.HR, is_superuser=True).count() == 1
    assert AwardReason.objects.filter(active=True).count() >= 5
    assert Award.objects.count() > 100
    assert BudgetPeriod.objects.count() == 3 * 4
    assert ledger_verify() == []
    counts = (User.objects.count(), Transaction.objects.count())

    call_command("seed_demo", stdout=StringIO())

    assert (User.objects.count(), Transaction.objects.count()) == counts


def test_seed_demo_is_deterministic():
    class Rollback(Exception):
        pass

    def seed_and_read() -> list[tuple[str, str, int, str]]:
        try:
            with transaction.atomic():
                seed_demo(now=NOW)
                rows = list(
                    Award.objects.order_by("created_at", "id").values_list(
                        "giver__username", "recipient__username", "points", "reason__code"
                    )
                )
                raise Rollback
        except Rollback:
            return rows

    first = seed_and_read()
    assert User.objects.count() == 0, "the first run was rolled back"
    assert first == seed_and_read()
    assert len(first) > 100


def test_ledger_verify_passes_on_a_clean_ledger(crew):
    wallet_for(crew.agents[0])
    out = StringIO()
    call_command("ledger_verify", stdout=out)
    assert "every invariant holds" in out.getvalue()


def test_ledger_verify_exits_non_zero_with_a_report(crew, postgres):
    wallet = wallet_for(crew.agents[0])
    with connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_account SET balance = 7 WHERE id = %s", [wallet.pk])
    err = StringIO()
    with pytest.raises(CommandError, match="1 problem"):
        call_command("ledger_verify", stderr=err)
    assert f"account {wallet.pk}" in err.getvalue()
    assert "cached balance 7 but entries sum to 0" in err.getvalue()
