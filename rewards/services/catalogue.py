"""HR's catalogue: add, change, reprice by hand, restock, take off and put back on the market.

Everything that stamps a time pricing reads (a reward going on or off the market, a base price
changing) holds the market clock shared, then the reward row (see `rewards/locks.py`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import InvalidInputError
from core.validators import is_whole_number

from ..locks import market_clock_shared, reward_lock
from ..models import Reward, RewardActivation, RewardCategory
from ..prices import market_price

MAX_PRICE = 10_000_000
MAX_STOCK = 1_000_000

_TEXT_FIELDS = {
    "name_fi": 120, "name_en": 120, "description_fi": 5000, "description_en": 5000,
    "approver_note": 2000,
}  # fmt: skip
_EDITABLE = {
    *_TEXT_FIELDS, "category", "icon", "base_price", "stock", "needs_approval", "active",
    "options", "picture",
}  # fmt: skip
MAX_OPTIONS = 3
MAX_CHOICES = 20
OPTION_TEXT = 40


def _options_errors(options: Any) -> list[str]:
    """What is wrong with `options` ([{"name_fi", "name_en", "choices": [...]}]), if anything."""
    if not isinstance(options, list) or len(options) > MAX_OPTIONS:
        return [_("At most %(n)d options.") % {"n": MAX_OPTIONS}]
    for option in options:
        if not isinstance(option, dict) or set(option) != {"name_fi", "name_en", "choices"}:
            return [_("Each option has a Finnish name, an English name and its choices.")]
        names = [option["name_fi"], option["name_en"]]
        choices = option["choices"]
        if not all(isinstance(n, str) and 0 < len(n.strip()) <= OPTION_TEXT for n in names):
            return [_("An option's names are 1 to %(n)d characters.") % {"n": OPTION_TEXT}]
        if (
            not isinstance(choices, list)
            or not 1 <= len(choices) <= MAX_CHOICES
            or not all(isinstance(c, str) and 0 < len(c.strip()) <= OPTION_TEXT for c in choices)
            or len(set(choices)) != len(choices)
        ):
            return [
                _("1 to %(n)d different choices of 1 to %(len)d characters.")
                % {"n": MAX_CHOICES, "len": OPTION_TEXT}
            ]
    return []


def _validate_reward_fields(values: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    for name, limit in _TEXT_FIELDS.items():
        if name in values:
            text = values[name]
            if not isinstance(text, str) or len(text) > limit:
                errors[name] = [_("Text of at most %(n)d characters.") % {"n": limit}]
            elif name.startswith("name_") and not text.strip():
                errors[name] = [_("This field may not be blank.")]
    if "options" in values and (problems := _options_errors(values["options"])):
        errors["options"] = problems
    if "picture" in values and not (
        isinstance(values["picture"], str) and len(values["picture"]) <= 100
    ):
        errors["picture"] = [_("A stored picture's name.")]
    if "category" in values and values["category"] not in RewardCategory.values:
        errors["category"] = [_("Unknown category.")]
    if "base_price" in values:
        price = values["base_price"]
        if not is_whole_number(price, low=1, high=MAX_PRICE):
            errors["base_price"] = [_("A whole number from 1 to 10,000,000.")]
    if "stock" in values and values["stock"] is not None:
        stock = values["stock"]
        if not is_whole_number(stock, low=0, high=MAX_STOCK):
            errors["stock"] = [_("Empty (unlimited) or a whole number from 0 to 1,000,000.")]
    if errors:
        raise InvalidInputError(fields=errors)


def reward_create(
    *,
    name_fi: str,
    name_en: str,
    base_price: int,
    category: str = RewardCategory.OTHER,
    description_fi: str = "",
    description_en: str = "",
    icon: str = "",
    stock: int | None = None,
    needs_approval: bool = False,
    active: bool = True,
    options: list[dict[str, Any]] | None = None,
    approver_note: str = "",
    picture: str = "",
    at: datetime | None = None,
) -> Reward:
    """Add a reward to the catalogue; its current price starts at the base price (ℓ = 0).

    `at` backdates it (demo history and imports only); it defaults to now."""
    values: dict[str, Any] = {
        "name_fi": name_fi, "name_en": name_en, "description_fi": description_fi,
        "description_en": description_en, "category": category, "icon": icon,
        "base_price": base_price, "stock": stock, "needs_approval": needs_approval,
        "active": active, "options": options or [], "approver_note": approver_note,
        "picture": picture,
    }  # fmt: skip
    _validate_reward_fields(values)
    with transaction.atomic():
        market_clock_shared()
        now = at or timezone.now()
        reward = Reward(current_price=base_price, log_price=0.0, created_at=now, **values)
        reward.full_clean()
        reward.save()
        RewardActivation.objects.create(reward=reward, active=reward.active, at=now)
    return reward


@transaction.atomic
def reward_update(*, reward: Reward, **changes: Any) -> Reward:
    """Change a reward. A new base price keeps ℓ: the price moves with the base, the demand stays."""
    unknown = set(changes) - _EDITABLE
    if unknown:
        raise InvalidInputError(fields={name: [_("Cannot be changed.")] for name in unknown})
    _validate_reward_fields(changes)
    market_clock_shared()
    locked = reward_lock(reward_id=reward.pk)
    was_active = locked.active
    fields = list(changes)
    for name, value in changes.items():
        setattr(locked, name, value)
    if "base_price" in changes:
        locked.current_price = market_price(locked.base_price, locked.log_price)
        fields.append("current_price")
    locked.full_clean()
    locked.save(update_fields=fields)
    if locked.active != was_active:
        RewardActivation.objects.create(reward=locked, active=locked.active)
    return locked


@transaction.atomic
def reward_price_set(*, reward: Reward, price: int) -> Reward:
    """Move the market price by hand to `price` (ℓ = ln(price / base)): an operator's correction.

    Pricing ticks do not come here; they write ℓ and prices for the whole catalogue at once.
    `pricing_replay` reports a price set by hand, as it should."""
    if not is_whole_number(price, low=1, high=MAX_PRICE):
        raise InvalidInputError(fields={"price": [_("A whole number from 1 to 10,000,000.")]})
    market_clock_shared()
    locked = reward_lock(reward_id=reward.pk)
    locked.log_price = math.log(price / locked.base_price)
    locked.current_price = market_price(locked.base_price, locked.log_price)
    locked.save(update_fields=["current_price", "log_price"])
    return locked


@transaction.atomic
def reward_restock(*, reward: Reward, quantity: int) -> Reward:
    """Add `quantity` items to a reward with limited stock."""
    if not is_whole_number(quantity, low=1, high=MAX_STOCK):
        raise InvalidInputError(fields={"quantity": [_("A whole number from 1 to 1,000,000.")]})
    locked = reward_lock(reward_id=reward.pk)
    if locked.stock is None:
        raise InvalidInputError(
            _("This reward has unlimited stock."),
            fields={"quantity": [_("Unlimited stock cannot be restocked; set a stock first.")]},
        )
    if locked.stock + quantity > MAX_STOCK:
        raise InvalidInputError(fields={"quantity": [_("Stock would exceed 1,000,000.")]})
    Reward.objects.filter(pk=locked.pk).update(stock=F("stock") + quantity)
    locked.refresh_from_db(fields=["stock"])
    return locked


def reward_deactivate(*, reward: Reward) -> Reward:
    """Take a reward off the market (redemptions already made are not touched)."""
    return reward_update(reward=reward, active=False)


def reward_activate(*, reward: Reward) -> Reward:
    return reward_update(reward=reward, active=True)


def reward_prices_move(
    *, reward_ids: Sequence[int], log_prices: Sequence[float], prices: Sequence[int]
) -> None:
    """Write ℓ and the market price of many rewards at once: a pricing tick reprices the whole
    catalogue in one statement, however large it is. The caller holds the market clock
    exclusively, so no purchase reads a price half written."""
    assert connection.in_atomic_block, "prices move inside the tick's transaction"
    if not reward_ids:
        return
    table = connection.ops.quote_name(Reward._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"UPDATE {table} AS r SET log_price = l.log_price, current_price = l.price "  # noqa: S608
                "FROM unnest(%s::bigint[], %s::float8[], %s::integer[]) AS l(id, log_price, price) "
                "WHERE r.id = l.id",
                [list(reward_ids), list(log_prices), list(prices)],
            )
        else:  # SQLite, the newcomer's zero-setup database
            cursor.executemany(
                f"UPDATE {table} SET log_price = %s, current_price = %s WHERE id = %s",  # noqa: S608
                list(zip(log_prices, prices, reward_ids, strict=True)),
            )
