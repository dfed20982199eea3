"""Ledger API: my statement, HR's reversals, award reasons and budgets."""

from __future__ import annotations

import pytest

from ledger.models import (
    AccountKind,
    AwardReason,
    BudgetMode,
    BudgetPolicy,
    Transaction,
    TransactionKind,
)
from ledger.selectors import balance_of, ledger_verify
from ledger.services import Leg, account_system, award_create, transaction_post, wallet_for
from people.models import EmploymentType
from tests.api_support import assert_error, db_state, isolate_throttle_cache
from tests.conftest import fund_budget
from tests.ledger.factories import AwardReasonFactory
from tests.people.factories import AgentFactory, SupervisorFactory, TeamFactory

pytestmark = pytest.mark.django_db

ENTRIES = "/api/v1/ledger/entries/"
REASONS = "/api/v1/award-reasons/"
BUDGETS = "/api/v1/budgets/"


@pytest.fixture(autouse=True)
def _own_throttle_cache(monkeypatch):
    isolate_throttle_cache(monkeypatch)


@pytest.fixture
def funded(crew, reason):
    fund_budget(crew.supervisor, 200)
    return crew


def reverse_url(txn: Transaction | int) -> str:
    pk = txn if isinstance(txn, int) else txn.pk
    return f"/api/v1/ledger/transactions/{pk}/reverse/"


def spend(user, points: int) -> Transaction:
    """Move points out of `user`'s wallet to the redemptions sink (as a redemption would)."""
    return transaction_post(
        kind=TransactionKind.REDEMPTION,
        legs=[Leg(wallet_for(user), -points), Leg(account_system(AccountKind.REDEMPTIONS), points)],
        actor=user,
        memo="test redemption",
    )


# --- my statement -----------------------------------------------------------------------------


def test_my_entries_show_only_my_wallet_with_the_award_behind_each(api, funded, reason):
    # given: two awards to me, one to a colleague
    me, colleague = funded.agents[0], funded.agents[1]
    first = award_create(giver=funded.supervisor, recipient=me, reason=reason, points=10)
    award_create(giver=funded.supervisor, recipient=colleague, reason=reason, points=99)
    second = award_create(
        giver=funded.supervisor, recipient=me, reason=reason, points=15, message="Mahtavaa"
    )
    # when
    response = api(me).get(ENTRIES)
    # then
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    newest, oldest = body["results"]
    assert [newest["transaction"], oldest["transaction"]] == [
        second.transaction_id,
        first.transaction_id,
    ]
    assert newest["amount"] == 15
    assert newest["kind"] == "award"
    assert newest["reverses"] is None
    assert newest["award"] == {
        "id": second.pk,
        "reason": {"code": reason.code, "name": reason.name},
        "giver": {
            "id": funded.supervisor.pk,
            "username": funded.supervisor.username,
            "display_name": funded.supervisor.display_name,
        },
        "message": "Mahtavaa",
    }
    assert oldest["amount"] == 10


def test_nobody_sees_anybody_elses_entries(api, funded, reason):
    award_create(giver=funded.supervisor, recipient=funded.agents[0], reason=reason, points=10)

    for other in [funded.agents[1], funded.hr]:
        assert api(other).get(ENTRIES).json()["count"] == 0
    # the supervisor's wallet is empty; the award left their budget, not their wallet
    assert api(funded.supervisor).get(ENTRIES).json()["count"] == 0


def test_entries_are_paginated(api, funded, reason):
    for points in range(1, 6):
        award_create(
            giver=funded.supervisor, recipient=funded.agents[0], reason=reason, points=points
        )

    page1 = api(funded.agents[0]).get(ENTRIES, {"page_size": 2}).json()
    page3 = api(funded.agents[0]).get(ENTRIES, {"page_size": 2, "page": 3}).json()

    assert page1["count"] == 5
    assert [e["amount"] for e in page1["results"]] == [5, 4]
    assert page1["next"] and page1["previous"] is None
    assert [e["amount"] for e in page3["results"]] == [1]
    assert page3["next"] is None
    assert_error(api(funded.agents[0]).get(ENTRIES, {"page": 4, "page_size": 2}), 404, "not_found")


