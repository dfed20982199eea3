"""Spec §3's properties of one tick, on the pure step (Hypothesis), plus the window grid."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from pricing import engine
from pricing.engine import Model, grid_ceil, grid_floor, grid_next

DEFAULT = Model(s=2.0, eta=0.05, lam=0.10, delta=math.log(1.1), m_min=0.5, m_max=2.0)
LOW, HIGH = math.log(DEFAULT.m_min), math.log(DEFAULT.m_max)
EPS = 1e-12

models = st.builds(
    Model,
    s=st.floats(0.1, 20),
    eta=st.floats(0.0, 2.0),
    lam=st.floats(0.0, 0.99),
    delta=st.floats(0.001, 1.0),
    m_min=st.floats(0.05, 1.0),
    m_max=st.floats(1.0, 20.0),
)
sizes = st.integers(2, 30)


def in_band(model: Model, n: int) -> st.SearchStrategy[np.ndarray]:
    return st.lists(
        st.floats(math.log(model.m_min), math.log(model.m_max)), min_size=n, max_size=n
    ).map(lambda xs: np.array(xs, dtype=np.float64))


def demands(n: int) -> st.SearchStrategy[np.ndarray]:
    return st.lists(st.integers(0, 200), min_size=n, max_size=n).map(
        lambda xs: np.array(xs, dtype=np.float64)
    )


def run(model: Model, ell: np.ndarray, x: np.ndarray) -> np.ndarray:
    return engine.step(model=model, log_price=ell, demand=x).log_price


# --- The worked example (numbers derived by hand in the docstring) -------------------------------


def test_worked_example_by_hand():
    """Three rewards, bases 100, 200 and 50, all at ℓ = 0; x = (4, 1, 0), so x̄ = 5/3.

    z_A = ln(6 / (11/3)) = ln(18/11) = 0.492476485097794
    z_B = ln(3 / (11/3)) = ln(9/11)  = -0.200670695462151
    z_C = ln(2 / (11/3)) = ln(6/11)  = -0.606135803570316
    Δ = 0.05·z (all well inside ±ln 1.1 = ±0.0953): 0.024623824, -0.010033535, -0.030306790
    P_A = 100·e^0.024623824 = 102.4929 → 102; P_B = 200·e^-0.010033535 = 198.0034 → 198;
    P_C = 50·e^-0.030306790 = 48.5074 → 49 (half up).
    Next tick with no demand at all: z = ln(2/2) = 0, Δ = -0.1·ℓ, so ℓ shrinks by 10 %:
    ℓ_A = 0.022161442 → 102.2409 → 102; ℓ_C = -0.027276111 → 48.6548 → 49.
    """
    ell = np.zeros(3)
    first = engine.step(model=DEFAULT, log_price=ell, demand=np.array([4.0, 1.0, 0.0]))
    assert first.demand_mean == 5 / 3
    assert np.allclose(first.z, [0.492476485097794, -0.200670695462151, -0.606135803570316])
    assert np.allclose(first.log_price, [0.024623824, -0.010033535, -0.030306790], atol=1e-9)
    assert engine.prices(base_prices=[100, 200, 50], log_prices=first.log_price) == [102, 198, 49]

    second = engine.step(model=DEFAULT, log_price=first.log_price, demand=np.zeros(3))
    assert np.allclose(second.log_price, 0.9 * first.log_price)
    assert np.allclose(second.log_price[[0, 2]], [0.022161442, -0.027276111], atol=1e-9)
    assert engine.prices(base_prices=[100, 200, 50], log_prices=second.log_price) == [102, 198, 49]


def test_step_cap_by_hand():
    """Ten rewards; one bought by 50 people: x̄ = 5, z = ln(52/7) = 2.00533, η·z = 0.10027 > δ =
    ln 1.1 = 0.09531, so the step is capped and the price is exactly 1.1 × base: 110 for 100."""
    x = np.zeros(10)
    x[0] = 50
    result = engine.step(model=DEFAULT, log_price=np.zeros(10), demand=x)
    assert math.isclose(result.z[0], math.log(52 / 7))
    assert result.step[0] == math.log(1.1)
    assert engine.prices(base_prices=[100], log_prices=result.log_price[:1]) == [110]
    # the others: z = ln(2/7) = -1.25276, η·z = -0.06264, inside the cap
    assert np.allclose(result.step[1:], 0.05 * math.log(2 / 7))


# --- Properties -----------------------------------------------------------------------------------


@given(data=st.data(), model=models, n=sizes)
def test_the_step_never_exceeds_the_cap_and_stays_in_the_band(data, model, n):
    ell = data.draw(in_band(model, n))
    x = data.draw(demands(n))
    new = run(model, ell, x)
    assert np.all(np.abs(new - ell) <= model.delta + EPS)
    assert np.all(new >= math.log(model.m_min) - EPS)
    assert np.all(new <= math.log(model.m_max) + EPS)


@given(data=st.data(), n=sizes, j=st.integers(0, 29), buyers=st.integers(1, 200))
def test_buying_one_reward_raises_it_and_never_raises_another(data, n, j, buyers):
    j %= n
    x = np.zeros(n)
    x[j] = buyers
    result = engine.step(model=DEFAULT, log_price=np.zeros(n), demand=x)
    assert result.log_price[j] > 0
    others = np.delete(result.log_price, j)
    assert np.all(others <= 0)
    prices = engine.prices(base_prices=[1000] * n, log_prices=result.log_price)
    assert prices[j] > 1000 and all(p <= 1000 for i, p in enumerate(prices) if i != j)


@given(data=st.data(), model=models, n=sizes, j=st.integers(0, 29))
def test_more_demand_never_lowers_a_reward_and_never_raises_the_others(data, model, n, j):
    j %= n
    ell = data.draw(in_band(model, n))
    x = data.draw(demands(n))
    more = x.copy()
    more[j] += 1
    before, after = run(model, ell, x), run(model, ell, more)
    assert after[j] >= before[j] - EPS
    assert np.all(np.delete(after, j) <= np.delete(before, j) + EPS)


@given(data=st.data(), n=sizes)
def test_demand_alone_cannot_raise_the_whole_catalogue(data, n):
    x = data.draw(demands(n))
    new = run(DEFAULT, np.zeros(n), x)
    assert np.any(new <= 0)  # from base prices, someone is at or below base after any demand


@given(data=st.data(), model=models, n=sizes, level=st.integers(0, 100))
def test_no_demand_or_equal_demand_drifts_back_to_base_without_overshoot(data, model, n, level):
    ell = data.draw(in_band(model, n))
    x = np.full(n, float(level))
    current = ell
    for _ in range(5):
        new = run(model, current, x)
        assert np.all(np.abs(new) <= np.abs(current) + EPS)  # closer to base
        assert np.all(new * current >= -EPS)  # never crosses base
        current = new


@given(data=st.data(), n=sizes)
def test_drift_reaches_the_base_price(data, n):
    ell = data.draw(in_band(DEFAULT, n))
    for _ in range(250):
        ell = run(DEFAULT, ell, np.zeros(n))
    bases = data.draw(st.lists(st.integers(1, 100_000), min_size=n, max_size=n))
    assert engine.prices(base_prices=bases, log_prices=ell) == bases


@settings(max_examples=50)
@given(data=st.data(), model=models, n=sizes)
def test_constant_demand_never_oscillates(data, model, n):
    ell = data.draw(in_band(model, n))
    x = data.draw(demands(n))
    path = [ell]
    for _ in range(40):
        path.append(run(model, path[-1], x))
    steps = np.diff(np.array(path), axis=0)
    # every reward moves one way only (or stops): no step changes sign
    assert np.all(steps[:-1] * steps[1:] >= -EPS)


@given(data=st.data(), model=models, n=sizes)
def test_the_step_is_deterministic(data, model, n):
    ell = data.draw(in_band(model, n))
    x = data.draw(demands(n))
    assert np.array_equal(run(model, ell, x), run(model, ell.copy(), x.copy()))


def test_an_empty_catalogue_steps_to_nothing():
    result = engine.step(model=DEFAULT, log_price=np.zeros(0), demand=np.zeros(0))
    assert result.log_price.size == 0 and result.demand_mean == 0.0


# --- The window grid ------------------------------------------------------------------------------

moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)).map(
    lambda d: d.replace(tzinfo=UTC)
)
periods = st.sampled_from([1, 60, 90, 3600, 86_400, 7 * 86_400])


@given(moment=moments, period=periods)
def test_grid_points_bracket_every_moment(moment, period):
    floor, ceil, nxt = (
        grid_floor(moment, period),
        grid_ceil(moment, period),
        grid_next(moment, period),
    )
    assert floor <= moment <= ceil and moment < nxt
    assert nxt - floor == timedelta(seconds=period)
    assert ceil in (floor, nxt)
    assert grid_floor(floor, period) == floor


def test_a_daily_grid_closes_at_midnight_utc():
    moment = datetime(2026, 11, 23, 15, 30, 12, 5, tzinfo=UTC)
    assert grid_floor(moment, 86_400) == datetime(2026, 11, 23, tzinfo=UTC)
    assert grid_next(moment, 86_400) == datetime(2026, 11, 24, tzinfo=UTC)
    assert grid_ceil(datetime(2026, 11, 23, tzinfo=UTC), 86_400) == datetime(
        2026, 11, 23, tzinfo=UTC
    )
