"""Which window comes next, under which parameters, and what went into it.

Shared by the tick, its preview and the replay, so the three cannot disagree. Reads only.

Windows: the first starts at the first parameter version's `effective_from`, floored to its tick
grid; each next one starts where the previous ended and ends at the next grid point of the tick
period in force at its start. A parameter version that becomes effective inside a window closes that
window early, at the first grid point of its own period at or after `effective_from`: a change
applies from the next window, and the next window is never more than one new period away.

Demand x of a reward in a window (spec §3, with the market's settlement rule): the number of
distinct people whose redemption of it *settled* in the window, or who bid in a drawing of it that
closed in the window (it could no longer be cancelled by
its owner: created without approval, or approved), leaving out redemptions rejected before the
window closed. Cancelled ones never settled. A rejection after the close does not reach back into
a window already priced, so a late tick, an on-time tick and the replay all count the same.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from django.conf import settings
from django.db.models import Exists, OuterRef, Q, Subquery

from rewards.drawings.selectors import drawing_participants
from rewards.models import Redemption, RedemptionState, Reward, RewardActivation

from .engine import FloatArray, Model, grid_ceil, grid_floor, grid_next
from .models import ParameterSet, Tick


def default_parameters(*, effective_from: datetime) -> ParameterSet:
    """Spec §3's defaults (tick period and quote validity from settings), unsaved."""
    values = settings.PRICING_DEFAULTS
    return ParameterSet(
        s=values["s"],
        eta=values["eta"],
        lam=values["lam"],
        delta=values["delta"],
        m_min=values["m_min"],
        m_max=values["m_max"],
        tick_seconds=values["tick_seconds"],
        quote_validity_seconds=settings.QUOTE_VALIDITY_SECONDS,
        effective_from=effective_from,
    )


def model_of(version: ParameterSet) -> Model:
    return Model(
        s=version.s,
        eta=version.eta,
        lam=version.lam,
        delta=version.delta,
        m_min=version.m_min,
        m_max=version.m_max,
    )


def versions_all() -> list[ParameterSet]:
    """Every parameter version, oldest first (there are few)."""
    return list(ParameterSet.objects.order_by("effective_from", "id"))


def version_at(versions: list[ParameterSet], moment: datetime) -> ParameterSet:
    """The version in force at `moment`: the latest effective at or before it (the first before
    the first version's own moment, which only the genesis window's floored start can be)."""
    chosen = versions[0]
    for version in versions:
        if version.effective_from <= moment:
            chosen = version
    return chosen


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime
    parameters: ParameterSet
    previous: Tick | None


def window_after(versions: list[ParameterSet], *, start: datetime, previous: Tick | None) -> Window:
    version = version_at(versions, start)
    end = grid_next(start, version.tick_seconds)
    for other in versions:
        if other is not version and start < other.effective_from < end:
            end = min(end, grid_ceil(other.effective_from, other.tick_seconds))
    return Window(start=start, end=end, parameters=version, previous=previous)


def genesis_start(versions: list[ParameterSet]) -> datetime:
    first = versions[0]
    return grid_floor(first.effective_from, first.tick_seconds)


def window_next(versions: list[ParameterSet]) -> Window:
    """The first window not yet applied."""
    last = Tick.objects.order_by("-window_start").first()
    if last is None:
        return window_after(versions, start=genesis_start(versions), previous=None)
    return window_after(versions, start=last.window_end, previous=last)


@dataclass(frozen=True)
class Inputs:
    reward_ids: list[int]
    base_prices: list[int]
    log_prices: FloatArray
    demand: FloatArray


def active_rewards(*, start: datetime, end: datetime) -> list[tuple[int, float, int]]:
    """(id, ℓ, base price) of rewards on the market at any moment of [start, end), by id."""
    status_before = (
        RewardActivation.objects.filter(reward=OuterRef("pk"), at__lt=start)
        .order_by("-at", "-id")
        .values("active")[:1]
    )
    switched_on = RewardActivation.objects.filter(
        reward=OuterRef("pk"), active=True, at__gte=start, at__lt=end
    )
    return list(
        Reward.objects.annotate(was_active=Subquery(status_before))
        .filter(Q(was_active=True) | Exists(switched_on))
        .order_by("id")
        .values_list("id", "log_price", "base_price")
    )


def demand_in(*, start: datetime, end: datetime) -> Counter[int]:
    """x per reward: distinct people with settled demand in [start, end) (see the module doc),
    counting each bidder or entrant of a drawing that closed in the window too (issue 6: a hot
    drawing raises the reward's price). A winner's redemption and their bid count once."""
    settled = (
        Redemption.objects.filter(settled_at__gte=start, settled_at__lt=end)
        .exclude(state=RedemptionState.REJECTED, updated_at__lt=end)
        .order_by()  # no ordering columns inside the DISTINCT
        .values_list("reward_id", "employee_id")
        .distinct()
    )
    bidders = {
        (row["reward_id"], row["employee_id"])
        for row in drawing_participants(start=start, end=end).order_by()
    }
    people = set(settled) | bidders
    return Counter(reward_id for reward_id, _employee in people)


def window_inputs(
    *, start: datetime, end: datetime, log_prices: dict[int, float] | None = None
) -> Inputs:
    """What a tick of [start, end) reads: the active rewards with ℓ and base price, and x.

    `log_prices` replaces the stored ℓ (the replay's rebuilt values; 0 for a reward not seen)."""
    rows = active_rewards(start=start, end=end)
    demand = demand_in(start=start, end=end)
    ids = [row[0] for row in rows]
    stored = [row[1] for row in rows]
    ells = stored if log_prices is None else [log_prices.get(pk, 0.0) for pk in ids]
    return Inputs(
        reward_ids=ids,
        base_prices=[row[2] for row in rows],
        log_prices=np.array(ells, dtype=np.float64),
        demand=np.array([demand.get(pk, 0) for pk in ids], dtype=np.float64),
    )