def test_a_supervisor_reads_their_budget_statement(api, funded, reason):
    award_create(giver=funded.supervisor, recipient=funded.agents[0], reason=reason, points=30)

    body = api(funded.supervisor).get(ENTRIES, {"account": "budget"}).json()

    assert [(e["kind"], e["amount"]) for e in body["results"]] == [
        ("award", -30),
        ("budget_grant", 200),
    ]
    assert body["results"][0]["award"]["reason"]["code"] == reason.code
    assert body["results"][1]["award"] is None


def test_an_agent_has_no_budget_statement(api, funded):
    body = api(funded.agents[0]).get(ENTRIES, {"account": "budget"}).json()

    assert body["count"] == 0


@pytest.mark.parametrize("account", ["bogus", "issuance", "redemptions", "", "WALLET"])
def test_an_unknown_account_is_a_400(api, funded, account):
    response = api(funded.supervisor).get(ENTRIES, {"account": account})

    error = assert_error(response, 400, "invalid")
    assert "account" in error["fields"]


def test_me_follows_the_ledger(api, funded, reason):
    award_create(giver=funded.supervisor, recipient=funded.agents[0], reason=reason, points=70)

    assert api(funded.agents[0]).get("/api/v1/me/").json()["balance"] == 70
    assert api(funded.supervisor).get("/api/v1/me/").json()["budget_left"] == 130


# --- reversal ---------------------------------------------------------------------------------


def test_hr_reverses_an_award_and_balances_are_restored(api, funded, reason):
    # given
    agent = funded.agents[0]
    award = award_create(giver=funded.supervisor, recipient=agent, reason=reason, points=40)
    # when
    response = api(funded.hr).post(
        reverse_url(award.transaction), {"reason": "Väärä henkilö"}, format="json"
    )
    # then
    assert response.status_code == 201, response.json()
    body = response.json()
    reversal = Transaction.objects.get(pk=body["id"])
    assert body["kind"] == "reversal"
    assert body["reverses"] == award.transaction_id
    assert body["memo"] == "Väärä henkilö"
    assert body["actor"] == funded.hr.pk
    assert sorted(e["amount"] for e in body["entries"]) == [-40, 40]
    assert reversal.reverses == award.transaction
    assert balance_of(user=agent) == 0
    assert balance_of(user=funded.supervisor, kind="budget") == 200
    assert ledger_verify() == []


def test_a_reversal_shows_in_the_feed_and_the_statement(api, funded, reason):
    agent = funded.agents[0]
    award = award_create(giver=funded.supervisor, recipient=agent, reason=reason, points=40)
    reversal_id = (
        api(funded.hr)
        .post(reverse_url(award.transaction), {"reason": "oops"}, format="json")
        .json()["id"]
    )

    feed = api(funded.agents[1]).get("/api/v1/awards/").json()["results"]
    statement = api(agent).get(ENTRIES).json()["results"]

    assert [(a["id"], a["reversed"]) for a in feed] == [(award.pk, True)]
    assert api(agent).get(f"/api/v1/awards/{award.pk}/").json()["reversed"] is True
    assert [(e["transaction"], e["amount"], e["reverses"]) for e in statement] == [
        (reversal_id, -40, award.transaction_id),
        (award.transaction_id, 40, None),
    ]


def test_reversing_twice_is_a_409_already_reversed(api, funded, reason):
    award = award_create(
        giver=funded.supervisor, recipient=funded.agents[0], reason=reason, points=40
    )
    api(funded.hr).post(reverse_url(award.transaction), {"reason": "once"}, format="json")
    before = db_state()

    response = api(funded.hr).post(
        reverse_url(award.transaction), {"reason": "twice"}, format="json"
    )

    assert_error(response, 409, "already_reversed")
    assert db_state() == before


def test_reversing_a_reversal_is_a_409_not_reversible(api, funded, reason):
    award = award_create(
        giver=funded.supervisor, recipient=funded.agents[0], reason=reason, points=40
    )
    reversal = (
        api(funded.hr)
        .post(reverse_url(award.transaction), {"reason": "once"}, format="json")
        .json()
    )
    before = db_state()

    response = api(funded.hr).post(reverse_url(reversal["id"]), {"reason": "undo"}, format="json")

    assert_error(response, 409, "not_reversible")
    assert db_state() == before


