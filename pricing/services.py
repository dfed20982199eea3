"""Every write of pricing: parameter versions, ticks, sales.

Lock order: the market clock first (exclusive for a tick, shared for everything else that stamps a
time a tick reads), then reward rows (a tick updates them in one statement).
"""

from __future__ import annotations

import io
import math
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditAction
from audit.services import audit_record
from core import sql
from core.errors import InvalidInputError, NotFoundError
from core.validators import is_whole_number
from people.models import User
from rewards.locks import market_clock_exclusive, market_clock_shared
from rewards.models import Reward, RewardCategory
from rewards.services import reward_prices_move

from . import engine
from .alerts import wish_alerts_after_commit
from .errors import ParametersInPastError, SaleEndedError
from .models import ParameterSet, Sale, Tick, TickLine
from .windows import (
    Window,
    default_parameters,
    model_of,
    versions_all,
    window_inputs,
    window_next,
)

# --- Parameters ---------------------------------------------------------------------------------

PARAMETER_FIELDS = (
    "s", "eta", "lam", "delta", "m_min", "m_max", "tick_seconds", "quote_validity_seconds",
)  # fmt: skip
_FLOAT_RANGES: dict[str, tuple[float, float, str]] = {
    # name: (lowest, highest, what to say); bounds are inclusive unless the check says otherwise
    "s": (1e-6, 1000.0, "a number above 0 and at most 1000"),
    "eta": (0.0, 10.0, "a number from 0 to 10"),
    "lam": (0.0, 0.999, "a number from 0 up to (not including) 1"),
    "delta": (1e-6, math.log(10), "a number above 0 and at most ln 10 (2.303)"),
    "m_min": (0.01, 1.0, "a share of the base price from 0.01 to 1"),
    "m_max": (1.0, 100.0, "a multiple of the base price from 1 to 100"),
}
_INT_RANGES: dict[str, tuple[int, int, str]] = {
    "tick_seconds": (1, 31 * 86_400, "whole seconds from 1 to 31 days"),
    "quote_validity_seconds": (1, 7 * 86_400, "whole seconds from 1 to 7 days"),
}


def parameters_validate(values: dict[str, Any]) -> dict[str, Any]:
    """Check a (partial) set of parameter values; return them as floats and ints."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    for name in set(values) - set(PARAMETER_FIELDS):
        errors[name] = [_("Unknown parameter.")]
    for name, (low, high, say) in _FLOAT_RANGES.items():
        if name not in values:
            continue
        value = values[name]
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            errors[name] = [_("Expected %(what)s.") % {"what": say}]
            continue
        number = float(value)
        if not math.isfinite(number) or not low <= number <= high:
            errors[name] = [_("Expected %(what)s.") % {"what": say}]
            continue
        clean[name] = number
    for name, (low, high, say) in _INT_RANGES.items():
        if name not in values:
            continue
        value = values[name]
        if not is_whole_number(value, low=low, high=high):
            errors[name] = [_("Expected %(what)s.") % {"what": say}]
            continue
        clean[name] = value
    if errors:
        raise InvalidInputError(fields=errors)
    return clean


def parameters_current(*, at: datetime | None = None) -> ParameterSet:
    """The version in force at `at` (now): saved, or spec §3's defaults when none is saved yet."""
    moment = at or timezone.now()
    # One query: the latest version in force, else (none in force yet) the earliest one.
    # Hand-written (`core.sql`): every quote reads it, and the ORM's `Case` ordering cost more
    # CPU to build than the quote's other statements together.
    when = sql.moment(moment)
    version = sql.first(
        ParameterSet,
        f"SELECT {sql.columns(ParameterSet)} FROM {sql.table(ParameterSet)} "  # noqa: S608
        "ORDER BY CASE WHEN effective_from <= %s THEN 0 ELSE 1 END, "
        "CASE WHEN effective_from <= %s THEN effective_from END DESC, "
        "CASE WHEN effective_from <= %s THEN id END DESC, effective_from, id LIMIT 1",
        [when, when, when],
    )
    return version or default_parameters(effective_from=moment)


