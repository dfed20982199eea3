"""Roster sync: joiners, movers and leavers from the HR system's file, all or nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from knox.models import AuthToken

from audit.models import AuditAction, AuditEvent
from ledger.selectors import wallet_summary
from ledger.services import award_create
from people.errors import RosterAlreadyAppliedError, RosterInvalidError, RosterPreviewStaleError
from people.models import EmploymentType, Role, RosterImport, RosterImportStatus, Team, User
from people.roster.services import roster_check, roster_import_apply, roster_preview_create
from people.services import api_token_create, leavers_close, person_update
from tests.api_support import db_state
from tests.conftest import fund_budget
from tests.people.factories import AgentFactory, HRFactory, SupervisorFactory, TeamFactory
from tests.people.roster_support import people_state, roster

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
YESTERDAY = (TODAY - timedelta(days=1)).isoformat()
NEXT_MONTH = (TODAY + timedelta(days=30)).isoformat()


@pytest.fixture
def company(reason):
    """Team Chat led by Sanna (E2001); Aino (E1001) and Onni (E1003) in it; Bea without an
    employee id yet; HR."""
    chat = TeamFactory(name="Chat")
    sanna = SupervisorFactory(username="sanna", display_name="Sanna Laine", employee_id="E2001",
                              email="sanna@example.com")  # fmt: skip
    chat.leaders.add(sanna)
    aino = AgentFactory(username="aino", display_name="Aino Virtanen", team=chat,
                        employee_id="E1001", email="aino@example.com")  # fmt: skip
    bea = AgentFactory(username="bea", display_name="Bea", team=chat, email="Bea@Example.com")
    onni = AgentFactory(username="onni", display_name="Onni", team=chat, employee_id="E1003",
                        email="onni@example.com")  # fmt: skip
    fund_budget(sanna, 500)
    award_create(giver=sanna, recipient=onni, reason=reason, points=40)
    return {"chat": chat, "sanna": sanna, "aino": aino, "bea": bea, "onni": onni, "hr": HRFactory()}


def movers_file() -> bytes:
    return roster(
        ("E2001", "Sanna Laine", "sanna@example.com", "", "", "permanent", "2019-08-12", ""),
        # a mover: Chat -> Phone, now agency
        ("E1001", "Aino Virtanen", "aino@example.com", "Phone", "E2001", "agency", "", ""),
        # matched by e-mail (no employee id yet): gets the id, a new name
        ("E1002", "Bea Koskinen", "bea@example.com", "Chat", "E2001", "permanent", "", ""),
        # a leaver: last day was yesterday
        ("E1003", "Onni", "onni@example.com", "Chat", "E2001", "permanent", "", YESTERDAY),
        # a joiner whose supervisor is new too
        ("E1004", "Iida Mäkelä", "Iida.Makela@Example.com", "Phone", "E2002", "agency",
         TODAY.isoformat(), NEXT_MONTH),
        ("E2002", "Mikko Nieminen", "aino@example.org", "", "", "permanent", "", ""),
    )  # fmt: skip


def test_the_preview_lists_joiners_movers_and_leavers_and_changes_nobody(company):
    before = db_state()
    check = roster_check(data=movers_file())
    plan = check.plan
    assert [e["employee_id"] for e in plan["new"]] == ["E1004", "E2002"]
    iida, mikko = plan["new"]
    assert iida["username"] == "iida.makela" and iida["role"] == Role.AGENT
    assert mikko["username"] == "aino" + "2" and mikko["role"] == Role.SUPERVISOR
    changed = {e["employee_id"]: e["changes"] for e in plan["changed"]}
    assert changed["E1001"] == {
        "team": ["Chat", "Phone"],
        "employment_type": ["permanent", "agency"],
    }
    assert changed["E1002"] == {
        "employee_id": [None, "E1002"],
        "display_name": ["Bea", "Bea Koskinen"],
    }
    assert changed["E2001"] == {"employment_start": [None, "2019-08-12"]}
    [onni] = plan["leaving"]
    assert onni["employee_id"] == "E1003" and onni["closes_now"] is True
    assert onni["changes"] == {"employment_end": [None, YESTERDAY]}
    assert plan["teams_created"] == ["Phone"]
    assert plan["leaders"] == [{"team": "Phone", "add": ["E2001", "E2002"], "remove": []}]
    assert plan["unchanged"] == 0
    assert db_state() == before


def test_applying_the_roster_makes_every_change_and_records_it(company):
    sanna, onni = company["sanna"], company["onni"]
    api_token_create(user=onni)
    balance = wallet_summary(user=onni).available
    events_before = AuditEvent.objects.count()

    roster_import = roster_preview_create(
        data=movers_file(), filename="roster.csv", actor=company["hr"]
    )
    applied = roster_import_apply(roster_import=roster_import, actor=company["hr"])

    assert applied.status == RosterImportStatus.APPLIED and applied.applied_by == company["hr"]
    phone = Team.objects.get(name="Phone")
    aino = User.objects.get(employee_id="E1001")
    assert aino.team == phone and aino.employment_type == EmploymentType.AGENCY
    bea = User.objects.get(username="bea")
    assert bea.employee_id == "E1002" and bea.display_name == "Bea Koskinen"
    iida = User.objects.get(employee_id="E1004")
    assert iida.username == "iida.makela" and not iida.has_usable_password()
    assert iida.team == phone and iida.employment_end.isoformat() == NEXT_MONTH
    mikko = User.objects.get(employee_id="E2002")
    assert mikko.role == Role.SUPERVISOR and mikko.is_active
    assert set(phone.leaders.all()) == {sanna, mikko}
    assert set(company["chat"].leaders.all()) == {sanna}  # partial: leaders only added
    onni.refresh_from_db()
    assert not onni.is_active and onni.employment_end.isoformat() == YESTERDAY
    assert not AuthToken.objects.filter(user=onni).exists()
    assert wallet_summary(user=onni).available == balance == 40  # the ledger stays
    # then: one event for the import, one per person and team touched
    events = AuditEvent.objects.order_by("pk")[events_before:]
    actions = [e.action for e in events]
    assert actions.count(AuditAction.IMPORT_ROSTER) == 1
    assert actions.count(AuditAction.PEOPLE_CREATED) == 2
    assert AuditAction.PEOPLE_DEACTIVATED in actions and AuditAction.TEAM_CREATED in actions
    summary = AuditEvent.objects.get(action=AuditAction.IMPORT_ROSTER)
    assert summary.details["new"] == 2 and summary.details["leaving"] == 1
    assert summary.details["changed"] == 3 and summary.actor == company["hr"]


def test_the_same_file_twice_changes_nothing_the_second_time(company):
    roster_import_apply(roster_import=roster_preview_create(data=movers_file()))
    state = people_state()

    again = roster_preview_create(data=movers_file())
    assert (again.plan["new"], again.plan["changed"], again.plan["leaving"]) == ([], [], [])
    assert again.plan["unchanged"] == 6  # Onni, who has left, included
    roster_import_apply(roster_import=again)

    after = people_state()
    assert after["people"] == state["people"] and after["leaders"] == state["leaders"]
    assert after["teams"] == state["teams"]


def test_an_import_is_applied_once(company):
    roster_import = roster_preview_create(data=movers_file())
    roster_import_apply(roster_import=roster_import)
    before = db_state()
    with pytest.raises(RosterAlreadyAppliedError) as caught:
        roster_import_apply(roster_import=roster_import)
    assert caught.value.code == "roster_already_applied" and caught.value.http_status == 409
    assert db_state() == before


def test_a_stale_preview_is_refused_and_nothing_is_written(company):
    roster_import = roster_preview_create(data=movers_file())
    person_update(person=company["aino"], team=TeamFactory(name="Phone"))
    before, state = db_state(), people_state()
    with pytest.raises(RosterPreviewStaleError) as caught:
        roster_import_apply(roster_import=roster_import)
    assert caught.value.code == "roster_preview_stale" and caught.value.http_status == 409
    assert db_state() == before and people_state() == state
    assert RosterImport.objects.get().status == RosterImportStatus.PREVIEWED


def test_a_file_with_errors_is_refused_whole_with_every_row_error(company):
    data = roster(
        ("E1001", "Aino Virtanen", "aino@example.com", "Phone", "E2001", "permanent", "", ""),
        ("E1005", "", "not-an-email", "Chat", "E9999", "boss", "31.2.2025", ""),
        ("E1001", "Twice", "twice@example.com", "", "", "", "", ""),
        ("E1006", "Self", "self@example.com", "Chat", "E1006", "", "2025-05-01", "2025-04-01"),
        ("E1007", "Taken", "onni@example.com", "Chat", "", "", "", ""),
    )
    before, state = db_state(), people_state()
    with pytest.raises(RosterInvalidError) as caught:
        roster_preview_create(data=data)
    assert caught.value.code == "roster_invalid" and caught.value.http_status == 400
    found = {(e["row"], e["column"], e["code"]) for e in caught.value.rows}
    assert found == {
        (3, "name", "required"),
        (3, "email", "invalid_email"),
        (3, "employment_type", "invalid_choice"),
        (3, "start_date", "invalid_date"),
        (4, "employee_id", "duplicate_id"),
        (5, "supervisors", "self_supervisor"),
        (5, "end_date", "end_before_start"),
        (6, "email", "email_taken"),
    }
    assert db_state() == before and people_state() == state


def test_database_checks_name_unknown_and_departed_supervisors(company):
    company["onni"].is_active = False
    company["onni"].save(update_fields=["is_active"])
    data = roster(
        ("E1001", "Aino Virtanen", "aino@example.com", "Chat", "E9999", "", "", ""),
        ("E1008", "Uusi", "uusi@example.com", "Chat", "E1003", "", "", ""),
    )
    with pytest.raises(RosterInvalidError) as caught:
        roster_check(data=data)
    assert [(e["row"], e["code"]) for e in caught.value.rows] == [
        (2, "unknown_supervisor"), (3, "supervisor_inactive")]  # fmt: skip


def test_full_mode_marks_everyone_missing_as_leaving_today(company):
    data = roster(
        ("E2001", "Sanna Laine", "sanna@example.com", "", "", "permanent", "", ""),
        ("E1001", "Aino Virtanen", "aino@example.com", "Chat", "E2001", "permanent", "", ""),
    )
    partial = roster_check(data=data).plan
    assert partial["leaving"] == []
    full = roster_preview_create(data=data, mode="full")
    leaving = {e["employee_id"]: e for e in full.plan["leaving"]}
    assert set(leaving) == {"E1003"}  # Bea has no employee id: not the HR system's to end
    assert leaving["E1003"]["reason"] == "not_in_file"
    assert leaving["E1003"]["end_date"] == TODAY.isoformat() and not leaving["E1003"]["closes_now"]
    roster_import_apply(roster_import=full)
    onni = User.objects.get(employee_id="E1003")
    assert onni.employment_end == TODAY and onni.is_active  # today is still a working day
    # the night after today closes the account
    assert leavers_close(today=TODAY + timedelta(days=1)) == [onni]
    onni.refresh_from_db()
    assert not onni.is_active


def test_full_mode_with_an_empty_file_is_refused(company):
    before = db_state()
    with pytest.raises(RosterInvalidError) as caught:
        roster_preview_create(data=roster(), mode="full")
    assert caught.value.rows[0]["code"] == "roster_empty"
    assert db_state() == before


def test_full_mode_sets_each_listed_teams_leaders_exactly(company):
    mikko = SupervisorFactory(employee_id="E2002")
    data = roster(
        ("E1001", "Aino Virtanen", "aino@example.com", "Chat", "E2002", "permanent", "", ""),
        ("E1003", "Onni", "onni@example.com", "Chat", "E2002", "permanent", "", ""),
        ("E2001", "Sanna Laine", "sanna@example.com", "", "", "permanent", "", ""),
        ("E2002", mikko.display_name, "", "", "", "permanent", "", ""),
        header=("employee_id", "name", "email", "team", "supervisors", "employment_type",
                "start_date", "end_date"),
    )  # fmt: skip
    with pytest.raises(RosterInvalidError):  # Mikko's e-mail is required
        roster_check(data=data, mode="full")
    data = data.replace(b",,,,permanent,,\n", b",mikko@example.com,,,permanent,,\n")
    plan = roster_check(data=data, mode="full").plan
    assert plan["leaders"] == [
        {"team": "Chat", "add": ["E2002"], "remove": [["E2001", company["sanna"].pk]]}
    ]
    roster_import_apply(roster_import=roster_preview_create(data=data, mode="full"))
    assert list(company["chat"].leaders.all()) == [mikko]
    assert User.objects.get(pk=company["sanna"].pk).role == Role.SUPERVISOR  # never demoted


def test_hr_named_as_a_supervisor_keeps_the_role_and_leads_no_team(company):
    hr = company["hr"]
    hr.employee_id = "H1"
    hr.save(update_fields=["employee_id"])
    data = roster(("E1001", "Aino Virtanen", "aino@example.com", "Chat", "H1", "permanent", "", ""))
    roster_import = roster_preview_create(data=data)
    assert roster_import.plan["notes"] == [{"code": "hr_not_leader", "employee_id": "H1"}]
    assert roster_import.plan["leaders"] == [] and roster_import.plan["changed"] == []
    roster_import_apply(roster_import=roster_import)
    hr.refresh_from_db()
    assert hr.role == Role.HR and not hr.led_teams.exists()


def test_a_leaver_whose_end_date_moves_into_the_future_is_reactivated(company):
    onni = company["onni"]
    onni.employment_end = TODAY - timedelta(days=3)
    onni.save(update_fields=["employment_end"])
    leavers_close()
    onni.refresh_from_db()
    assert not onni.is_active
    data = roster(
        ("E1003", "Onni", "onni@example.com", "Chat", "E2001", "permanent", "", NEXT_MONTH)
    )
    roster_import = roster_preview_create(data=data)
    [entry] = roster_import.plan["changed"]
    assert entry["changes"]["is_active"] == [False, True]
    roster_import_apply(roster_import=roster_import)
    onni.refresh_from_db()
    assert onni.is_active and onni.employment_end.isoformat() == NEXT_MONTH
    assert AuditEvent.objects.filter(
        action=AuditAction.PEOPLE_ACTIVATED, subject_id=str(onni.pk)
    ).exists()


def test_someone_deactivated_by_hand_is_not_reactivated_by_the_roster(company):
    company["aino"].is_active = False
    company["aino"].save(update_fields=["is_active"])
    data = roster(("E1001", "Aino Virtanen", "aino@example.com", "Chat", "", "permanent", "", ""))
    plan = roster_check(data=data).plan
    assert plan["changed"] == [] and plan["unchanged"] == 1
    assert plan["notes"] == [{"code": "inactive_kept", "employee_id": "E1001"}]


def test_finnish_headers_semicolons_and_finnish_dates_are_read():
    data = roster(
        ("E1", "Aino", "aino@example.com", "Chat", "vakituinen", "1.3.2025"),
        header=("Henkilönumero", "Nimi", "Sähköposti", "Tiimi", "Työsuhde", "Alkupäivä"),
        delimiter=";",
    )
    [joiner] = roster_check(data=data).plan["new"]
    assert joiner["employment_start"] == "2025-03-01" and joiner["team"] == "Chat"
    assert joiner["employment_type"] == EmploymentType.PERMANENT


def test_a_column_left_out_of_the_header_is_not_touched(company):
    company["aino"].employment_end = TODAY + timedelta(days=90)
    company["aino"].save(update_fields=["employment_end"])
    data = roster(
        ("E1001", "Aino Virtanen", "aino@example.com"), header=("employee_id", "name", "email")
    )
    plan = roster_check(data=data).plan
    assert plan["unchanged"] == 1 and plan["changed"] == [] and plan["leaving"] == []


def test_the_daily_job_closes_accounts_past_their_last_day_once(company):
    onni, aino = company["onni"], company["aino"]
    onni.employment_end = TODAY - timedelta(days=1)
    aino.employment_end = TODAY
    for person in (onni, aino):
        person.save(update_fields=["employment_end"])
    api_token_create(user=onni)
    entries = wallet_summary(user=onni).available

    from people.tasks import leavers_close as task

    assert task() == 1
    onni.refresh_from_db()
    aino.refresh_from_db()
    assert not onni.is_active and aino.is_active
    assert not AuthToken.objects.filter(user=onni).exists()
    assert wallet_summary(user=onni).available == entries
    assert AuditEvent.objects.filter(action=AuditAction.PEOPLE_DEACTIVATED, subject_id=str(onni.pk),
                                     actor=None).count() == 1  # fmt: skip
    before = db_state()
    assert task() == 0
    assert db_state() == before


def test_a_leader_matched_by_email_is_the_same_leader_not_a_new_one(company):
    # given: Sanna leads Chat but has no employee id yet
    sanna = company["sanna"]
    sanna.employee_id = None
    sanna.save(update_fields=["employee_id"])
    data = roster(
        ("E2001", "Sanna Laine", "sanna@example.com", "", "", "permanent", "", ""),
        ("E1001", "Aino Virtanen", "aino@example.com", "Chat", "E2001", "permanent", "", ""),
        ("E1003", "Onni", "onni@example.com", "Chat", "E2001", "permanent", "", ""),
    )
    # when: a full roster names her by the id she is about to get
    roster_import = roster_preview_create(data=data, mode="full")
    # then: no leader change (she neither leaves nor joins Chat's leaders)
    assert roster_import.plan["leaders"] == []
    roster_import_apply(roster_import=roster_import)
    assert list(company["chat"].leaders.all()) == [sanna]


def test_a_file_of_nonsense_reports_its_first_thousand_problems():
    data = roster(*[(f"E{n}", "Name", f"bad{n}") for n in range(1_001)],
                  header=("employee_id", "name", "email"))  # fmt: skip
    with pytest.raises(RosterInvalidError) as caught:
        roster_check(data=data)
    assert len(caught.value.rows) == 1_000 and caught.value.extra["rows_omitted"] == 1