def test_reversing_an_award_whose_points_were_spent_is_a_409_insufficient_points(
    api, funded, reason
):
    # given: the agent already spent 30 of the 40 points
    agent = funded.agents[0]
    award = award_create(giver=funded.supervisor, recipient=agent, reason=reason, points=40)
    spend(agent, 30)
    before = db_state()
    # when
    response = api(funded.hr).post(reverse_url(award.transaction), {"reason": "x"}, format="json")
    # then
    error = assert_error(response, 409, "insufficient_points")
    assert error["extra"] == {"balance": 10, "required": 40}
    assert db_state() == before
    assert api(agent).get(f"/api/v1/awards/{award.pk}/").json()["reversed"] is False


def test_reversing_an_award_after_some_points_came_back_works(api, funded, reason):
    # given: spent, then received more, so the wallet holds enough again
    agent = funded.agents[0]
    award = award_create(giver=funded.supervisor, recipient=agent, reason=reason, points=40)
    spend(agent, 40)
    award_create(giver=funded.supervisor, recipient=agent, reason=reason, points=50)
    # when
    response = api(funded.hr).post(reverse_url(award.transaction), {"reason": "x"}, format="json")
    # then
    assert response.status_code == 201
    assert balance_of(user=agent) == 10
    assert ledger_verify() == []


def test_reversing_a_budget_grant_that_was_partly_awarded_is_a_409_budget_exceeded(
    api, funded, reason
):
    award_create(giver=funded.supervisor, recipient=funded.agents[0], reason=reason, points=150)
    grant = Transaction.objects.get(kind=TransactionKind.BUDGET_GRANT)
    before = db_state()

    response = api(funded.hr).post(reverse_url(grant), {"reason": "too generous"}, format="json")

    assert_error(response, 409, "budget_exceeded")
    assert db_state() == before


def test_reversing_a_redemption_is_refused_reject_or_cancel_it_instead(api, funded, reason):
    # The generic reversal would refund the points but leave the redemption and the stock as
    # they were: tests/ledger/test_reversal_rules.py has the cases with real redemptions.
    agent = funded.agents[0]
    award_create(giver=funded.supervisor, recipient=agent, reason=reason, points=40)
    redemption = spend(agent, 25)
    before = db_state()

    response = api(funded.hr).post(reverse_url(redemption), {"reason": "refund"}, format="json")

    assert_error(response, 409, "reversal_not_allowed")
    assert db_state() == before
    assert balance_of(user=agent) == 15


@pytest.mark.parametrize("who", ["agent", "supervisor", "recipient", "agency_agent"])
def test_only_hr_reverses(api, funded, reason, who):
    award = award_create(
        giver=funded.supervisor, recipient=funded.agents[0], reason=reason, points=40
    )
    actor = {
        "agent": funded.agents[1],
        "supervisor": funded.supervisor,
        "recipient": funded.agents[0],
        "agency_agent": AgentFactory(team=funded.team, employment_type=EmploymentType.AGENCY),
    }[who]
    before = db_state()

    response = api(actor).post(reverse_url(award.transaction), {"reason": "mine"}, format="json")

    assert_error(response, 403, "permission_denied")
    assert db_state() == before


@pytest.mark.parametrize("pk", ["999999", str(2**63), str(10**25)])
def test_reversing_an_unknown_transaction_is_a_404(api, funded, pk):
    before = db_state()

    response = api(funded.hr).post(
        f"/api/v1/ledger/transactions/{pk}/reverse/", {"reason": "x"}, format="json"
    )

    assert_error(response, 404, "not_found")
    assert db_state() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "reason"),
        ({"reason": ""}, "reason"),
        ({"reason": "   "}, "reason"),
        ({"reason": None}, "reason"),
        ({"reason": "x" * 501}, "reason"),
        ({"reason": ["x"]}, "reason"),
        ([{"reason": "x"}], "non_field_errors"),
    ],
    ids=["missing", "empty", "blank", "null", "too-long", "list", "json-list"],
)
def test_reversing_with_bad_input_is_a_400_and_writes_nothing(api, funded, reason, body, field):
    award = award_create(
        giver=funded.supervisor, recipient=funded.agents[0], reason=reason, points=40
    )
    before = db_state()

    response = api(funded.hr).post(reverse_url(award.transaction), body, format="json")

    error = assert_error(response, 400, "invalid")
    assert field in error["fields"], error
    assert db_state() == before