@transaction.atomic
def parameters_set(
    *,
    actor: User | None,
    values: dict[str, Any],
    note: str = "",
    effective_from: datetime | None = None,
) -> ParameterSet:
    """Save a new version: the given values over the current ones. It applies from the next window.

    `effective_from` (default now) may lie in the future; in the past only where no window has
    been priced yet (seeding a history), never under a price already set."""
    clean = parameters_validate(values)
    if len(note) > 500:
        raise InvalidInputError(fields={"note": [_("At most 500 characters.")]})
    # Shared clock: a tick reading the versions sees this one whole or not at all.
    market_clock_shared()
    now = timezone.now()
    moment = effective_from or now
    last = Tick.objects.order_by("-window_end").first()
    if moment < now and last is not None and moment < last.window_end:
        raise ParametersInPastError(extra={"priced_until": last.window_end.isoformat()})
    base = parameters_current(at=moment)
    merged = {name: getattr(base, name) for name in PARAMETER_FIELDS} | clean
    if merged["m_min"] > 1 or merged["m_max"] < 1:
        raise InvalidInputError(fields={"m_min": [_("The band must contain the base price.")]})
    version = ParameterSet(
        **merged, effective_from=moment, created_at=now, created_by=actor, note=note.strip()
    )
    version.full_clean()
    version.save()
    audit_record(
        actor=actor,
        action=AuditAction.PRICING_PARAMETERS_SAVED,
        subject=version,
        details={
            "effective_from": moment.isoformat(),
            "note": version.note[:200],
            "changes": {
                name: [getattr(base, name), merged[name]]
                for name in PARAMETER_FIELDS
                if getattr(base, name) != merged[name]
            },
        },
    )
    return version


# --- Ticks --------------------------------------------------------------------------------------


def _window_apply(*, window: Window, applied_at: datetime) -> Tick:
    """Price one window: one read of the inputs, one vectorised step, four set-based writes."""
    inputs = window_inputs(start=window.start, end=window.end)
    result = engine.step(
        model=model_of(window.parameters), log_price=inputs.log_prices, demand=inputs.demand
    )
    prices = engine.prices(base_prices=inputs.base_prices, log_prices=result.log_price)
    tick = Tick.objects.create(
        window_start=window.start,
        window_end=window.end,
        previous=window.previous,
        parameters=window.parameters,
        applied_at=applied_at,
        rewards_count=len(inputs.reward_ids),
        demand_total=int(inputs.demand.sum()),
        demand_mean=result.demand_mean,
    )
    columns = {
        "reward_id": inputs.reward_ids,
        "demand": [int(x) for x in inputs.demand.tolist()],
        "z": result.z.tolist(),
        "step": result.step.tolist(),
        "log_price_before": inputs.log_prices.tolist(),
        "log_price": result.log_price.tolist(),
        "base_price": inputs.base_prices,
        "price": prices,
    }
    _lines_insert(tick=tick, columns=columns)
    _prices_write(tick=tick, day=timezone.localdate(window.end).isoformat(), columns=columns)
    return tick


def _prices_write(*, tick: Tick, day: str, columns: dict[str, list[Any]]) -> None:
    """The rewards' ℓ and price (through the market's own service), and the day's closing prices:
    one statement each for the whole catalogue. PostgreSQL reads the new values from arrays;
    SQLite (>= 3.33) from the tick lines."""
    reward_prices_move(
        reward_ids=columns["reward_id"], log_prices=columns["log_price"], prices=columns["price"]
    )
    params: list[Any]
    if connection.vendor == "postgresql":
        source = (
            "unnest(%s::bigint[], %s::float8[], %s::integer[], %s::integer[]) "
            "AS l(reward_id, log_price, price, base_price)"
        )
        where = "TRUE"
        params = [columns[name] for name in ("reward_id", "log_price", "price", "base_price")]
    else:
        source, where, params = "pricing_tickline l", "l.tick_id = %s", [tick.pk]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO pricing_priceday (reward_id, day, price, log_price, base_price) "  # noqa: S608
            f"SELECT l.reward_id, %s, l.price, l.log_price, l.base_price FROM {source} "
            f"WHERE {where} ON CONFLICT (reward_id, day) DO UPDATE SET price = excluded.price, "
            f"log_price = excluded.log_price, base_price = excluded.base_price",
            [day, *params],
        )


def _lines_insert(*, tick: Tick, columns: dict[str, list[Any]]) -> None:
    """Write a tick's lines: COPY on PostgreSQL (ten thousand rows in one round trip, no model
    instances; repr() of a float reads back as the same float), a bulk insert elsewhere."""
    if connection.vendor == "postgresql":
        buffer = io.StringIO()
        for row in zip(*columns.values(), strict=True):
            buffer.write(f"{tick.pk}\t" + "\t".join(map(repr, row)) + "\n")
        buffer.seek(0)
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(  # the psycopg2 cursor under Django's wrapper
                f"COPY pricing_tickline (tick_id, {', '.join(columns)}) FROM STDIN", buffer
            )
        return
    rows = zip(*columns.values(), strict=True)
    TickLine.objects.bulk_create(
        [TickLine(tick=tick, **dict(zip(columns, row, strict=True))) for row in rows]
    )


