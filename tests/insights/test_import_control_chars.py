"""The history import refuses NUL and other control characters with a row error, never a 500.

Found in review: a NUL in a cell reached PostgreSQL, which stores no NUL in text: a 500."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ledger.models import Award
from ledger.selectors import ledger_verify
from tests.api_support import assert_error, db_state
from tests.insights.conftest import award, csv_of, redemption

pytestmark = pytest.mark.django_db
URL = "/api/v1/imports/history/"


def upload(client, data: bytes):
    return client.post(
        URL, {"file": SimpleUploadedFile("h.csv", data, "text/csv")}, format="multipart"
    )


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("employee_name", "Aino\x00Virtanen"),
        ("team", "Chat\x00"),
        ("reason", "Kiitos\x00!"),
        ("id", "old\x00-1"),
        ("employee", "aino\x00"),
        ("supervisor", "sanna\x07"),
        ("employee_name", "Aino\x1bVirtanen"),
        ("team", "Ch\x7fat"),
        ("employee_name", "Aino\nVirtanen"),
    ],
)
def test_a_control_character_in_a_cell_is_a_row_error_and_writes_nothing(
    api, crew, postgres, column, value
):
    before = db_state()
    rows = [award(id="1"), award(**{"id": "2", column: value})]
    response = upload(api(crew.hr), csv_of(*rows))
    body = assert_error(response, 400, "invalid_import")
    assert [(e["row"], e["column"], e["code"]) for e in body["extra"]["errors"]] == [
        (3, column, "control_character")
    ]
    assert db_state() == before


def test_a_nul_in_a_redemption_s_reward_is_refused(api, crew, postgres):
    before = db_state()
    response = upload(api(crew.hr), csv_of(award(id="1"), redemption(id="2", reward="Lippu\x00")))
    body = assert_error(response, 400, "invalid_import")
    assert [(e["column"], e["code"]) for e in body["extra"]["errors"]] == [
        ("reward", "control_character")
    ]
    assert db_state() == before


def test_the_page_shows_the_row_error(client, crew, postgres):
    client.force_login(crew.hr)
    client.cookies["django_language"] = "en"
    before = db_state()
    data = csv_of(award(id="1", employee_name="Aino\x00Virtanen"))
    response = client.post(
        reverse("history-import"), {"file": SimpleUploadedFile("h.csv", data, "text/csv")}
    )
    assert response.status_code == 400
    assert "control character" in response.content.decode()
    assert db_state() == before


def test_a_message_may_keep_tabs_and_line_breaks(api, crew, postgres):
    response = upload(api(crew.hr), csv_of(award(id="1", reason="Kiitos!\n\tHieno viikko")))
    assert response.status_code == 201, response.content
    assert Award.objects.get().message == "Kiitos!\n\tHieno viikko"
    assert ledger_verify() == []
