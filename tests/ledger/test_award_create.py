"""`award_create`, the one service behind both the award page and POST /api/v1/awards/."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import InvalidInputError, PermissionDeniedError
from ledger.errors import (
    AwardCapExceededError,
    BudgetExceededError,
    NotASupervisorError,
    NotInYourTeamError,
    RecipientInactiveError,
    SelfAwardError,
)
from ledger.models import Account, AccountKind, Award, TransactionKind
from ledger.selectors import balance_of, ledger_verify
from ledger.services import award_create
from ledger.services.postings import DuplicateTransactionError
from ledger.services.thanks import thanks_create
from people.models import EmploymentType, Role
from people.services import person_deactivate
from tests.api_support import db_state
from tests.conftest import fund_budget
from tests.ledger.factories import AwardReasonFactory
from tests.people.factories import AgentFactory, HRFactory, SupervisorFactory, TeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def funded(crew, reason):
    fund_budget(crew.supervisor, 200)
    return crew


def refused(error_type, **kwargs):
    """Call award_create expecting `error_type`; assert nothing was written; return the error."""
    before = db_state()
    with pytest.raises(error_type) as caught:
        award_create(**kwargs)
    assert db_state() == before
    return caught.value


# --- what an award writes ---------------------------------------------------------------------


def test_an_award_is_one_balanced_transaction_and_one_award_row(funded, reason):
    agent = funded.agents[0]
    # when
    award = award_create(
        giver=funded.supervisor, recipient=agent, reason=reason, points=30, message="  Kiitos!  "
    )
    # then
    assert Award.objects.get() == award
    assert (award.giver, award.recipient, award.reason, award.points) == (
        funded.supervisor,
        agent,
        reason,
        30,
    )
    assert award.message == "Kiitos!"
    txn = award.transaction
    assert txn.kind == TransactionKind.AWARD
    assert txn.actor == funded.supervisor
    assert txn.memo == f"{reason.code}: Kiitos!"
    assert txn.idempotency_key.startswith("auto:")
    assert award.created_at == txn.created_at
    legs = {(e.account.kind, e.account.owner_id): e.amount for e in txn.entries.all()}
    assert legs == {
        (AccountKind.BUDGET, funded.supervisor.pk): -30,
        (AccountKind.WALLET, agent.pk): 30,
    }
    assert balance_of(user=agent) == 30
    assert balance_of(user=funded.supervisor, kind=AccountKind.BUDGET) == 170
    assert ledger_verify() == []


def test_without_a_message_the_memo_is_the_reason_code(funded, reason):
    award = award_create(
        giver=funded.supervisor, recipient=funded.agents[0], reason=reason, points=1
    )

    assert award.message == ""
    assert award.transaction.memo == reason.code


def test_the_first_award_opens_the_recipients_wallet(funded, reason):
    agent = funded.agents[0]
    assert not Account.objects.filter(owner=agent).exists()

    award_create(giver=funded.supervisor, recipient=agent, reason=reason, points=5)

    assert Account.objects.get(owner=agent).kind == AccountKind.WALLET


def test_an_idempotency_key_is_recorded_per_giver(funded, reason):
    award = award_create(
        giver=funded.supervisor,
        recipient=funded.agents[0],
        reason=reason,
        points=5,
        idempotency_key="abc-123",
    )

    assert award.transaction.idempotency_key == f"award:{funded.supervisor.pk}:abc-123"


def test_a_long_idempotency_key_is_stored_as_a_digest_that_fits(funded, reason):
    key = "k" * 255

    award = award_create(
        giver=funded.supervisor,
        recipient=funded.agents[0],
        reason=reason,
        points=5,
        idempotency_key=key,
    )

    stored = award.transaction.idempotency_key
    assert len(stored) <= 255
    assert stored.startswith(f"award:{funded.supervisor.pk}:sha256:")
    # and it still refuses a second posting with the same key
    refused(
        DuplicateTransactionError,
        giver=funded.supervisor,
        recipient=funded.agents[1],
        reason=reason,
        points=5,
        idempotency_key=key,
    )


def test_the_same_idempotency_key_twice_is_refused_and_moves_nothing(funded, reason):
    award_create(
        giver=funded.supervisor,
        recipient=funded.agents[0],
        reason=reason,
        points=5,
        idempotency_key="k",
    )

    error = refused(
        DuplicateTransactionError,
        giver=funded.supervisor,
        recipient=funded.agents[0],
        reason=reason,
        points=5,
        idempotency_key="k",
    )

    assert error.code == "duplicate_transaction"
    assert balance_of(user=funded.agents[0]) == 5


def test_two_givers_may_use_the_same_key(funded, reason):
    other = SupervisorFactory()
    funded.team.leaders.add(other)
    fund_budget(other, 10)

    for giver in [funded.supervisor, other]:
        award_create(
            giver=giver, recipient=funded.agents[0], reason=reason, points=5, idempotency_key="k"
        )

    assert balance_of(user=funded.agents[0]) == 10


def test_created_at_can_be_given_for_imported_history(funded, reason):
    when = timezone.now() - timedelta(days=400)

    award = award_create(
        giver=funded.supervisor,
        recipient=funded.agents[0],
        reason=reason,
        points=5,
        created_at=when,
    )

    assert award.created_at == when
    assert award.transaction.created_at == when


def test_agency_staff_receive_awards_like_permanent_staff(funded, reason):
    agency = AgentFactory(team=funded.team, employment_type=EmploymentType.AGENCY)

    award_create(giver=funded.supervisor, recipient=agency, reason=reason, points=7)

    assert balance_of(user=agency) == 7


def test_an_agency_supervisor_awards_like_a_permanent_one(crew, reason):
    agency_lead = SupervisorFactory(employment_type=EmploymentType.AGENCY)
    crew.team.leaders.add(agency_lead)
    fund_budget(agency_lead, 20)

    award_create(giver=agency_lead, recipient=crew.agents[0], reason=reason, points=20)

    assert balance_of(user=crew.agents[0]) == 20


# --- points -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "points", [0, -1, -(2**63), 1.5, 10.0, "10", None, True, False, Decimal("10")], ids=repr
)
def test_points_must_be_a_positive_int(funded, reason, points):
    error = refused(
        InvalidInputError,
        giver=funded.supervisor,
        recipient=funded.agents[0],
        reason=reason,
        points=points,
    )

    assert error.code == "invalid"
    assert list(error.fields) == ["points"]


@pytest.mark.parametrize("over", [1, 2**63, 10**30])
def test_points_over_the_cap_are_refused_before_touching_the_database(
    funded, reason, settings, over
):
    error = refused(
        AwardCapExceededError,
        giver=funded.supervisor,
        recipient=funded.agents[0],
        reason=reason,
        points=settings.AWARD_MAX_POINTS + over,
    )

    assert error.http_status == 400
    assert error.extra == {"cap": settings.AWARD_MAX_POINTS}


def test_the_cap_follows_the_setting(crew, reason, settings):
    settings.AWARD_MAX_POINTS = 10
    fund_budget(crew.supervisor, 100)

    award_create(giver=crew.supervisor, recipient=crew.agents[0], reason=reason, points=10)
    refused(
        AwardCapExceededError,
        giver=crew.supervisor,
        recipient=crew.agents[0],
        reason=reason,
        points=11,
    )


# --- budget -----------------------------------------------------------------------------------


def test_the_whole_budget_can_be_awarded_and_not_one_point_more(funded, reason):
    award_create(giver=funded.supervisor, recipient=funded.agents[0], reason=reason, points=150)
    award_create(giver=funded.supervisor, recipient=funded.agents[1], reason=reason, points=50)

    error = refused(
        BudgetExceededError,
        giver=funded.supervisor,
        recipient=funded.agents[2],
        reason=reason,
        points=1,
    )

    assert error.extra == {"balance": 0, "required": 1}
    assert error.http_status == 409
    assert balance_of(user=funded.supervisor, kind=AccountKind.BUDGET) == 0
    assert ledger_verify() == []


def test_a_supervisor_who_was_never_funded_has_no_budget(crew, reason):
    error = refused(
        BudgetExceededError,
        giver=crew.supervisor,
        recipient=crew.agents[0],
        reason=reason,
        points=1,
    )

    assert error.extra == {"balance": 0, "required": 1}
    # not even the empty accounts opened on the way stay behind
    assert not Account.objects.filter(owner__in=[crew.supervisor, crew.agents[0]]).exists()


def test_the_supervisors_own_wallet_does_not_fund_awards(funded, reason):
    # given: a supervisor with points in their wallet (from their own lead, who must be HR to
    # award a team leader) but an empty budget
    lead = SupervisorFactory(is_superuser=True)
    fund_budget(lead, 100)
    upper = TeamFactory()
    upper.leaders.add(lead)
    funded.supervisor.team = upper
    funded.supervisor.save(update_fields=["team"])
    award_create(giver=lead, recipient=funded.supervisor, reason=reason, points=100)
    award_create(giver=funded.supervisor, recipient=funded.agents[0], reason=reason, points=200)
    # when / then
    refused(
        BudgetExceededError,
        giver=funded.supervisor,
        recipient=funded.agents[1],
        reason=reason,
        points=1,
    )
    assert balance_of(user=funded.supervisor) == 100


# --- who may award whom -----------------------------------------------------------------------


@pytest.mark.parametrize("giver", ["agent", "hr", "superuser", "inactive_supervisor"])
def test_only_an_active_supervisor_awards(crew, reason, giver):
    person = {
        "agent": lambda: crew.agents[1],
        "hr": lambda: crew.hr,
        "superuser": lambda: HRFactory(is_superuser=True),
        "inactive_supervisor": lambda: SupervisorFactory(is_active=False),
    }[giver]()
    if person.role == Role.SUPERVISOR:
        crew.team.leaders.add(person)
        fund_budget(person, 100)

    error = refused(
        NotASupervisorError, giver=person, recipient=crew.agents[0], reason=reason, points=5
    )

    assert error.code == "not_a_supervisor"
    assert isinstance(error, PermissionDeniedError)
    assert error.http_status == 403


def test_a_supervisor_demoted_to_agent_can_no_longer_award(funded, reason):
    funded.supervisor.role = Role.AGENT
    funded.supervisor.save(update_fields=["role"])

    refused(
        NotASupervisorError,
        giver=funded.supervisor,
        recipient=funded.agents[0],
        reason=reason,
        points=5,
    )


def test_a_supervisor_cannot_award_themself(funded, reason):
    funded.supervisor.team = funded.team
    funded.supervisor.save(update_fields=["team"])

    error = refused(
        SelfAwardError,
        giver=funded.supervisor,
        recipient=funded.supervisor,
        reason=reason,
        points=5,
    )

    assert error.code == "self_award"
    assert error.http_status == 403


def test_a_supervisor_outside_any_of_their_teams_cannot_award_themself_either(funded, reason):
    refused(
        SelfAwardError,
        giver=funded.supervisor,
        recipient=funded.supervisor,
        reason=reason,
        points=5,
    )


@pytest.mark.parametrize("recipient", ["other_team", "no_team", "other_supervisor", "hr"])
def test_only_members_of_the_givers_teams_receive(funded, reason, recipient):
    person = {
        "other_team": lambda: AgentFactory(team=TeamFactory()),
        "no_team": lambda: AgentFactory(team=None),
        "other_supervisor": lambda: SupervisorFactory(),
        "hr": lambda: funded.hr,
    }[recipient]()

    error = refused(
        NotInYourTeamError, giver=funded.supervisor, recipient=person, reason=reason, points=5
    )

    assert error.code == "not_in_your_team"
    assert error.http_status == 403


def test_a_member_who_moved_to_another_team_is_out_of_reach(funded, reason):
    agent = funded.agents[0]
    agent.team = TeamFactory()
    agent.save(update_fields=["team"])

    refused(NotInYourTeamError, giver=funded.supervisor, recipient=agent, reason=reason, points=5)


def test_a_supervisor_of_several_teams_reaches_all_of_them(funded, reason):
    second = TeamFactory()
    second.leaders.add(funded.supervisor)
    member = AgentFactory(team=second)

    award_create(giver=funded.supervisor, recipient=member, reason=reason, points=5)
    award_create(giver=funded.supervisor, recipient=funded.agents[0], reason=reason, points=5)

    assert Award.objects.count() == 2


def test_two_supervisors_of_one_team_both_reach_its_members(funded, reason):
    co_lead = SupervisorFactory()
    funded.team.leaders.add(co_lead)
    fund_budget(co_lead, 10)

    award_create(giver=co_lead, recipient=funded.agents[0], reason=reason, points=10)

    assert balance_of(user=funded.agents[0]) == 10


def test_someone_who_left_cannot_receive(funded, reason):
    person_deactivate(person=funded.agents[0])

    error = refused(
        RecipientInactiveError,
        giver=funded.supervisor,
        recipient=funded.agents[0],
        reason=reason,
        points=5,
    )

    assert error.code == "recipient_inactive"
    assert error.http_status == 409


# --- reason and message -----------------------------------------------------------------------


def test_an_unpublished_reason_is_refused(funded):
    retired = AwardReasonFactory(code="retired", active=False)

    error = refused(
        InvalidInputError,
        giver=funded.supervisor,
        recipient=funded.agents[0],
        reason=retired,
        points=5,
    )

    assert list(error.fields) == ["reason"]


def test_points_outside_the_suggested_range_are_allowed(funded, reason):
    # the range is a suggestion for the supervisor, not a rule; only the cap is a rule
    low = award_create(giver=funded.supervisor, recipient=funded.agents[0], reason=reason, points=1)
    high = award_create(
        giver=funded.supervisor,
        recipient=funded.agents[1],
        reason=reason,
        points=reason.suggested_max + 1,
    )

    assert (low.points, high.points) == (1, reason.suggested_max + 1)


def test_a_message_longer_than_500_characters_is_refused(funded, reason):
    error = refused(
        InvalidInputError,
        giver=funded.supervisor,
        recipient=funded.agents[0],
        reason=reason,
        points=5,
        message="x" * 501,
    )

    assert list(error.fields) == ["message"]


def test_a_message_is_trimmed_before_its_length_is_checked(funded, reason):
    award = award_create(
        giver=funded.supervisor,
        recipient=funded.agents[0],
        reason=reason,
        points=5,
        message=f"\n {'ö' * 500} \t",
    )

    assert award.message == "ö" * 500


def test_a_none_message_is_an_empty_message(funded, reason):
    award = award_create(
        giver=funded.supervisor, recipient=funded.agents[0], reason=reason, points=5, message=None
    )

    assert award.message == ""


# --- the order of refusals --------------------------------------------------------------------


def test_bad_points_are_reported_before_who_is_asking(crew, reason):
    # an agent sending 0 points learns about the points, and nothing is written either way
    refused(
        InvalidInputError, giver=crew.agents[0], recipient=crew.agents[1], reason=reason, points=0
    )


def test_a_refusal_in_the_middle_of_a_series_leaves_earlier_awards_intact(funded, reason):
    award_create(giver=funded.supervisor, recipient=funded.agents[0], reason=reason, points=100)
    refused(
        BudgetExceededError,
        giver=funded.supervisor,
        recipient=funded.agents[1],
        reason=reason,
        points=101,
    )
    award_create(giver=funded.supervisor, recipient=funded.agents[1], reason=reason, points=100)

    assert balance_of(user=funded.agents[0]) == balance_of(user=funded.agents[1]) == 100
    assert ledger_verify() == []


@pytest.mark.usefixtures("postgres")
def test_the_award_rows_own_key_refusing_is_its_own_error_and_writes_nothing(funded, reason):
    """The award row goes in with its transaction in one statement: when the row's own unique
    key refuses it (a thanks paid out twice, past `thanks_award`'s lock), the caller sees that
    refusal, not a duplicate transaction, and nothing is written."""
    sup, agent, other = funded.supervisor, funded.agents[0], funded.agents[1]
    thanks = thanks_create(giver=other, recipient=agent, reason=reason, message="Kiitos")
    award_create(giver=sup, recipient=agent, reason=reason, points=5, thanks=thanks)
    before = db_state()
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        award_create(giver=sup, recipient=agent, reason=reason, points=5, thanks=thanks)
    assert not isinstance(caught.value, DuplicateTransactionError)
    assert "thanks" in str(caught.value)
    assert db_state() == before
