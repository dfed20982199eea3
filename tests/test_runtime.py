"""The real moving parts: a Celery worker process, the broker, the newcomer's zero-setup mode."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from ledger.models import BudgetPeriod, BudgetPolicy
from ledger.tasks import budget_periods_open

ROOT = Path(__file__).resolve().parent.parent
SERVER_ENV = ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")


def database_url_of_test_db() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


@contextmanager
def celery_worker(env: dict[str, str], queue: str) -> Iterator[subprocess.Popen[bytes]]:
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "pojoporssi", "worker", "--pool=solo", "-Q", queue,
         "--without-heartbeat", "--without-gossip", "--without-mingle", "--loglevel=INFO"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        yield worker
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()


def wait_for(check, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.25)
    return False


@pytest.mark.django_db(transaction=True)
def test_a_real_celery_worker_opens_budget_periods_through_the_broker(postgres, crew):
    """beat → broker (Redis in CI) → worker → PostgreSQL, with nothing faked."""
    assert settings.CELERY_BROKER_URL.startswith("redis://"), "scripts/test.sh starts a Redis"
    BudgetPolicy.objects.create(supervisor=crew.supervisor, amount=120)
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DATABASE_URL": database_url_of_test_db()}
    with celery_worker(env, queue) as worker:
        budget_periods_open.apply_async(queue=queue)
        budget_periods_open.apply_async(queue=queue)  # a second delivery must grant nothing more
        opened = wait_for(lambda: BudgetPeriod.objects.filter(supervisor=crew.supervisor).exists())
        time.sleep(1)
    output = worker.stdout.read().decode() if worker.stdout else ""
    assert opened, f"the worker never opened the period; its log:\n{output}"
    assert BudgetPeriod.objects.filter(supervisor=crew.supervisor).count() == 1
    assert "succeeded" in output


def test_a_newcomer_runs_on_sqlite_and_a_filesystem_broker_with_no_servers(tmp_path):
    """No DATABASE_URL, no REDIS_URL: migrate, seed, verify, and a worker round trip all work."""
    env = {k: v for k, v in os.environ.items() if k not in SERVER_ENV}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'first-run.sqlite3'}"
    env["DJANGO_ENV"] = "development"  # as scripts/run.sh runs it (seed_demo needs it)

    def manage(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    assert "filesystem://" in manage(
        "shell", "-c", "from django.conf import settings; print(settings.CELERY_BROKER_URL)"
    )
    manage("migrate", "--noinput")
    assert "aino" in manage("seed_demo")
    assert "every invariant holds" in manage("ledger_verify")

    queue = f"test-{uuid.uuid4().hex[:8]}"
    # A supervisor hired after the demo month opened: the next beat run must grant their budget.
    probe = (
        "from people.models import User; from ledger.services import budget_policy_set; "
        "from ledger.tasks import budget_periods_open; "
        "new = User.objects.create(username='newsup', display_name='New', role='supervisor'); "
        "budget_policy_set(supervisor=new, amount=77); "
        f"budget_periods_open.apply_async(queue='{queue}')"
    )
    manage("shell", "-c", probe)
    budget = "from ledger.selectors import balance_of; from people.models import User; "
    budget += "print(balance_of(user=User.objects.get(username='newsup'), kind='budget'))"
    with celery_worker(env, queue):
        assert wait_for(lambda: manage("shell", "-c", budget).strip().endswith("77"), timeout=90)
