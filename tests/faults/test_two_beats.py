"""Two `celery beat` processes on the same database scheduler and broker (a failover gone wrong,
or a deploy that started a second one), with two workers, over several pricing windows: every
window is priced once, every budget period granted once. (The drawing sweep runs every minute:
its close is proven by the kill and duplicate tests.)"""

from __future__ import annotations

import time

import pytest

from ledger.models import BudgetPolicy
from tests.faults.scenario import (
    budgets_done,
    build_market,
    check_budgets,
    check_pricing,
    pricing_done,
    windows_closed,
)
from tests.faults.support import (
    CELERY,
    assert_books_clean,
    server_env,
    start_worker,
    wait_for,
)
from tests.people.factories import SupervisorFactory

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

TICK_SECONDS = 2
RUN_WINDOWS = 6


def test_two_beats_change_each_window_once(postgres, reason, procs, redis):
    market = build_market(
        reason=reason, windows=3, tick_seconds=TICK_SECONDS, rewards=4, supervisors=6, bidders=4
    )
    env = server_env(redis, PRICING_BEAT_SECONDS="1", BUDGET_BEAT_SECONDS="2",
                     OUTBOX_SWEEP_SECONDS="5")  # fmt: skip
    beats = [
        procs.start("beat", [*CELERY, "beat", "--loglevel=INFO", "--max-interval=1"], env)
        for _ in range(2)
    ]
    for n in range(2):
        start_worker(procs, env, name=f"worker{n}")
    began = time.monotonic()
    # A supervisor hired while both beats run: their period is granted once too.
    assert wait_for(lambda: budgets_done(market), timeout=90), procs.logs()
    late = SupervisorFactory()
    BudgetPolicy.objects.create(supervisor=late, amount=100 + len(market.supervisors))
    market.supervisors.append(late)

    target = windows_closed(market) + RUN_WINDOWS
    priced = wait_for(lambda: pricing_done(market, target), timeout=90)
    settled = wait_for(lambda: budgets_done(market), timeout=60)
    for process in beats:
        procs.kill(process)
    time.sleep(TICK_SECONDS + 1)  # let the workers finish what the beats sent last
    assert priced and settled, procs.logs()
    for process in beats:
        assert "Sending due task pricing-tick" in procs.log_of(process), procs.logs()
    print(f"two beats ran {time.monotonic() - began:.1f}s over {target} windows")

    check_pricing(market, target)
    check_budgets(market)
    assert_books_clean()
