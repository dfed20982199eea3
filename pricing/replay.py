"""Rebuild every ℓ from the redemption log and the parameter versions, and compare.

The replay walks the same chain of windows the ticks walked, reads each window's inputs through
the same functions (with ℓ taken from its own rebuilt values, starting at 0 for every reward), takes
the same step, and compares each result with the stored tick line and, at the end, with the
rewards' stored ℓ. Floats are compared exactly: the model has no randomness, so a replay either
reproduces a price to the last bit or something was changed outside the ticks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rewards.models import Reward
from rewards.prices import market_price

from . import engine
from .models import Tick, TickLine
from .windows import genesis_start, model_of, versions_all, window_after, window_inputs

MAX_LISTED = 50


@dataclass
class ReplayReport:
    ticks: int = 0
    lines: int = 0
    rewards: int = 0
    differences: list[str] = field(default_factory=list)
    more: int = 0

    @property
    def ok(self) -> bool:
        return not self.differences

    def add(self, text: str) -> None:
        if len(self.differences) < MAX_LISTED:
            self.differences.append(text)
        else:
            self.more += 1


def _compare_tick(report: ReplayReport, tick: Tick, expected: dict[int, tuple[int, float]]) -> None:
    stored = {
        line.reward_id: line
        for line in TickLine.objects.filter(tick=tick).only(
            "reward_id", "demand", "log_price", "base_price", "price"
        )
    }
    report.lines += len(stored)
    for reward_id in sorted(set(stored) | set(expected)):
        line, want = stored.get(reward_id), expected.get(reward_id)
        if line is None or want is None:
            report.add(f"tick {tick.pk} ({tick}): reward {reward_id} is "
                       f"{'missing from the tick' if line is None else 'not active in the log'}")  # fmt: skip
            continue
        demand, ell = want
        # The price from the base price the tick saw (HR may have changed it since).
        price = market_price(line.base_price, ell)
        if (line.demand, line.log_price, line.price) != (demand, ell, price):
            report.add(
                f"tick {tick.pk} ({tick}): reward {reward_id} stored x={line.demand} "
                f"ℓ={line.log_price!r} price={line.price}, replay x={demand} ℓ={ell!r} price={price}"
            )


def pricing_replay() -> ReplayReport:
    """Replay every applied tick in order; report any difference (an empty list: all agree)."""
    report = ReplayReport()
    versions = versions_all()
    ticks = list(Tick.objects.order_by("window_start").select_related("parameters"))
    log_prices: dict[int, float] = {}
    previous: Tick | None = None
    for tick in ticks:
        report.ticks += 1
        start = genesis_start(versions) if previous is None else previous.window_end
        window = window_after(versions, start=start, previous=previous)
        if (window.start, window.end, window.parameters.pk) != (
            tick.window_start,
            tick.window_end,
            tick.parameters_id,
        ):
            report.add(
                f"tick {tick.pk}: stored window {tick} (parameters v{tick.parameters_id}), "
                f"expected {window.start:%Y-%m-%d %H:%M:%S}–{window.end:%Y-%m-%d %H:%M:%S} "
                f"(v{window.parameters.pk})"
            )
        inputs = window_inputs(start=tick.window_start, end=tick.window_end, log_prices=log_prices)
        result = engine.step(
            model=model_of(tick.parameters), log_price=inputs.log_prices, demand=inputs.demand
        )
        expected = {}
        for i, pk in enumerate(inputs.reward_ids):
            ell = float(result.log_price[i])
            log_prices[pk] = ell
            expected[pk] = (int(inputs.demand[i]), ell)
        _compare_tick(report, tick, expected)
        previous = tick
    for pk, ell in Reward.objects.order_by("id").values_list("id", "log_price"):
        report.rewards += 1
        want = log_prices.get(pk, 0.0)
        if ell != want:
            report.add(f"reward {pk}: stored ℓ={ell!r}, replay ℓ={want!r}")
    return report
