"""SIGKILL the Celery worker at random points of a pricing tick, a budget-period job and a drawing
close, again and again; a fresh worker then finishes. Every window, period and drawing is applied
exactly once. (acks_late + reject_on_worker_lost: Redis gives an unacknowledged message back after
its visibility timeout, three seconds here.)

Reproduce a run with FAULTS_SEED=<the printed seed>."""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable

import pytest

from rewards.models import Drawing
from tests.faults.scenario import (
    Market,
    budgets_done,
    build_market,
    check_budgets,
    check_drawing,
    check_pricing,
    drawing_done,
    pricing_done,
    windows_closed,
)
from tests.faults.support import (
    Procs,
    assert_books_clean,
    celery_broker,
    server_env,
    start_worker,
    wait_for,
)

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

KILLS_PER_JOB = 5


def took_message(log: str, job: str, what: str = "received") -> bool:
    """Whether the worker's log says it received (or `what`) a message of `job`."""
    return any(f"] {what}" in line for line in log.splitlines() if f"Task {job}[" in line)


def kill_at_random_points(
    *, procs: Procs, env: dict[str, str], rng: random.Random, job: str, max_delay: float,
    done: Callable[[], bool], send: Callable[[], object],
) -> list[str]:  # fmt: skip
    """Start a worker, wait until it takes the job's message, SIGKILL it after a random delay;
    KILLS_PER_JOB times (fewer if the job finished first). Returns what happened, for the log.

    A worker killed in the instant between finishing and acknowledging may leave no message to
    redeliver and the job half a step short of `done`; beat sends these jobs again on its
    schedule, so the test does what beat would: it sends the job once more (and says so)."""
    points = []
    for n in range(KILLS_PER_JOB):
        if done():
            break
        worker = start_worker(procs, env, name=f"victim-{job.rsplit('.', 1)[-1]}")
        # Redis gives the killed worker's message back once its visibility timeout has passed.
        took = wait_for(lambda: took_message(procs.log_of(worker), job), timeout=30)  # noqa: B023
        if not took:
            if done():
                break
            print(f"{job}: no message to redeliver after kill {n}; sent again, as beat would")
            send()
            took = wait_for(lambda: took_message(procs.log_of(worker), job), timeout=60)  # noqa: B023
        assert took, f"the worker never took {job}:\n{procs.logs()}"
        delay = rng.uniform(0, max_delay)
        time.sleep(delay)
        finished = took_message(procs.log_of(worker), job, "succeeded")
        procs.kill(worker)
        points.append(f"{job} kill {n + 1}: {delay:.3f}s after it took the message"
                      f"{' (it had just succeeded)' if finished else ''}")  # fmt: skip
        print(points[-1])
    return points


def test_sigkilled_workers_apply_every_window_period_and_drawing_exactly_once(
    postgres, reason, procs, redis
):
    seed = int(os.environ.get("FAULTS_SEED") or random.SystemRandom().randrange(2**32))
    print(f"FAULTS_SEED={seed}")
    rng = random.Random(seed)
    market: Market = build_market(reason=reason)
    windows = windows_closed(market)
    env = server_env(redis)
    from ledger.tasks import budget_periods_open
    from pricing.tasks import pricing_tick
    from rewards.tasks import drawing_close_task

    jobs: list[tuple[str, Callable[[], object], float, Callable[[], bool]]] = [
        ("pricing.tasks.pricing_tick", pricing_tick.delay, 3.0,
         lambda: pricing_done(market, windows)),
        ("ledger.tasks.budget_periods_open", budget_periods_open.delay, 0.6,
         lambda: budgets_done(market)),
        ("rewards.tasks.drawing_close",
         lambda: drawing_close_task.delay(drawing_id=market.drawing.pk), 0.4,
         lambda: drawing_done(market)),
    ]  # fmt: skip
    with celery_broker(redis.url):
        for job, send, max_delay, done in jobs:
            send()
            kill_at_random_points(
                procs=procs, env=env, rng=rng, job=job, max_delay=max_delay, done=done, send=send
            )
        # a fresh worker finishes whatever the killed ones left
        start_worker(procs, env, name="finisher")
        finished = wait_for(
            lambda: pricing_done(market, windows) and budgets_done(market) and drawing_done(market),
            timeout=90,
        )
        assert finished, f"FAULTS_SEED={seed}\n{procs.logs()}"
        time.sleep(4)  # past a visibility timeout: no late redelivery changes anything

    check_pricing(market, windows)
    check_budgets(market)
    check_drawing(market)
    assert Drawing.objects.filter(pk=market.drawing.pk).count() == 1
    assert_books_clean()
