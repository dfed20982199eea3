"""A real Celery beat and worker, on the newcomer's zero-setup broker, price a window."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.test_runtime import ROOT, SERVER_ENV, wait_for


def test_beat_and_a_worker_on_the_filesystem_broker_price_windows(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in SERVER_ENV}
    env |= {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'clock.sqlite3'}",
        "CELERY_BROKER_DIR": str(tmp_path / "broker"),
        "PRICING_BEAT_SECONDS": "1",
    }

    def manage(*args: str) -> str:
        done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    manage("migrate", "--noinput")
    manage("shell", "-c", (
        "from django.utils import timezone; from pricing.services import parameters_set; "
        "from rewards.services import reward_create; "
        "reward_create(name_fi='Kahvi', name_en='Coffee', base_price=10); "
        "parameters_set(actor=None, values={'tick_seconds': 2}, effective_from=timezone.now())"
    ))  # fmt: skip
    ticks = "from pricing.models import Tick; print(Tick.objects.count())"

    celery = [sys.executable, "-m", "celery", "-A", "pojoporssi"]
    beat = subprocess.Popen([*celery, "beat", "--loglevel=INFO"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # fmt: skip
    worker = subprocess.Popen([*celery, "worker", "--pool=solo", "--without-heartbeat",
                               "--without-gossip", "--without-mingle", "--loglevel=INFO"],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        ticked = wait_for(lambda: int(manage("shell", "-c", ticks).split()[-1]) >= 2, timeout=90)
    finally:
        for process in (beat, worker):
            process.terminate()
        logs = b"".join(p.communicate(timeout=30)[0] or b"" for p in (beat, worker)).decode()
    assert ticked, f"no tick within 90 s; logs:\n{logs[-4000:]}"
    assert "pricing.tasks.pricing_tick" in logs
    assert "every ℓ and price agrees" in manage("pricing_replay")