def test_reversing_with_malformed_json_is_a_400(api, funded, reason):
    award = award_create(
        giver=funded.supervisor, recipient=funded.agents[0], reason=reason, points=40
    )
    before = db_state()

    response = api(funded.hr).post(
        reverse_url(award.transaction), '{"reason": "x', content_type="application/json"
    )

    assert_error(response, 400, "malformed_request")
    assert db_state() == before


def test_a_reversed_award_can_be_awarded_again_after_reversal(api, funded, reason):
    # the budget returned by a reversal is spendable again
    award = award_create(
        giver=funded.supervisor, recipient=funded.agents[0], reason=reason, points=200
    )
    api(funded.hr).post(reverse_url(award.transaction), {"reason": "wrong person"}, format="json")

    response = api(funded.supervisor).post(
        "/api/v1/awards/",
        {"recipient": funded.agents[1].pk, "reason": reason.code, "points": 200},
        format="json",
    )

    assert response.status_code == 201
    assert balance_of(user=funded.agents[1]) == 200


# --- award reasons ----------------------------------------------------------------------------


def reason_body(**overrides):
    body = {
        "code": "great-teamwork",
        "name_fi": "Loistava tiimityö",
        "name_en": "Great teamwork",
        "description_fi": "Autoit kollegaa",
        "description_en": "Helped a colleague",
        "suggested_min": 5,
        "suggested_max": 50,
        "position": 2,
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not ...}


def test_everyone_reads_the_published_reasons_and_hr_sees_all(api, crew, reason):
    hidden = AwardReasonFactory(code="retired", active=False)

    agent_codes = [r["code"] for r in api(crew.agents[0]).get(REASONS).json()]
    hr_codes = [r["code"] for r in api(crew.hr).get(REASONS).json()]

    assert agent_codes == [reason.code]
    assert set(hr_codes) == {reason.code, hidden.code}
    assert_error(api(crew.agents[0]).get(f"{REASONS}{hidden.pk}/"), 404, "not_found")
    assert api(crew.hr).get(f"{REASONS}{hidden.pk}/").json()["active"] is False


def test_reasons_are_named_in_the_request_language(api, crew, reason):
    fi = api(crew.agents[0]).get(REASONS, HTTP_ACCEPT_LANGUAGE="fi").json()[0]
    en = api(crew.agents[0]).get(REASONS, HTTP_ACCEPT_LANGUAGE="en").json()[0]

    assert fi["name"] == reason.name_fi
    assert en["name"] == reason.name_en


def test_hr_publishes_a_reason(api, crew):
    response = api(crew.hr).post(REASONS, reason_body(), format="json")

    assert response.status_code == 201, response.json()
    created = AwardReason.objects.get(code="great-teamwork")
    assert (created.suggested_min, created.suggested_max, created.active) == (5, 50, True)
    assert response.json()["id"] == created.pk
    assert "great-teamwork" in [r["code"] for r in api(crew.agents[0]).get(REASONS).json()]


