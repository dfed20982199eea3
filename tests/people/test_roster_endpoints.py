"""Roster sync through its API, HR's page and the management command; sign-in after leaving."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from audit.models import AuditAction, AuditEvent
from people.models import RosterImport, RosterImportStatus, User
from people.services import leavers_close
from tests.api_support import db_state
from tests.people.factories import PASSWORD, AgentFactory, HRFactory, SupervisorFactory, TeamFactory
from tests.people.roster_support import people_state, roster

pytestmark = pytest.mark.django_db

GOOD = roster(
    ("E1", "Aino Virtanen", "aino@example.com", "Chat", "S1", "permanent", "", ""),
    ("E2", "Eero Uusi", "eero@example.com", "Chat", "S1", "agency", "", ""),
    ("S1", "Sanna Laine", "sanna@example.com", "", "", "permanent", "", ""),
)
BAD = roster(
    ("E1", "Aino Virtanen", "aino@example", "Chat", "S9", "", "", ""),
    ("E2", "Eero", "eero@example.com", "Chat", "", "temp", "2025-13-01", ""),
)


@pytest.fixture
def people():
    chat = TeamFactory(name="Chat")
    sanna = SupervisorFactory(
        employee_id="S1", email="sanna@example.com", display_name="Sanna Laine"
    )
    chat.leaders.add(sanna)
    aino = AgentFactory(team=chat, employee_id="E1", email="aino@example.com", display_name="Aino")
    return {"hr": HRFactory(), "sanna": sanna, "aino": aino, "chat": chat}


def _upload(data: bytes, name: str = "roster.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="text/csv")


# --- API ------------------------------------------------------------------------------------


def test_api_upload_previews_and_apply_applies_once(people, api):
    client = api(people["hr"])
    before = people_state()["people"]

    created = client.post("/api/v1/roster/imports/", {"file": _upload(GOOD)}, format="multipart")

    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["status"] == "previewed" and body["mode"] == "partial"
    assert body["counts"] == {"new": 1, "changed": 1, "leaving": 0, "unchanged": 1,
                              "skipped": 0, "teams_created": 0}  # fmt: skip
    assert body["plan"]["changed"][0]["changes"] == {"display_name": ["Aino", "Aino Virtanen"]}
    assert people_state()["people"] == before  # a preview changes nobody
    read = client.get(f"/api/v1/roster/imports/{body['id']}/")
    assert read.status_code == 200 and read.json()["plan"] == body["plan"]
    assert [item["id"] for item in client.get("/api/v1/roster/imports/").json()] == [body["id"]]

    applied = client.post(f"/api/v1/roster/imports/{body['id']}/apply/")

    assert applied.status_code == 200 and applied.json()["status"] == "applied"
    assert User.objects.get(employee_id="E2").username == "eero"
    state = db_state()
    again = client.post(f"/api/v1/roster/imports/{body['id']}/apply/")
    assert again.status_code == 409 and again.json()["code"] == "roster_already_applied"
    assert db_state() == state


def test_api_refuses_a_file_with_errors_with_every_row_and_writes_nothing(people, api):
    before = db_state()
    response = api(people["hr"]).post(
        "/api/v1/roster/imports/", {"file": _upload(BAD)}, format="multipart"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "roster_invalid"
    assert {(r["row"], r["column"], r["code"]) for r in body["extra"]["rows"]} == {
        (2, "email", "invalid_email"),
        (3, "employment_type", "invalid_choice"),
        (3, "start_date", "invalid_date"),
    }
    assert db_state() == before


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({}, "roster_file_invalid"),
        ({"file": b"\xff\xfe bad"}, "roster_file_invalid"),
        ({"file": b"name,email\nA,a@example.com\n"}, "roster_file_invalid"),
        ({"file": GOOD, "mode": "everything"}, "invalid"),
    ],
    ids=["no-file", "not-utf8", "no-id-column", "bad-mode"],
)
def test_api_refuses_an_unreadable_upload_with_a_code(people, api, data, code):
    if "file" in data:
        data = {**data, "file": _upload(data["file"])}
    before = db_state()
    response = api(people["hr"]).post("/api/v1/roster/imports/", data, format="multipart")
    assert response.status_code == 400 and response.json()["code"] == code
    assert db_state() == before


def test_api_apply_of_a_stale_preview_is_a_409(people, api):
    client = api(people["hr"])
    pk = client.post("/api/v1/roster/imports/", {"file": _upload(GOOD)}, format="multipart").json()[
        "id"
    ]
    AgentFactory(username="eero")  # the username the preview chose is taken meanwhile
    before = db_state()
    response = client.post(f"/api/v1/roster/imports/{pk}/apply/")
    assert response.status_code == 409 and response.json()["code"] == "roster_preview_stale"
    assert db_state() == before


def test_api_is_hr_only_and_an_unknown_id_is_a_404(people, api):
    before = db_state()
    for user in (people["aino"], people["sanna"]):
        response = api(user).post(
            "/api/v1/roster/imports/", {"file": _upload(GOOD)}, format="multipart"
        )
        assert response.status_code == 403
    assert db_state() == before
    response = api(people["hr"]).get("/api/v1/roster/imports/999999/")
    assert response.status_code == 404 and response.json()["code"] == "roster_import_not_found"


# --- The page -------------------------------------------------------------------------------


def test_page_upload_shows_the_preview_and_the_button_applies_it(people, client: Client):
    client.force_login(people["hr"])
    client.cookies["django_language"] = "en"
    assert client.get("/hr/roster/").status_code == 200

    response = client.post("/hr/roster/", {"file": _upload(GOOD), "mode": "partial"})

    roster_import = RosterImport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/hr/roster/{roster_import.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "Eero Uusi" in page and 'data-testid="roster-apply"' in page
    assert "Aino → Aino Virtanen" in page

    applied = client.post(f"/hr/roster/{roster_import.pk}/apply/", follow=True)

    assert applied.status_code == 200
    roster_import.refresh_from_db()
    assert roster_import.status == RosterImportStatus.APPLIED
    assert 'data-testid="roster-apply"' not in applied.content.decode()
    assert User.objects.filter(employee_id="E2").exists()
    # a second press is refused with a message, and changes nothing
    state = db_state()
    again = client.post(f"/hr/roster/{roster_import.pk}/apply/", follow=True)
    assert "already been applied" in again.content.decode()
    assert db_state() == state


def test_page_lists_every_row_error_and_stores_nothing(people, client: Client):
    client.force_login(people["hr"])
    client.cookies["django_language"] = "en"
    before = db_state()
    response = client.post("/hr/roster/", {"file": _upload(BAD), "mode": "full"})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-testid="roster-errors"' in page and "Not a valid e-mail address." in page
    assert db_state() == before


def test_page_in_finnish(people, client: Client):
    client.force_login(people["hr"])
    client.cookies["django_language"] = "fi"
    assert "Henkilöstörekisteri" in client.get("/hr/roster/").content.decode()


def test_page_and_template_are_hr_only(people, client: Client):
    for url in ("/hr/roster/", "/hr/roster/template.csv"):
        client.force_login(people["aino"])
        assert client.get(url).status_code == 403
    client.force_login(people["hr"])
    template = client.get("/hr/roster/template.csv")
    assert template.status_code == 200 and template["Content-Type"] == "text/csv"
    assert template.content.startswith(b"employee_id,name,email,team,supervisors,")


def test_the_template_is_a_valid_roster(people, api):
    template = Client()
    template.force_login(people["hr"])
    data = template.get("/hr/roster/template.csv").content
    response = api(people["hr"]).post(
        "/api/v1/roster/imports/", {"file": _upload(data)}, format="multipart"
    )
    assert response.status_code == 201, response.json()


# --- The command ----------------------------------------------------------------------------


def test_command_previews_without_writing_then_applies(people, tmp_path, capsys):
    path = tmp_path / "roster.csv"
    path.write_bytes(GOOD)
    before = db_state()
    call_command("roster_import", str(path))
    out = capsys.readouterr().out
    assert "1 new, 1 changed" in out and "+ E2 Eero Uusi" in out and "nothing was changed" in out
    assert db_state() == before

    call_command("roster_import", str(path), "--apply", "--full")
    assert User.objects.get(employee_id="E2").team == people["chat"]
    summary = AuditEvent.objects.get(action=AuditAction.IMPORT_ROSTER)
    assert summary.actor is None and summary.details["mode"] == "full"


def test_command_with_errors_prints_them_and_fails(people, tmp_path, capsys):
    path = tmp_path / "roster.csv"
    path.write_bytes(BAD)
    before = db_state()
    with pytest.raises(CommandError):
        call_command("roster_import", str(path), "--apply")
    assert "[invalid_email]" in capsys.readouterr().err
    assert db_state() == before


# --- Leavers cannot sign in -----------------------------------------------------------------


def test_a_leaver_closed_by_the_job_cannot_sign_in_on_the_page_or_the_api(people, client: Client):
    aino = people["aino"]
    aino.employment_end = timezone.localdate() - timedelta(days=1)
    aino.save(update_fields=["employment_end"])
    # before the job: the password works
    assert APIClient().post("/api/v1/auth/token/", {"username": aino.username, "password": PASSWORD},
                            format="json").status_code == 200  # fmt: skip
    leavers_close()

    page = client.post("/login/", {"username": aino.username, "password": PASSWORD})
    assert page.status_code == 200 and "_auth_user_id" not in client.session
    token = APIClient().post(
        "/api/v1/auth/token/", {"username": aino.username, "password": PASSWORD}, format="json"
    )
    assert token.status_code in (400, 401) and "token" not in token.json()
