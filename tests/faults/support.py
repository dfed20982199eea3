"""Real processes for the fault tests: a Redis of their own, Celery workers and beats that can be
killed, and the two consistency checks every scenario ends with.

Every process is started in its own session and killed (SIGKILL, to its whole group) by the
`procs` fixture's finalizer whatever happens: a Celery worker ignores SIGTERM during its warm
shutdown, and a leftover worker would eat the next test's messages."""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from django.core.management import call_command
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent.parent
CELERY = [sys.executable, "-m", "celery", "-A", "pojoporssi"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def database_url_of_test_db() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


def wait_for(check: Callable[[], object], timeout: float = 60, every: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(every)
    return bool(check())


@dataclass
class Procs:
    """The processes a test started; all killed at its end."""

    logdir: Path
    started: list[tuple[str, subprocess.Popen[bytes]]] = field(default_factory=list)

    def start(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = self.log_path(name, len(self.started)).open("wb")
        process = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        self.started.append((name, process))
        return process

    def log_path(self, name: str, index: int) -> Path:
        return self.logdir / f"{name}-{index}.log"

    def log_of(self, process: subprocess.Popen[bytes]) -> str:
        for index, (name, started) in enumerate(self.started):
            if started is process:
                return self.log_path(name, index).read_text(errors="replace")
        raise LookupError(process)

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        if process.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)

    def kill_all(self) -> None:
        for _, process in self.started:
            self.kill(process)

    def logs(self, last: int = 3000) -> str:
        out = []
        for path in sorted(self.logdir.glob("*.log")):
            out.append(f"--- {path.name}\n{path.read_text(errors='replace')[-last:]}")
        return "\n".join(out)


@dataclass
class RedisServer:
    """A redis-server of the test's own (the suite's shared one is never stopped)."""

    procs: Procs
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = self.procs.start(
            "redis",
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
             "--appendonly", "no", "--dir", str(self.procs.logdir)],
            dict(os.environ),
        )  # fmt: skip
        assert wait_for(self.ping, timeout=20), "redis-server did not start"

    def stop(self) -> None:
        if self.process is not None:
            self.procs.kill(self.process)
            self.process = None
        assert wait_for(lambda: not self.ping(), timeout=10)

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False


def server_env(redis: RedisServer, **extra: str) -> dict[str, str]:
    """The environment of a worker or beat on the test database and the test's Redis."""
    env = {**os.environ, "DATABASE_URL": database_url_of_test_db(), "REDIS_URL": redis.url}
    env |= {"CELERY_BROKER_URL": redis.url, "CELERY_VISIBILITY_TIMEOUT": "3"}
    env |= extra
    return env


def start_worker(
    procs: Procs, env: dict[str, str], name: str = "worker"
) -> subprocess.Popen[bytes]:
    return procs.start(
        name,
        [*CELERY, "worker", "--pool=solo", "--without-heartbeat", "--without-gossip",
         "--without-mingle", "--loglevel=INFO", "-n", f"{name}-{len(procs.started)}@%h"],
        env,
    )  # fmt: skip


@contextmanager
def celery_broker(url: str) -> Iterator[None]:
    """Point this process's Celery app (what the views publish with) at `url`."""
    from pojoporssi.celery import app

    def reset() -> None:
        # Drop the app's references only: its pools live in kombu's registry (one per URL) and
        # are shared; closing them would break the next test that publishes.
        app._pool = None
        app.amqp._producer_pool = None

    # Celery prefers the environment's CELERY_BROKER_URL (scripts/test.sh sets it) to its conf.
    before = app.conf.broker_url, os.environ.get("CELERY_BROKER_URL")
    reset()
    app.conf.broker_url = os.environ["CELERY_BROKER_URL"] = url
    try:
        yield
    finally:
        reset()
        app.conf.broker_url = before[0]
        if before[1] is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = before[1]


def assert_books_clean() -> None:
    """`ledger_verify` and `pricing_replay` agree with the database."""
    out = io.StringIO()
    call_command("ledger_verify", stdout=out)
    assert "every invariant holds" in out.getvalue(), out.getvalue()
    out = io.StringIO()
    call_command("pricing_replay", stdout=out)
    assert "every ℓ and price agrees" in out.getvalue(), out.getvalue()
