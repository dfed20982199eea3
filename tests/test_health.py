import pytest

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_broker(client, postgres):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == {"ok": True, "vendor": "postgresql", "ms": body["database"]["ms"]}
    assert body["broker"]["ok"] is True
    assert body["broker"]["transport"] == "redis"


def test_healthz_says_degraded_when_the_broker_is_down(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"]["ok"] is False
    assert response.json()["database"]["ok"] is True
