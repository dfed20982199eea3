"""Fault-test fixtures: real processes, always killed at the end."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.support import Procs, RedisServer


@pytest.fixture
def procs(tmp_path: Path) -> Iterator[Procs]:
    """Real processes (Redis, Celery workers and beats) that the test starts; all of them are
    killed with SIGKILL to their process group at its end, whatever happens."""
    started = Procs(logdir=tmp_path)
    yield started
    started.kill_all()


@pytest.fixture
def redis(procs: Procs) -> RedisServer:
    """A running redis-server of this test's own, on a free port."""
    server = RedisServer(procs=procs)
    server.start()
    return server
