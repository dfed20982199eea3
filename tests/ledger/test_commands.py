"""The ledger's commands. (`seed_demo` lives with the market: tests/rewards/test_seed_demo.py.)"""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from ledger.services import wallet_for

pytestmark = pytest.mark.django_db


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
