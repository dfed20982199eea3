"""POST /api/v1/imports/history/: HR only, multipart CSV, the report back."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from insights import import_apis
from ledger.selectors import ledger_verify
from tests.api_support import assert_error, db_state
from tests.insights.conftest import award, csv_of, redemption

pytestmark = pytest.mark.django_db
URL = "/api/v1/imports/history/"


def upload(client, data: bytes, name: str = "history.csv"):
    return client.post(
        URL, {"file": SimpleUploadedFile(name, data, "text/csv")}, format="multipart"
    )


def test_hr_imports_a_file_and_gets_the_report(api, crew):
    response = upload(api(crew.hr), csv_of(award(id="1"), redemption(id="2")))
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["ok"], body["rows"], body["imported"], body["skipped"]) == (True, 2, 2, 0)
    assert body["created"] == {"people": 2, "teams": 1, "rewards": 1}
    assert ledger_verify() == []


def test_a_second_upload_of_the_same_file_is_200_and_writes_nothing(api, crew):
    data = csv_of(award(id="1"), redemption(id="2"))
    upload(api(crew.hr), data)
    before = db_state()
    response = upload(api(crew.hr), data)
    assert response.status_code == 200
    assert (response.json()["imported"], response.json()["skipped"]) == (0, 2)
    assert db_state() == before


def test_a_bad_row_is_400_invalid_import_with_the_report_and_writes_nothing(api, crew):
    before = db_state()
    response = upload(api(crew.hr), csv_of(award(id="1"), award(id="2", points="many")))
    body = assert_error(response, 400, "invalid_import")
    assert body["extra"]["ok"] is False
    assert [(e["row"], e["column"], e["code"]) for e in body["extra"]["errors"]] == [
        (3, "points", "invalid")
    ]
    assert db_state() == before


def test_missing_columns_are_a_400_that_names_them(api, crew):
    data = csv_of(award(), columns=("timestamp", "event", "employee", "employee_name", "team",
                                    "employment_type", "points"))  # fmt: skip
    body = assert_error(upload(api(crew.hr), data), 400, "invalid_file")
    assert "reward, supervisor" in body["detail"]
    assert body["extra"]["missing_columns"] == ["reward", "supervisor"]


def test_a_file_that_is_not_utf8_is_a_400(api, crew):
    body = assert_error(upload(api(crew.hr), "aika,tapahtuma\nä\n".encode("latin-1")), 400,
                        "invalid_file")  # fmt: skip
    assert "UTF-8" in body["detail"]


def test_no_file_is_a_400(api, crew):
    response = api(crew.hr).post(URL, {"other": "x"}, format="multipart")
    body = assert_error(response, 400, "invalid_file")
    assert body["fields"]["file"]


def test_a_file_over_the_limit_is_a_400(api, crew, monkeypatch):
    monkeypatch.setattr(import_apis, "MAX_UPLOAD_BYTES", 100)
    before = db_state()
    body = assert_error(upload(api(crew.hr), csv_of(award(), award(id="2"))), 400, "invalid_file")
    assert body["extra"]["max_bytes"] == 100
    assert db_state() == before


def test_json_instead_of_multipart_is_refused(api, crew):
    response = api(crew.hr).post(URL, {"file": "x"}, format="json")
    assert_error(response, 415, "unsupported_media_type")


@pytest.mark.parametrize("who", ["agent", "supervisor"])
def test_agents_and_supervisors_are_403(api, crew, who):
    user = crew.agents[0] if who == "agent" else crew.supervisor
    before = db_state()
    assert_error(upload(api(user), csv_of(award())), 403, "permission_denied")
    assert db_state() == before


def test_anonymous_is_401(api):
    assert_error(upload(api(None), csv_of(award())), 401, "not_authenticated")


def test_the_endpoint_is_in_the_openapi_schema(api, crew):
    schema = api(crew.hr).get("/api/v1/schema/", {"format": "json"}).json()
    post = schema["paths"]["/api/v1/imports/history/"]["post"]
    assert "multipart/form-data" in post["requestBody"]["content"]
    assert {"200", "201", "400", "403"} <= set(post["responses"])
