"""Statement budgets of the money writes through the API (awards, quotes, redemptions), on
PostgreSQL. (Here rather than split by app: the award's funds the redemption's wallet.)

Counted: every statement the request sends, BEGIN/COMMIT and savepoints included
(`tests/statements.py`). The client signs in with a session (two statements: the session, the
user), and the budget is stated as "work + AUTH_STATEMENTS", so it holds for any token scheme
that costs at most two statements (DRF authtoken: one; django-rest-knox: one or two).

An award sends 8 today: the recipient's read brings the published reason and the team's chat
channels with it, and the award row goes in with its transaction.
"""

from __future__ import annotations

import uuid

import pytest
from rest_framework.test import APIClient

from ledger.models import Award
from people.models import User
from rewards.models import Quote, Redemption
from tests.api_support import isolate_throttle_cache
from tests.conftest import fund_budget
from tests.rewards.factories import RewardFactory
from tests.statements import AUTH_STATEMENTS, statements

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("postgres")]

AWARD_BUDGET = 12
REDEMPTION_BUDGET = 14
QUOTE_BUDGET = 6


@pytest.fixture(autouse=True)
def _own_throttle_cache(monkeypatch):
    isolate_throttle_cache(monkeypatch)


def signed_in(user: User) -> APIClient:
    """A session: AUTH_STATEMENTS (2) statements a request, the dearest token scheme's share."""
    client = APIClient()
    client.force_login(user)
    return client


def test_the_session_costs_what_the_budgets_allow_for_authentication(crew):
    client = signed_in(crew.agents[0])
    with statements() as found:
        response = client.get("/api/v1/me/")
    assert response.status_code == 200
    auth = [s for s in found.sql if "django_session" in s or 'FROM "people_user"' in s]
    assert len(auth) == AUTH_STATEMENTS, str(found)


def test_an_award_costs_at_most_12_statements_with_authentication(crew, reason):
    fund_budget(crew.supervisor, 500)
    client = signed_in(crew.supervisor)
    body = {
        "recipient": crew.agents[0].pk,
        "reason": reason.code,
        "points": 20,
        "message": "Kiitos",
    }
    client.post("/api/v1/awards/", body, format="json", HTTP_IDEMPOTENCY_KEY="warm-up")

    with statements() as found:
        response = client.post(
            "/api/v1/awards/", body, format="json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4())
        )

    assert response.status_code == 201, response.json()
    assert Award.objects.count() == 2
    # Under the budget by four: the recipient's read brings the reason and whether a chat
    # channel of their team posts awards, and the award row goes in with its transaction (no
    # statement of its own for any of them).
    assert found.count <= AWARD_BUDGET - 4, str(found)
    assert not [s for s in found.sql if "INSERT INTO" in s and "ledger_transaction" not in s
                and "ledger_award" in s]  # fmt: skip
    assert not [s for s in found.sql if "ledger_awardreason" in s and "people_user" not in s]
    assert not [s for s in found.sql if "chatchannel" in s and "people_user" not in s]
    assert found.savepoints == 0, str(found)


def test_a_quote_costs_at_most_6_statements_with_authentication(crew):
    reward = RewardFactory(stock=5)
    client = signed_in(crew.agents[0])
    client.post(f"/api/v1/rewards/{reward.pk}/quote/")

    with statements() as found:
        response = client.post(f"/api/v1/rewards/{reward.pk}/quote/")

    assert response.status_code == 201, response.json()
    assert Quote.objects.count() == 2
    assert found.count <= QUOTE_BUDGET, str(found)
    assert found.savepoints == 0, str(found)


def test_a_redemption_costs_at_most_14_statements_with_authentication(crew, fund):
    agent = crew.agents[0]
    fund([agent], 200)
    reward = RewardFactory(stock=5, base_price=10)
    client = signed_in(agent)
    first = client.post(f"/api/v1/rewards/{reward.pk}/quote/").json()["id"]
    client.post("/api/v1/redemptions/", {"quote": first}, format="json", HTTP_IDEMPOTENCY_KEY="w")
    quote = client.post(f"/api/v1/rewards/{reward.pk}/quote/").json()["id"]

    with statements() as found:
        response = client.post(
            "/api/v1/redemptions/",
            {"quote": quote},
            format="json",
            HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
        )

    assert response.status_code == 201, response.json()
    assert Redemption.objects.count() == 2
    assert found.count <= REDEMPTION_BUDGET, str(found)
    assert found.savepoints == 0, str(found)