def _first_version(*, moment: datetime) -> list[ParameterSet]:
    """Save spec §3's defaults as version 1, starting the clock at the current grid window."""
    version = default_parameters(effective_from=moment)
    version.effective_from = engine.grid_floor(moment, version.tick_seconds)
    version.note = "defaults"
    version.save()
    return [version]


def pricing_tick_run(*, now: datetime | None = None, limit: int | None = None) -> list[Tick]:
    """Apply every window that has closed by `now` (default: the clock), oldest first, each in its
    own transaction. Safe to run any number of times, from any number of workers at once.

    `now` may only look back (seeding a history, tests); a window still open is never priced."""
    applied: list[Tick] = []
    while limit is None or len(applied) < limit:
        with transaction.atomic():
            # Exclusive: no redemption settles and no reward switches while this window is read.
            market_clock_exclusive()
            clock = timezone.now()
            moment = min(now, clock) if now is not None else clock
            versions = versions_all() or _first_version(moment=moment)
            window = window_next(versions)
            if window.end > moment:
                break
            try:
                with transaction.atomic():
                    tick = _window_apply(window=window, applied_at=clock)
            except IntegrityError:
                # Unique window or predecessor: another worker priced it first. That can only
                # happen where the clock is not a real lock (SQLite); the database still says no.
                break
        applied.append(tick)
    return applied


# --- Sales --------------------------------------------------------------------------------------


def _multiplier(value: Any) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        number = Decimal("NaN")
    if (
        isinstance(value, bool)
        or not number.is_finite()
        or not Decimal("0.01") <= number <= Decimal("0.99")
    ):
        raise InvalidInputError(
            fields={
                "multiplier": [_("A multiplier from 0.01 to 0.99 (0.8 means 20 per cent off).")]
            }
        )
    if number != number.quantize(Decimal("0.001")):
        raise InvalidInputError(fields={"multiplier": [_("At most three decimals.")]})
    return number


@transaction.atomic
def sale_create(
    *,
    actor: User,
    name: str,
    multiplier: Any,
    starts_at: datetime,
    ends_at: datetime,
    rewards: list[Reward] | None = None,
    categories: list[str] | None = None,
    all_rewards: bool = False,
) -> Sale:
    """Schedule a sale: people pay the price × multiplier on the chosen rewards in the window."""
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name or len(name) > 120:
        errors["name"] = [_("A name of 1 to 120 characters.")]
    categories = list(categories or [])
    unknown = [c for c in categories if c not in RewardCategory.values]
    if unknown:
        errors["categories"] = [_("Unknown category: %(c)s.") % {"c": ", ".join(map(str, unknown))}]
    rewards = list(rewards or [])
    if not all_rewards and not rewards and not categories:
        errors["rewards"] = [_("Choose rewards, categories or all rewards.")]
    if ends_at <= starts_at:
        errors["ends_at"] = [_("The sale must end after it starts.")]
    elif ends_at <= timezone.now():
        errors["ends_at"] = [_("The sale must end in the future.")]
    if errors:
        raise InvalidInputError(fields=errors)
    sale = Sale.objects.create(
        name=name,
        multiplier=_multiplier(multiplier),
        starts_at=starts_at,
        ends_at=ends_at,
        all_rewards=all_rewards,
        categories=sorted(set(categories)),
        created_by=actor,
    )
    if rewards:
        sale.rewards.set(rewards)
    audit_record(
        actor=actor,
        action=AuditAction.PRICING_SALE_CREATED,
        subject=sale,
        subject_label=sale.name,
        details={
            "multiplier": sale.multiplier,
            "starts_at": starts_at.isoformat(),
            "ends_at": ends_at.isoformat(),
            "all_rewards": all_rewards,
            "categories": sale.categories,
            "rewards": sorted(reward.pk for reward in rewards)[:100],
        },
    )
    # Watchers hear of it when it starts: now, or by a job at its start.
    start = starts_at if starts_at > timezone.now() else None
    wish_alerts_after_commit(eta=start)
    return sale


@transaction.atomic
def sale_cancel(*, actor: User, sale_id: int) -> Sale:
    """End a sale now (or drop one not yet started). Prices already paid stay paid."""
    sale = Sale.objects.select_for_update().filter(pk=sale_id).first()
    if sale is None:
        raise NotFoundError()
    now = timezone.now()
    if sale.cancelled_at is not None or sale.ends_at <= now:
        raise SaleEndedError(extra={"sale": sale.pk})
    sale.cancelled_at = now
    sale.save(update_fields=["cancelled_at"])
    audit_record(
        actor=actor,
        action=AuditAction.PRICING_SALE_CANCELLED,
        subject=sale,
        subject_label=sale.name,
        details={"starts_at": sale.starts_at.isoformat(), "ends_at": sale.ends_at.isoformat()},
    )
    return sale