BAD_REASONS = [
    pytest.param(reason_body(code=...), "code", id="no-code"),
    pytest.param(reason_body(code="not a slug"), "code", id="code-not-slug"),
    pytest.param(reason_body(code="x" * 51), "code", id="code-too-long"),
    pytest.param(reason_body(name_fi=...), "name_fi", id="no-name-fi"),
    pytest.param(reason_body(name_en=""), "name_en", id="blank-name-en"),
    pytest.param(reason_body(name_en="x" * 121), "name_en", id="long-name-en"),
    pytest.param(reason_body(suggested_min=0), "suggested_min", id="min-zero"),
    pytest.param(reason_body(suggested_min=-1), "suggested_min", id="min-negative"),
    pytest.param(reason_body(suggested_min=1.5), "suggested_min", id="min-float"),
    pytest.param(reason_body(suggested_min="10"), "suggested_min", id="min-string"),
    pytest.param(reason_body(suggested_min=True), "suggested_min", id="min-boolean"),
    pytest.param(reason_body(suggested_max=None), "suggested_max", id="max-null"),
    pytest.param(reason_body(suggested_max=2**63), "suggested_max", id="max-huge"),
    pytest.param(
        reason_body(suggested_min=60, suggested_max=50), "suggested_max", id="min-over-max"
    ),
    pytest.param(reason_body(suggested_max=501), "suggested_max", id="max-over-award-cap"),
    pytest.param(reason_body(position=-1), "position", id="position-negative"),
    pytest.param(reason_body(position=40000), "position", id="position-huge"),
    pytest.param(reason_body(active="maybe"), "active", id="active-not-boolean"),
    pytest.param(reason_body(code="customer-feedback"), "code", id="code-taken"),
    pytest.param([reason_body()], "non_field_errors", id="json-list"),
]


@pytest.mark.parametrize(("body", "field"), BAD_REASONS)
def test_publishing_a_reason_with_bad_input_is_a_400_and_writes_nothing(
    api, crew, reason, body, field
):
    before = db_state()

    response = api(crew.hr).post(REASONS, body, format="json")

    error = assert_error(response, 400, "invalid")
    assert field in error["fields"], error
    assert db_state() == before


@pytest.mark.parametrize("who", ["agent", "supervisor"])
def test_only_hr_publishes_and_changes_reasons(api, crew, reason, who):
    actor = crew.agents[0] if who == "agent" else crew.supervisor
    before = db_state()

    created = api(actor).post(REASONS, reason_body(), format="json")
    changed = api(actor).patch(f"{REASONS}{reason.pk}/", {"suggested_max": 1000}, format="json")

    assert_error(created, 403, "permission_denied")
    assert_error(changed, 403, "permission_denied")
    assert db_state() == before


def test_hr_changes_a_reason_leaving_other_fields_alone(api, crew):
    hidden = AwardReasonFactory(code="seasonal", active=False, position=7, suggested_max=40)

    response = api(crew.hr).patch(
        f"{REASONS}{hidden.pk}/", {"name_en": "Seasonal effort", "suggested_max": 80}, format="json"
    )

    assert response.status_code == 200, response.json()
    hidden.refresh_from_db()
    assert hidden.name_en == "Seasonal effort"
    assert hidden.suggested_max == 80
    # a partial update does not reset fields with defaults
    assert hidden.active is False
    assert hidden.position == 7


def test_a_reasons_code_cannot_be_changed(api, crew, reason):
    before = db_state()

    response = api(crew.hr).patch(f"{REASONS}{reason.pk}/", {"code": "renamed"}, format="json")

    assert response.status_code == 200
    assert response.json()["code"] == reason.code
    assert db_state() == before


BAD_REASON_UPDATES = [
    pytest.param({"suggested_min": 101}, "suggested_max", id="min-over-existing-max"),
    pytest.param({"suggested_max": 9}, "suggested_max", id="max-under-existing-min"),
    pytest.param({"suggested_max": 501}, "suggested_max", id="max-over-award-cap"),
    pytest.param({"suggested_min": 0}, "suggested_min", id="min-zero"),
    pytest.param({"suggested_max": "50"}, "suggested_max", id="max-string"),
    pytest.param({"name_fi": ""}, "name_fi", id="blank-name"),
    pytest.param({"description_en": None}, "description_en", id="null-description"),
    pytest.param({"active": None}, "active", id="null-active"),
    pytest.param({"name_fi": "OK", "suggested_min": 0}, "suggested_min", id="good-and-bad"),
    pytest.param([{"name_fi": "x"}], "non_field_errors", id="json-list"),
]


@pytest.mark.parametrize(("body", "field"), BAD_REASON_UPDATES)
def test_changing_a_reason_with_bad_input_is_a_400_and_writes_nothing(
    api, crew, reason, body, field
):
    # the reason fixture suggests 10..100
    before = db_state()

    response = api(crew.hr).patch(f"{REASONS}{reason.pk}/", body, format="json")

    error = assert_error(response, 400, "invalid")
    assert field in error["fields"], error
    assert db_state() == before


