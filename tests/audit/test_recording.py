"""Each sensitive action writes exactly one audit event, with who did it and what changed, in
the same transaction as the action: a refused or rolled-back action writes none."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from audit.models import AuditAction, AuditEvent
from audit.services import audit_record
from ledger.models import BudgetPolicy, Transaction
from ledger.services import award_create, budget_period_open, budget_policy_set, period_start_for
from people.models import Role
from pricing.models import Sale
from rewards.drawings import drawings_sweep
from tests.api_support import assert_error, db_state, isolate_throttle_cache
from tests.audit.support import admin_login
from tests.conftest import fund_budget
from tests.insights.conftest import award, csv_of
from tests.people.factories import AgentFactory, HRFactory, SupervisorFactory, TeamFactory
from tests.rewards.drawing_support import make_drawing, make_due
from tests.rewards.factories import RewardFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _own_throttle_cache(monkeypatch):
    isolate_throttle_cache(monkeypatch)


def only_event(action: str) -> AuditEvent:
    """The one event of `action`, asserting there is exactly one."""
    events = list(AuditEvent.objects.filter(action=action))
    assert len(events) == 1, events
    return events[0]


# --- ledger -------------------------------------------------------------------------------------


def test_a_reversal_records_who_what_and_why(api, crew, reason):
    fund_budget(crew.supervisor, 100)
    given = award_create(giver=crew.supervisor, recipient=crew.agents[0], reason=reason, points=40)

    response = api(crew.hr).post(
        f"/api/v1/ledger/transactions/{given.transaction_id}/reverse/",
        {"reason": "wrong person"},
        format="json",
    )

    assert response.status_code == 201, response.content
    event = only_event(AuditAction.LEDGER_REVERSAL)
    assert event.actor == crew.hr
    assert (event.subject_type, event.subject_id) == (
        "ledger.transaction",
        str(given.transaction_id),
    )
    assert event.details == {
        "original": given.transaction_id,
        "reversal": response.json()["id"],
        "kind": "award",
        "amount": 40,
        "reason": "wrong person",
    }
    assert event.ip == "127.0.0.1"  # the request's address, handed over by the middleware


def test_a_refused_reversal_records_nothing(api, crew, reason):
    fund_budget(crew.supervisor, 100)
    given = award_create(giver=crew.supervisor, recipient=crew.agents[0], reason=reason, points=40)
    url = f"/api/v1/ledger/transactions/{given.transaction_id}/reverse/"
    api(crew.hr).post(url, {"reason": "once"}, format="json")
    before = db_state()

    response = api(crew.hr).post(url, {"reason": "twice"}, format="json")

    assert_error(response, 409, "already_reversed")
    assert db_state() == before
    assert AuditEvent.objects.filter(action=AuditAction.LEDGER_REVERSAL).count() == 1


# --- budgets ------------------------------------------------------------------------------------


def test_hr_changing_a_budget_policy_records_before_and_after(api, crew):
    BudgetPolicy.objects.create(supervisor=crew.supervisor, amount=100)

    response = api(crew.hr).post(
        "/api/v1/budgets/", {"supervisor": crew.supervisor.pk, "amount": 250}, format="json"
    )

    assert response.status_code == 200, response.content
    event = only_event(AuditAction.BUDGET_POLICY_CHANGED)
    assert event.actor == crew.hr and event.subject_label == crew.supervisor.name
    assert event.details == {
        "supervisor": crew.supervisor.pk,
        "created": False,
        "changes": {"amount": [100, 250]},
    }


def test_saving_the_same_policy_again_records_nothing(crew):
    budget_policy_set(supervisor=crew.supervisor, amount=100, actor=crew.hr)

    budget_policy_set(supervisor=crew.supervisor, amount=100, actor=crew.hr)

    assert AuditEvent.objects.filter(action=AuditAction.BUDGET_POLICY_CHANGED).count() == 1


def test_a_refused_budget_policy_records_nothing(api, crew):
    before = db_state()

    response = api(crew.hr).post(
        "/api/v1/budgets/", {"supervisor": crew.agents[0].pk, "amount": 250}, format="json"
    )

    assert_error(response, 400, "invalid")
    assert db_state() == before


def test_a_budget_policy_saved_in_the_admin_is_recorded(client, crew):
    admin_login(client, crew.hr)

    response = client.post(
        "/admin/ledger/budgetpolicy/add/",
        {"supervisor": crew.supervisor.pk, "amount": 300, "mode": "flat", "active": "on"},
    )

    assert response.status_code == 302, response.content
    event = only_event(AuditAction.BUDGET_POLICY_CHANGED)
    assert event.actor == crew.hr
    assert event.details["created"] is True
    assert event.details["changes"]["amount"] == [None, 300]


def test_opening_a_budget_period_is_recorded_as_the_system(crew):
    BudgetPolicy.objects.create(supervisor=crew.supervisor, amount=120)

    budget_period_open(supervisor=crew.supervisor, period_start=period_start_for())
    budget_period_open(supervisor=crew.supervisor, period_start=period_start_for())  # no-op

    event = only_event(AuditAction.BUDGET_PERIOD_OPENED)
    assert event.actor is None and event.ip is None
    assert event.details == {
        "supervisor": crew.supervisor.pk,
        "period_start": period_start_for().isoformat(),
        "granted": 120,
        "lapsed": 0,
    }


# --- pricing ------------------------------------------------------------------------------------


def test_saving_pricing_parameters_records_the_changed_values(api, crew):
    response = api(crew.hr).post("/api/v1/pricing/parameters/", {"eta": 0.08}, format="json")

    assert response.status_code == 201, response.content
    event = only_event(AuditAction.PRICING_PARAMETERS_SAVED)
    assert event.actor == crew.hr
    assert event.subject_id == str(response.json()["version"])
    assert list(event.details["changes"]) == ["eta"]
    assert float(event.details["changes"]["eta"][1]) == 0.08


def test_refused_pricing_parameters_record_nothing(api, crew):
    before = AuditEvent.objects.count()

    response = api(crew.hr).post("/api/v1/pricing/parameters/", {"eta": -5}, format="json")

    assert_error(response, 400, "invalid")
    assert AuditEvent.objects.count() == before


def test_creating_and_cancelling_a_sale_are_recorded(api, crew):
    reward = RewardFactory()
    now = timezone.now()
    payload = {
        "name": "Wellbeing week",
        "multiplier": "0.8",
        "starts_at": (now + timedelta(days=1)).isoformat(),
        "ends_at": (now + timedelta(days=2)).isoformat(),
        "rewards": [reward.pk],
    }

    created = api(crew.hr).post("/api/v1/pricing/sales/", payload, format="json")
    assert created.status_code == 201, created.content
    cancelled = api(crew.hr).delete(f"/api/v1/pricing/sales/{created.json()['id']}/")
    assert cancelled.status_code == 200, cancelled.content

    sale = Sale.objects.get()
    made = only_event(AuditAction.PRICING_SALE_CREATED)
    assert (made.actor, made.subject_id, made.subject_label) == (crew.hr, str(sale.pk), sale.name)
    assert made.details["rewards"] == [reward.pk]
    assert made.details["multiplier"] == "0.800"
    assert only_event(AuditAction.PRICING_SALE_CANCELLED).actor == crew.hr


# --- imports ------------------------------------------------------------------------------------


def test_a_history_import_records_the_import_and_the_people_it_added(api, crew):
    data = csv_of(award(id="1"))

    response = api(crew.hr).post(
        "/api/v1/imports/history/",
        {"file": SimpleUploadedFile("h.csv", data, "text/csv")},
        format="multipart",
    )

    assert response.status_code == 201, response.content
    imported = only_event(AuditAction.IMPORT_HISTORY)
    assert imported.actor == crew.hr
    assert imported.details["imported"] == 1 and imported.details["skipped"] == 0
    assert imported.details["people_created"] == 2
    people = only_event(AuditAction.IMPORT_PEOPLE)
    assert people.actor == crew.hr
    assert people.details["people"] == 2
    assert people.details["roles"] == {"agent": 1, "supervisor": 1}
    leaders = only_event(AuditAction.TEAM_CHANGED)  # the new supervisor leads the new team
    assert leaders.actor == crew.hr and len(leaders.details["leaders_added"]) == 1


def test_a_rejected_import_records_nothing(api, crew):
    before = db_state()

    response = api(crew.hr).post(
        "/api/v1/imports/history/",
        {"file": SimpleUploadedFile("h.csv", csv_of(award(points="ten")), "text/csv")},
        format="multipart",
    )

    assert response.status_code == 400
    assert db_state() == before


# --- people and teams ---------------------------------------------------------------------------


def test_adding_a_person_records_their_role(api, crew):
    response = api(crew.hr).post(
        "/api/v1/people/",
        {"username": "new.hr", "display_name": "New HR", "password": "a-long-pass-phrase-9",
         "role": "hr"},
        format="json",
    )  # fmt: skip

    assert response.status_code == 201, response.content
    event = only_event(AuditAction.PEOPLE_CREATED)
    assert event.actor == crew.hr and event.subject_label == "New HR"
    assert event.details["role"] == "hr" and event.details["is_staff"] is True


def test_a_role_change_records_before_and_after(api, crew):
    agent = crew.agents[0]

    response = api(crew.hr).patch(f"/api/v1/people/{agent.pk}/", {"role": "hr"}, format="json")

    assert response.status_code == 200, response.content
    event = only_event(AuditAction.PEOPLE_ROLE_CHANGED)
    assert event.actor == crew.hr and event.subject_id == str(agent.pk)
    assert event.details == {"changes": {"role": ["agent", "hr"], "is_staff": [False, True]}}


def test_a_team_change_records_the_team_names(api, crew):
    agent, other = crew.agents[0], TeamFactory(name="Phones")

    response = api(crew.hr).patch(f"/api/v1/people/{agent.pk}/", {"team": other.pk}, format="json")

    assert response.status_code == 200, response.content
    event = only_event(AuditAction.PEOPLE_TEAM_CHANGED)
    assert event.details == {"changes": {"team": [crew.team.name, "Phones"]}}


def test_a_refused_person_change_records_nothing(api, crew):
    before = db_state()

    response = api(crew.hr).patch(
        f"/api/v1/people/{crew.agents[0].pk}/", {"role": "king"}, format="json"
    )

    assert response.status_code == 400
    assert db_state() == before


def test_changing_only_ones_language_is_not_audited(crew):
    from people.services import person_update

    person_update(person=crew.agents[0], preferred_language="en", actor=crew.agents[0])

    assert not AuditEvent.objects.exists()


def test_deactivation_records_the_teams_they_no_longer_lead(api, crew):
    response = api(crew.hr).post(f"/api/v1/people/{crew.supervisor.pk}/deactivate/")

    assert response.status_code == 200, response.content
    event = only_event(AuditAction.PEOPLE_DEACTIVATED)
    assert event.actor == crew.hr
    assert event.details == {
        "changes": {"is_active": [True, False], "leaders": [[crew.team.name], []]}
    }


def test_team_creation_and_a_change_of_its_supervisors_are_recorded(api, crew):
    other = SupervisorFactory(display_name="Sanna")

    created = api(crew.hr).post("/api/v1/teams/", {"name": "Email"}, format="json")
    assert created.status_code == 201, created.content
    changed = api(crew.hr).patch(
        f"/api/v1/teams/{created.json()['id']}/", {"leaders": [other.pk]}, format="json"
    )
    assert changed.status_code == 200, changed.content

    assert only_event(AuditAction.TEAM_CREATED).actor == crew.hr
    event = only_event(AuditAction.TEAM_CHANGED)
    assert event.details == {"changes": {"leaders": [[], ["Sanna"]]}}


def test_a_role_change_in_the_admin_is_recorded(client, crew):
    admin_login(client, crew.hr)
    agent = crew.agents[0]
    form = {
        "username": agent.username, "display_name": agent.display_name, "email": "",
        "role": Role.SUPERVISOR, "team": agent.team_id, "employment_type": agent.employment_type,
        "preferred_language": agent.preferred_language, "is_active": "on",
        "last_login_0": "", "last_login_1": "", "date_joined_0": "2024-01-01",
        "date_joined_1": "10:00:00",
    }  # fmt: skip

    response = client.post(f"/admin/people/user/{agent.pk}/change/", form)

    assert response.status_code == 302, response.content
    event = only_event(AuditAction.PEOPLE_ROLE_CHANGED)
    assert event.actor == crew.hr
    assert event.details["changes"]["role"] == ["agent", "supervisor"]


def test_changing_a_teams_supervisors_in_the_admin_is_recorded(client, crew):
    admin_login(client, crew.hr)
    other = SupervisorFactory(display_name="Sanna")

    response = client.post(
        f"/admin/people/team/{crew.team.pk}/change/",
        {"name": crew.team.name, "leaders": [crew.supervisor.pk, other.pk]},
    )

    assert response.status_code == 302, response.content
    event = only_event(AuditAction.TEAM_CHANGED)
    assert event.actor == crew.hr
    assert event.details == {
        "changes": {"leaders": [[crew.supervisor.name], sorted([crew.supervisor.name, "Sanna"])]}
    }


def test_deleting_an_empty_team_in_the_admin_is_recorded(client, crew):
    admin_login(client, crew.hr)
    empty = TeamFactory(name="Old team")
    empty.leaders.add(crew.supervisor)

    response = client.post(f"/admin/people/team/{empty.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    event = only_event(AuditAction.TEAM_CHANGED)
    assert (event.actor, event.subject_id) == (crew.hr, str(empty.pk))
    assert event.details == {
        "deleted": True,
        "changes": {"name": ["Old team", None], "leaders": [[crew.supervisor.name], []]},
    }


def test_budget_policies_cannot_be_deleted_in_the_admin(client, crew):
    admin_login(client, crew.hr)
    policy = BudgetPolicy.objects.create(supervisor=crew.supervisor, amount=100)

    response = client.post(f"/admin/ledger/budgetpolicy/{policy.pk}/delete/", {"post": "yes"})

    assert response.status_code == 403
    assert BudgetPolicy.objects.filter(pk=policy.pk).exists()


def test_deactivating_in_the_admin_is_recorded(client, crew):
    admin_login(client, crew.hr)

    response = client.post(
        "/admin/people/user/",
        {"action": "deactivate", "_selected_action": [crew.agents[0].pk]},
    )

    assert response.status_code == 302
    assert only_event(AuditAction.PEOPLE_DEACTIVATED).actor == crew.hr


# --- drawings -----------------------------------------------------------------------------------


def test_creating_a_drawing_is_recorded(crew):
    drawing = make_drawing(hr=crew.hr, floor=10)

    event = only_event(AuditAction.DRAWING_CREATED)
    assert event.actor == crew.hr and event.subject_id == str(drawing.pk)
    assert event.details["rule"] == "auction" and event.details["floor"] == 10


def test_hr_closing_a_drawing_is_recorded_with_the_result(api, crew):
    drawing = make_drawing(hr=crew.hr)
    make_due(drawing)

    response = api(crew.hr).post(f"/api/v1/drawings/{drawing.pk}/close/")
    api(crew.hr).post(f"/api/v1/drawings/{drawing.pk}/close/")  # a second close changes nothing

    assert response.status_code == 200, response.content
    event = only_event(AuditAction.DRAWING_CLOSED)
    assert event.actor == crew.hr
    assert event.details == {
        "reward": drawing.reward_id, "rule": "auction", "bidders": 0, "winners": 0, "price": None
    }  # fmt: skip


def test_the_sweeper_closing_a_drawing_is_recorded_as_the_system(crew):
    drawing = make_drawing(hr=crew.hr)
    make_due(drawing)

    assert drawings_sweep() == (0, 1)

    assert only_event(AuditAction.DRAWING_CLOSED).actor is None


def test_closing_before_time_records_nothing(api, crew):
    drawing = make_drawing(hr=crew.hr)
    before = db_state()

    response = api(crew.hr).post(f"/api/v1/drawings/{drawing.pk}/close/")

    assert_error(response, 409, "drawing_not_due")
    assert db_state() == before


# --- the service itself -------------------------------------------------------------------------


def test_an_action_rolled_back_after_its_event_leaves_no_event(crew):
    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        budget_policy_set(supervisor=crew.supervisor, amount=100, actor=crew.hr)
        raise Boom

    assert not AuditEvent.objects.exists()
    assert not BudgetPolicy.objects.exists()


def test_an_unknown_action_is_refused():
    with pytest.raises(ValueError, match="unknown audit action"):
        audit_record(actor=None, action="ledger.made_up")
    assert not AuditEvent.objects.exists()


def test_a_token_event_can_be_recorded_for_the_integrator():
    person = AgentFactory()
    hr = HRFactory()

    event = audit_record(actor=hr, action=AuditAction.AUTH_TOKEN_CREATED, subject=person)

    assert (event.subject_type, event.subject_id, event.subject_label) == (
        "people.user", str(person.pk), str(person),
    )  # fmt: skip
    assert Transaction.objects.count() == 0
