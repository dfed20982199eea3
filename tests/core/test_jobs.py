"""Jobs sent by task name reach their task in any process, not only in a Celery worker."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent

WEB_PROCESS = """
import django
django.setup()
from celery import current_app
from celery.exceptions import NotRegistered
from core.jobs import job_task
print(sum(not name.startswith("celery.") for name in current_app.tasks))
for name in ("notifications.tasks.notify", "insights.tasks.insights_recompute"):
    print(job_task(name).name)
try:
    job_task("notifications.tasks.no_such_task")
except NotRegistered:
    print("NotRegistered")
"""


def test_a_web_process_finds_every_apps_tasks_by_name() -> None:
    # given: a fresh Django process, as a web server or `manage.py` is: no worker started, so
    # Celery's autodiscovery has not run and no app's tasks.py is imported
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "pojoporssi.settings"}
    # when
    result = subprocess.run(
        [sys.executable, "-c", WEB_PROCESS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    # then: nothing was registered before, the tasks are found by name, a typo is an error
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "0",
        "notifications.tasks.notify",
        "insights.tasks.insights_recompute",
        "NotRegistered",
    ]