def test_changing_an_unknown_reason_is_a_404(api, crew):
    before = db_state()

    response = api(crew.hr).patch(f"{REASONS}999999/", {"name_fi": "x"}, format="json")

    assert_error(response, 404, "not_found")
    assert db_state() == before


def test_unpublishing_a_reason_stops_awards_with_it_but_keeps_the_old_ones(api, funded, reason):
    award = award_create(
        giver=funded.supervisor, recipient=funded.agents[0], reason=reason, points=10
    )
    api(funded.hr).patch(f"{REASONS}{reason.pk}/", {"active": False}, format="json")
    before = db_state()

    response = api(funded.supervisor).post(
        "/api/v1/awards/",
        {"recipient": funded.agents[0].pk, "reason": reason.code, "points": 10},
        format="json",
    )

    assert_error(response, 400, "unknown_reason")
    assert db_state() == before
    assert api(funded.agents[1]).get(f"/api/v1/awards/{award.pk}/").json()["reason"]["code"] == (
        reason.code
    )


# --- budgets ----------------------------------------------------------------------------------


def budget_body(person, **overrides):
    body = {"supervisor": person.pk, "amount": 300, "mode": "per_member", "rollover": True}
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not ...}


def test_hr_sets_a_supervisors_budget_policy(api, crew):
    response = api(crew.hr).post(BUDGETS, budget_body(crew.supervisor), format="json")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["supervisor"]["id"] == crew.supervisor.pk
    assert (body["amount"], body["mode"], body["rollover"], body["active"]) == (
        300,
        "per_member",
        True,
        True,
    )
    assert body["left"] == 0
    policy = BudgetPolicy.objects.get(supervisor=crew.supervisor)
    assert (policy.amount, policy.mode, policy.rollover) == (300, BudgetMode.PER_MEMBER, True)


def test_setting_a_budget_again_changes_the_one_policy(api, crew):
    api(crew.hr).post(BUDGETS, budget_body(crew.supervisor), format="json")

    response = api(crew.hr).post(
        BUDGETS, budget_body(crew.supervisor, amount=0, mode="flat", rollover=False), format="json"
    )

    assert response.status_code == 200
    policy = BudgetPolicy.objects.get(supervisor=crew.supervisor)
    assert (policy.amount, policy.mode, policy.rollover) == (0, BudgetMode.FLAT, False)


