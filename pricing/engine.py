"""The pricing model of spec §3 as pure functions: no database, no clock, no randomness.

The tick, the preview and the replay all call `step`, so they cannot disagree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import numpy.typing as npt

from rewards.prices import market_price

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Model:
    """The parameters the step needs (a ParameterSet without its bookkeeping)."""

    s: float
    eta: float
    lam: float
    delta: float
    m_min: float
    m_max: float


@dataclass(frozen=True)
class Step:
    demand_mean: float
    z: FloatArray
    step: FloatArray
    log_price: FloatArray


def step(*, model: Model, log_price: FloatArray, demand: FloatArray) -> Step:
    """One tick over the rewards active in a window, vectorised.

    x̄ = mean(x); z = ln((x + s) / (x̄ + s)); Δ = clip(η·z − λ·ℓ, −δ, +δ);
    ℓ' = clamp(ℓ + Δ, ln m_min, ln m_max).
    """
    if demand.size == 0:
        empty = np.zeros(0)
        return Step(demand_mean=0.0, z=empty, step=empty, log_price=empty)
    mean = float(demand.mean())
    z = np.log((demand + model.s) / (mean + model.s))
    delta = np.clip(model.eta * z - model.lam * log_price, -model.delta, model.delta)
    ell = np.clip(log_price + delta, math.log(model.m_min), math.log(model.m_max))
    return Step(demand_mean=mean, z=z, step=delta, log_price=ell)


def prices(*, base_prices: list[int], log_prices: FloatArray) -> list[int]:
    """Step 6 for each reward, through the one rounding function the market uses."""
    return [
        market_price(base, float(ell)) for base, ell in zip(base_prices, log_prices, strict=True)
    ]


# --- Windows ------------------------------------------------------------------------------------
# Windows lie on a grid of the tick period counted from the Unix epoch in UTC (a daily tick closes
# at 00:00 UTC). Whole seconds keep the arithmetic exact.

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _seconds(moment: datetime) -> int:
    delta = moment - _EPOCH
    return delta.days * 86_400 + delta.seconds  # drops microseconds: floor for moments after 1970


def grid_floor(moment: datetime, period: int) -> datetime:
    """The grid point at or before `moment`."""
    return _EPOCH + timedelta(seconds=_seconds(moment) // period * period)


def grid_ceil(moment: datetime, period: int) -> datetime:
    """The grid point at or after `moment`."""
    floor = grid_floor(moment, period)
    return floor if floor == moment else floor + timedelta(seconds=period)


def grid_next(moment: datetime, period: int) -> datetime:
    """The first grid point strictly after `moment`."""
    return grid_floor(moment, period) + timedelta(seconds=period)
