"""HR's import page and the management command."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from ledger.selectors import ledger_verify
from people.models import User
from tests.api_support import db_state
from tests.insights.conftest import award, csv_of, redemption

pytestmark = pytest.mark.django_db


@pytest.fixture
def hr_client(client, crew):
    client.force_login(crew.hr)
    return client


def post_file(client, data: bytes):
    return client.post(reverse("history-import"),
                       {"file": SimpleUploadedFile("h.csv", data, "text/csv")})  # fmt: skip


def test_the_page_explains_the_columns_in_english_and_finnish(client, crew):
    client.force_login(crew.hr)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("history-import")).content.decode()
    assert "Import history" in page and "employment_type" in page
    assert 'type="file"' in page and '<label for="id_file">' in page
    assert reverse("history-import-sample") in page
    client.cookies["django_language"] = "fi"
    assert "Tuo historia" in client.get(reverse("history-import")).content.decode()


@pytest.mark.parametrize("who", ["agent", "supervisor"])
def test_only_hr_sees_the_page_and_the_sample(client, crew, who):
    client.force_login(crew.agents[0] if who == "agent" else crew.supervisor)
    assert client.get(reverse("history-import")).status_code == 403
    assert client.get(reverse("history-import-sample")).status_code == 403
    before = db_state()
    assert post_file(client, csv_of(award())).status_code == 403
    assert db_state() == before


def test_the_sample_csv_imports_cleanly(hr_client):
    response = hr_client.get(reverse("history-import-sample"))
    assert response["Content-Type"] == "text/csv"
    page = post_file(hr_client, response.content)
    assert page.status_code == 200
    assert page.context["report"]["imported"] == 3
    assert ledger_verify() == []


def test_an_upload_shows_the_report(hr_client):
    hr_client.cookies["django_language"] = "en"
    page = post_file(hr_client, csv_of(award(id="1"), redemption(id="2")))
    assert page.status_code == 200
    assert "2 rows imported." in page.content.decode()


def test_a_rejected_upload_lists_each_error_by_row_and_column(hr_client):
    hr_client.cookies["django_language"] = "en"
    before = db_state()
    page = post_file(hr_client, csv_of(award(id="1", points="x"), award(id="2", event="gift")))
    assert page.status_code == 400
    html = page.content.decode()
    assert 'data-testid="import-errors"' in html and "nothing was imported" in html
    assert [(e["row"], e["column"]) for e in page.context["report"]["errors"]] == [
        (2, "points"),
        (3, "event"),
    ]
    assert db_state() == before


def test_an_unreadable_file_is_a_message_not_a_500(hr_client):
    hr_client.cookies["django_language"] = "en"
    page = post_file(hr_client, b"\xff\xfe\x00x")
    assert page.status_code == 400
    assert "UTF-8" in page.content.decode()


def test_the_command_imports_and_prints_the_report(tmp_path, capsys):
    path = tmp_path / "history.csv"
    path.write_bytes(csv_of(award(id="1"), redemption(id="2")))
    call_command("import_history", str(path))
    assert "imported 2, skipped 0" in capsys.readouterr().out
    call_command("import_history", str(path))
    assert "imported 0, skipped 2" in capsys.readouterr().out
    assert User.objects.filter(username="aino").exists()


def test_the_command_fails_on_a_rejected_file_and_prints_the_errors(tmp_path, capsys):
    path = tmp_path / "history.csv"
    path.write_bytes(csv_of(award(id="1"), award(id="2", timestamp="2024-01-01 10:00")))
    with pytest.raises(CommandError, match="1 errors; nothing was imported"):
        call_command("import_history", str(path))
    assert "line 3, timestamp" in capsys.readouterr().err
    assert not User.objects.filter(username="aino").exists()


def test_the_command_fails_on_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        call_command("import_history", str(tmp_path / "nope.csv"))