def test_a_supervisor_reads_their_own_budget_with_what_is_left(api, funded, reason):
    award_create(giver=funded.supervisor, recipient=funded.agents[0], reason=reason, points=45)

    response = api(funded.supervisor).get(f"{BUDGETS}{funded.supervisor.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert body["left"] == 155
    assert body["amount"] == 200
    assert body["current_period"]["granted"] == 200
    listed = api(funded.supervisor).get(BUDGETS).json()
    assert [b["supervisor"]["id"] for b in listed["results"]] == [funded.supervisor.pk]


def test_a_supervisor_cannot_see_another_supervisors_budget(api, funded):
    other = SupervisorFactory()
    fund_budget(other, 500)

    assert_error(api(funded.supervisor).get(f"{BUDGETS}{other.pk}/"), 404, "not_found")
    assert_error(api(funded.agents[0]).get(f"{BUDGETS}{funded.supervisor.pk}/"), 404, "not_found")
    assert api(funded.agents[0]).get(BUDGETS).json()["count"] == 0


def test_hr_sees_every_supervisors_budget(api, funded):
    other = SupervisorFactory()

    body = api(funded.hr).get(BUDGETS).json()

    assert {b["supervisor"]["id"] for b in body["results"]} == {funded.supervisor.pk, other.pk}
    unset = next(b for b in body["results"] if b["supervisor"]["id"] == other.pk)
    assert (unset["amount"], unset["left"], unset["current_period"]) == (None, 0, None)
    assert api(funded.hr).get(f"{BUDGETS}{other.pk}/").json()["left"] == 0


def test_a_budget_for_someone_who_is_not_a_supervisor_is_a_400(api, crew):
    for person in [crew.agents[0], crew.hr]:
        before = db_state()

        response = api(crew.hr).post(BUDGETS, budget_body(person), format="json")

        error = assert_error(response, 400, "invalid")
        assert "supervisor" in error["fields"]
        assert db_state() == before


def test_a_budget_for_an_unknown_person_is_a_404(api, crew):
    before = db_state()

    response = api(crew.hr).post(BUDGETS, {"supervisor": 999999, "amount": 10}, format="json")

    error = assert_error(response, 404, "unknown_person")
    assert error["extra"] == {"field": "supervisor"}
    assert db_state() == before


BAD_BUDGETS = [
    pytest.param({"supervisor": ...}, "supervisor", id="no-supervisor"),
    pytest.param({"supervisor": "abc"}, "supervisor", id="supervisor-string"),
    pytest.param({"supervisor": 2**63}, "supervisor", id="supervisor-out-of-range"),
    pytest.param({"supervisor": None}, "supervisor", id="supervisor-null"),
    pytest.param({"amount": ...}, "amount", id="no-amount"),
    pytest.param({"amount": -1}, "amount", id="amount-negative"),
    pytest.param({"amount": 10_000_001}, "amount", id="amount-too-big"),
    pytest.param({"amount": 2**63}, "amount", id="amount-huge"),
    pytest.param({"amount": 1.5}, "amount", id="amount-float"),
    pytest.param({"amount": 10.0}, "amount", id="amount-float-whole"),
    pytest.param({"amount": "10"}, "amount", id="amount-string"),
    pytest.param({"amount": True}, "amount", id="amount-boolean"),
    pytest.param({"amount": None}, "amount", id="amount-null"),
    pytest.param({"mode": "weekly"}, "mode", id="mode-unknown"),
    pytest.param({"rollover": "perhaps"}, "rollover", id="rollover-not-boolean"),
]


@pytest.mark.parametrize(("change", "field"), BAD_BUDGETS)
def test_setting_a_budget_with_bad_input_is_a_400_and_writes_nothing(api, crew, change, field):
    fund_budget(crew.supervisor, 100)
    before = db_state()

    response = api(crew.hr).post(BUDGETS, budget_body(crew.supervisor, **change), format="json")

    error = assert_error(response, 400, "invalid")
    assert field in error["fields"], error
    assert db_state() == before


def test_setting_a_budget_with_a_json_list_or_malformed_json_is_a_400(api, crew):
    before = db_state()

    as_list = api(crew.hr).post(BUDGETS, [budget_body(crew.supervisor)], format="json")
    malformed = api(crew.hr).post(BUDGETS, '{"supervisor": ', content_type="application/json")

    assert "non_field_errors" in assert_error(as_list, 400, "invalid")["fields"]
    assert_error(malformed, 400, "malformed_request")
    assert db_state() == before


@pytest.mark.parametrize("who", ["agent", "supervisor_for_self", "supervisor_for_other"])
def test_only_hr_sets_budgets(api, crew, who):
    other = SupervisorFactory()
    actor, target = {
        "agent": (crew.agents[0], crew.supervisor),
        "supervisor_for_self": (crew.supervisor, crew.supervisor),
        "supervisor_for_other": (crew.supervisor, other),
    }[who]
    before = db_state()

    response = api(actor).post(BUDGETS, budget_body(target, amount=10**6), format="json")

    assert_error(response, 403, "permission_denied")
    assert db_state() == before


def test_per_member_budget_is_granted_per_active_team_member(api, crew):
    # given: HR sets 100 per member for a supervisor of a team of 3 (+1 in a second team)
    second = TeamFactory()
    second.leaders.add(crew.supervisor)
    AgentFactory(team=second)
    api(crew.hr).post(BUDGETS, budget_body(crew.supervisor, amount=100), format="json")
    # when: the period opens
    from ledger.services import budget_period_open, period_start_for

    budget_period_open(supervisor=crew.supervisor, period_start=period_start_for())
    # then
    body = api(crew.supervisor).get(f"{BUDGETS}{crew.supervisor.pk}/").json()
    assert body["left"] == 400
    assert body["current_period"]["granted"] == 400
