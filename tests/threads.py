"""Real concurrency for tests on PostgreSQL: threads released together, one connection each."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.db import connections
from rest_framework.test import APIClient

from people.models import User


def run_in_threads(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run `work(i)` in `count` threads released together; each thread has its own connection."""
    barrier = threading.Barrier(count)

    def runner(i: int) -> Any:
        try:
            barrier.wait(timeout=30)
            return work(i)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(runner, range(count)))


def api_as(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client
