"""Fixtures of the notifications tests: a local webhook receiver for the Teams and Slack posts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.notifications.receiver import Receiver, running_receiver


@pytest.fixture
def receiver(settings) -> Iterator[Receiver]:
    """A running receiver; webhook URLs to it (http, loopback) are allowed for this test only."""
    settings.CHAT_WEBHOOK_ALLOW_HTTP = True
    settings.CHAT_WEBHOOK_TIMEOUT_SECONDS = 1.0
    settings.CHAT_RETRY_BASE_SECONDS = 0.01
    with running_receiver() as server:
        yield server
