"""The integrity scan on PostgreSQL (history imported through the real import), and HR's review:
dismiss with a note, or reverse awards through the ledger's reversal; both audited."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command

from audit.models import AuditAction, AuditEvent
from insights.importing import history_import
from insights.integrity.services import (
    integrity_flag_dismiss,
    integrity_flag_reverse,
    integrity_scan,
)
from insights.integrity.text import flag_reason
from insights.models import IntegrityFlag, IntegrityKind, IntegrityStatus
from ledger.models import Transaction, TransactionKind
from ledger.selectors import ledger_verify
from ledger.services import award_create
from people.models import User
from rewards.drawings import bid_place
from tests.api_support import assert_error, db_state, isolate_throttle_cache
from tests.conftest import fund_budget
from tests.people.factories import AgentFactory, HRFactory, SupervisorFactory
from tests.rewards.drawing_support import make_drawing, make_due

from .conftest import award, csv_of, redemption

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _own_throttle_cache(monkeypatch):
    isolate_throttle_cache(monkeypatch)


def pair_rows(n: int = 2, first_day: int = 3, a: str = "aino", b: str = "eetu") -> list[dict]:
    rows = []
    for k in range(n):
        day = f"2025-02-{first_day + k:02d}"
        rows.append(award(id=f"{a}-{b}-{day}", timestamp=f"{day}T10:00:00+02:00", employee=b,
                          employee_name=b.title(), supervisor=a, points=60))  # fmt: skip
        rows.append(award(id=f"{b}-{a}-{day}", timestamp=f"{day}T11:00:00+02:00", employee=a,
                          employee_name=a.title(), supervisor=b, points=50))  # fmt: skip
    return rows


@pytest.fixture
def hr() -> User:
    return HRFactory()  # type: ignore[return-value]


@pytest.fixture
def flag(postgres, hr) -> IntegrityFlag:
    history_import(data=csv_of(*pair_rows()))
    result = integrity_scan()
    assert result is not None and result.created == 1
    return IntegrityFlag.objects.get()


def test_an_imported_pair_is_flagged_with_its_evidence_and_a_plain_reason(flag):
    assert flag.kind == IntegrityKind.RECIPROCAL and flag.status == IntegrityStatus.OPEN
    assert sorted(flag.people.values_list("username", flat=True)) == ["aino", "eetu"]
    assert flag.awards.count() == 4
    assert "Aino" in flag_reason(flag) and "Eetu" in flag_reason(flag)


def test_a_second_scan_refreshes_the_open_flag_and_adds_none(flag):
    result = integrity_scan()

    assert result is not None and (result.created, result.refreshed) == (0, 1)
    assert IntegrityFlag.objects.count() == 1


def test_dismiss_needs_a_note_and_writes_nothing_without_one(flag, hr):
    before = db_state()

    with pytest.raises(Exception) as caught:
        integrity_flag_dismiss(flag_id=flag.pk, actor=hr, note="  ")

    assert getattr(caught.value, "code", "") == "invalid"
    assert db_state() == before
    flag.refresh_from_db()
    assert flag.status == IntegrityStatus.OPEN


def test_dismissed_stays_closed_until_new_evidence_appears(flag, hr):
    integrity_flag_dismiss(flag_id=flag.pk, actor=hr, note="Job rotation, both were leads.")

    flag.refresh_from_db()
    assert flag.status == IntegrityStatus.DISMISSED and flag.reviewer == hr
    event = AuditEvent.objects.get(action=AuditAction.INTEGRITY_FLAG_DISMISSED)
    assert event.actor == hr and event.subject_id == str(flag.pk)
    assert event.details["note"] == "Job rotation, both were leads."

    result = integrity_scan()
    assert result is not None and (result.created, result.kept_closed) == (0, 1)

    history_import(data=csv_of(*pair_rows(n=1, first_day=20)))
    result = integrity_scan()
    assert result is not None and result.created == 1
    reopened = IntegrityFlag.objects.get(status=IntegrityStatus.OPEN)
    assert reopened.fingerprint == flag.fingerprint and reopened.awards.count() == 6


def test_reverse_posts_the_ledgers_reversals_and_closes_the_flag(flag, hr):
    chosen = list(flag.awards.order_by("pk").values_list("pk", flat=True)[:2])

    integrity_flag_reverse(flag_id=flag.pk, actor=hr, award_ids=chosen, note="Collusion.")

    flag.refresh_from_db()
    assert flag.status == IntegrityStatus.REVERSED
    reversals = Transaction.objects.filter(kind=TransactionKind.REVERSAL)
    assert reversals.count() == 2
    assert {t.reverses.award.pk for t in reversals} == set(chosen)
    assert AuditEvent.objects.filter(action=AuditAction.LEDGER_REVERSAL).count() == 2
    event = AuditEvent.objects.get(action=AuditAction.INTEGRITY_FLAG_REVERSED)
    assert event.details["awards"] == chosen and len(event.details["reversals"]) == 2
    assert ledger_verify() == []


def test_reverse_refused_when_the_points_were_spent_writes_nothing(flag, hr):
    history_import(data=csv_of(redemption(timestamp="2025-02-10T12:00:00+02:00",
                                          employee="eetu", employee_name="Eetu", points=120)))  # fmt: skip
    chosen = list(flag.awards.filter(recipient__username="eetu").values_list("pk", flat=True))
    before = db_state()

    with pytest.raises(Exception) as caught:
        integrity_flag_reverse(flag_id=flag.pk, actor=hr, award_ids=chosen, note="x")

    assert getattr(caught.value, "code", "") == "insufficient_points"
    assert db_state() == before
    flag.refresh_from_db()
    assert flag.status == IntegrityStatus.OPEN


def test_reverse_only_the_flags_own_awards(flag, hr):
    history_import(data=csv_of(award(id="other", employee="onni", supervisor="sanna")))
    other = Transaction.objects.get(idempotency_key="history:id:other").award.pk
    before = db_state()

    with pytest.raises(Exception) as caught:
        integrity_flag_reverse(flag_id=flag.pk, actor=hr, award_ids=[other], note="x")

    assert getattr(caught.value, "code", "") == "invalid"
    assert db_state() == before


def test_a_reviewed_flag_is_not_reviewed_twice(flag, hr):
    integrity_flag_dismiss(flag_id=flag.pk, actor=hr, note="fine")
    before = db_state()

    with pytest.raises(Exception) as caught:
        integrity_flag_dismiss(flag_id=flag.pk, actor=hr, note="again")

    assert getattr(caught.value, "code", "") == "flag_already_reviewed"
    assert db_state() == before


# API ---------------------------------------------------------------------------------------------


def test_api_lists_and_shows_flags_to_hr_only(flag, hr, api):
    body = api(hr).get("/api/v1/integrity/flags/?status=open").json()
    assert body["count"] == 1
    assert body["results"][0]["kind"] == "reciprocal" and body["results"][0]["reason"]

    detail = api(hr).get(f"/api/v1/integrity/flags/{flag.pk}/").json()
    assert len(detail["evidence"]) == 4 and not detail["evidence"][0]["reversed"]

    for user in (AgentFactory(), SupervisorFactory()):
        assert_error(api(user).get("/api/v1/integrity/flags/"), 403, "permission_denied")
        assert_error(api(user).get(f"/api/v1/integrity/flags/{flag.pk}/"), 403, "permission_denied")
    assert_error(api(hr).get("/api/v1/integrity/flags/?status=nope"), 400, "invalid")
    assert_error(api(hr).get(f"/api/v1/integrity/flags/{flag.pk + 99}/"), 404, "not_found")


def test_api_review_dismiss_and_reverse_with_stable_refusals(flag, hr, api):
    url = f"/api/v1/integrity/flags/{flag.pk}"
    agent = AgentFactory()
    before = db_state()
    assert_error(api(hr).post(f"{url}/dismiss/", {}, format="json"), 400, "invalid")
    assert_error(
        api(hr).post(f"{url}/reverse/", {"award_ids": [], "note": "x"}, format="json"),
        400,
        "invalid",
    )
    assert_error(
        api(agent).post(f"{url}/dismiss/", {"note": "x"}, format="json"),
        403,
        "permission_denied",
    )
    assert db_state() == before

    award_id = flag.awards.order_by("pk").first().pk
    response = api(hr).post(
        f"{url}/reverse/", {"award_ids": [award_id], "note": "Ring"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "reversed"
    assert_error(
        api(hr).post(f"{url}/dismiss/", {"note": "x"}, format="json"), 409, "flag_already_reviewed"
    )


# Pages -------------------------------------------------------------------------------------------


def test_pages_show_the_flag_and_review_it(flag, hr, client):
    client.force_login(hr)
    page = client.get("/hr/integrity/").content.decode()
    assert f"/hr/integrity/{flag.pk}/" in page and "Aino" in page

    detail = client.get(f"/hr/integrity/{flag.pk}/").content.decode()
    assert 'data-testid="integrity-evidence"' in detail and 'name="award"' in detail

    client.post(f"/hr/integrity/{flag.pk}/dismiss/", {"note": ""})
    flag.refresh_from_db()
    assert flag.status == IntegrityStatus.OPEN

    client.post(f"/hr/integrity/{flag.pk}/dismiss/", {"note": "Checked with the team."})
    flag.refresh_from_db()
    assert flag.status == IntegrityStatus.DISMISSED
    assert client.get("/hr/integrity/?status=dismissed").status_code == 200


def test_pages_are_hr_only(flag, client):
    for user in (AgentFactory(), SupervisorFactory()):
        client.force_login(user)
        assert client.get("/hr/integrity/").status_code == 403
        assert client.get(f"/hr/integrity/{flag.pk}/").status_code == 403
        assert client.post(f"/hr/integrity/{flag.pk}/dismiss/", {"note": "x"}).status_code == 403
    flag.refresh_from_db()
    assert flag.status == IntegrityStatus.OPEN


def test_an_import_queues_the_scan(postgres, eager_celery, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        history_import(data=csv_of(*pair_rows()))

    assert IntegrityFlag.objects.filter(kind=IntegrityKind.RECIPROCAL).count() == 1


def test_a_burst_of_live_awards_before_a_drawing_closes_is_flagged(postgres, reason):

    supervisor = SupervisorFactory()
    agent = AgentFactory()
    supervisor.led_teams.add(agent.team)
    fund_budget(supervisor, 2000)
    drawing = make_drawing(price=400, closes_in=timedelta(hours=2))
    for points in (150, 150, 200):
        award_create(giver=supervisor, recipient=agent, reason=reason, points=points)
    bid_place(drawing=drawing, employee=agent, amount=450)
    make_due(drawing)

    result = integrity_scan()

    assert result is not None and result.created == 1
    flag = IntegrityFlag.objects.get()
    assert flag.kind == IntegrityKind.BURST
    assert flag.params["target"] == "drawing" and flag.params["ref"] == drawing.pk
    assert flag.params["points"] == 500 and flag.awards.count() == 3
    assert set(flag.people.all()) == {agent, supervisor}


def test_the_command_scans_and_lists_open_flags(postgres):
    history_import(data=csv_of(*pair_rows()))
    out = io.StringIO()

    call_command("integrity_scan", stdout=out)

    assert "1 new flags" in out.getvalue() and "open reciprocal: 1" in out.getvalue()
