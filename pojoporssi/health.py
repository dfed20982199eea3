"""`/healthz`: is the database answering, and is the Celery broker reachable?"""

from __future__ import annotations

import time

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .celery import app as celery_app


def _check_database() -> dict[str, object]:
    started = time.monotonic()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # report any failure, whatever the driver raises
        return {"ok": False, "error": exc.__class__.__name__, "vendor": connection.vendor}
    return {
        "ok": True,
        "vendor": connection.vendor,
        "ms": round((time.monotonic() - started) * 1000, 1),
    }


def _check_broker() -> dict[str, object]:
    started = time.monotonic()
    url = settings.CELERY_BROKER_URL
    transport = url.split("://", 1)[0]
    try:
        with celery_app.connection_for_write(url=url) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:  # report any failure, whatever the transport raises
        return {"ok": False, "error": exc.__class__.__name__, "transport": transport}
    return {"ok": True, "transport": transport, "ms": round((time.monotonic() - started) * 1000, 1)}


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _check_database(), "broker": _check_broker()}
    ok = all(check["ok"] for check in checks.values())
    return JsonResponse({"status": "ok" if ok else "degraded", **checks}, status=200 if ok else 503)
