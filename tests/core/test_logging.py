"""The log: one line per event, a client's 4xx without a traceback, times with their offset."""

from __future__ import annotations

import io
import logging
import re

import pytest
from django.test import Client
from django.urls import reverse

from core.logging import ClientErrorsWithoutTraceback
from tests.people.factories import AgentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def log() -> io.StringIO:
    """What the console handler writes, for the length of a test."""
    (handler,) = [
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, ClientErrorsWithoutTraceback) for f in h.filters)
    ]
    assert isinstance(handler, logging.StreamHandler)
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


def test_a_forbidden_page_is_one_line_without_a_traceback(log):
    # given: an agent opening the supervisors' approval queue (the view raises PermissionDenied)
    client = Client()
    client.force_login(AgentFactory())
    # when
    response = client.get(reverse("approvals"))
    # then
    assert response.status_code == 403
    lines = [line for line in log.getvalue().splitlines() if "Forbidden" in line]
    assert len(lines) == 1, log.getvalue()
    assert "Traceback" not in log.getvalue()
    assert re.match(
        r"\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}\] WARNING django\.request", lines[0]
    )


def test_a_server_error_keeps_its_traceback(log):
    logging.getLogger("django.request").error(
        "Internal Server Error: /x", exc_info=ZeroDivisionError("boom"), extra={"status_code": 500}
    )
    assert "ZeroDivisionError" in log.getvalue()
