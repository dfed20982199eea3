"""Demand-driven pricing (spec §3): parameter versions, ticks (the explanation of every price),
daily closing prices and sales.

Invariants held by the database:
- parameter versions, ticks and tick lines are append-only (pgtrigger Protect);
- a window is applied at most once: ticks are unique by window start and by window end, and the
  chain of ticks cannot fork (each tick names its predecessor, one-to-one; one genesis tick);
- one tick line per reward per tick; one closing price per reward per day;
- parameters stay inside the ranges the model needs (CHECK constraints).
"""

from __future__ import annotations

from typing import Any, ClassVar

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ParameterSet(models.Model):
    """One version of the pricing parameters. A new version applies from the next window."""

    s = models.FloatField(_("smoothing s"), help_text=_("Pseudo-count added to demand."))
    eta = models.FloatField(_("sensitivity η"), help_text=_("How strongly demand moves ℓ."))
    lam = models.FloatField(_("drift λ"), help_text=_("Pull of ℓ back to the base price."))
    delta = models.FloatField(_("step cap δ"), help_text=_("Largest move of ℓ in one tick."))
    m_min = models.FloatField(_("floor m_min"), help_text=_("Lowest price as a share of base."))
    m_max = models.FloatField(_("ceiling m_max"), help_text=_("Highest price as a share of base."))
    tick_seconds = models.PositiveIntegerField(_("tick period (seconds)"))
    quote_validity_seconds = models.PositiveIntegerField(_("quote validity (seconds)"))
    effective_from = models.DateTimeField(_("effective from"))
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("pricing parameters")
        verbose_name_plural = _("pricing parameters")
        ordering = ["-effective_from", "-id"]
        constraints: ClassVar[list[Any]] = [
            models.CheckConstraint(
                condition=Q(s__gt=0, eta__gte=0, lam__gte=0, lam__lt=1, delta__gt=0),
                name="parameters_model_ranges",
            ),
            models.CheckConstraint(
                condition=Q(m_min__gt=0, m_min__lte=1, m_max__gte=1),
                name="parameters_band_contains_base",
            ),
            models.CheckConstraint(
                condition=Q(tick_seconds__gte=1, quote_validity_seconds__gte=1),
                name="parameters_periods_positive",
            ),
        ]
        triggers: ClassVar[list[Any]] = [
            pgtrigger.Protect(
                name="parameters_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            ),
        ]

    def __str__(self) -> str:
        return f"v{self.pk} from {self.effective_from:%Y-%m-%d %H:%M}"


class Tick(models.Model):
    """One window [window_start, window_end) priced once; with its lines, the explanation."""

    window_start = models.DateTimeField(unique=True)
    window_end = models.DateTimeField(unique=True)
    previous = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="next"
    )
    parameters = models.ForeignKey(ParameterSet, on_delete=models.PROTECT, related_name="ticks")
    applied_at = models.DateTimeField(default=timezone.now)
    rewards_count = models.PositiveIntegerField(default=0)
    demand_total = models.PositiveIntegerField(default=0)
    demand_mean = models.FloatField(default=0.0)

    class Meta:
        verbose_name = _("pricing tick")
        verbose_name_plural = _("pricing ticks")
        ordering = ["-window_start"]
        constraints: ClassVar[list[Any]] = [
            models.CheckConstraint(
                condition=Q(window_end__gt=models.F("window_start")), name="tick_window_forward"
            ),
            # The chain has one beginning: only one tick may have no predecessor (NULL counts as
            # 0 here; an expression index, which PostgreSQL and SQLite both enforce).
            models.UniqueConstraint(Coalesce("previous", Value(0)), name="tick_one_genesis"),
        ]
        triggers: ClassVar[list[Any]] = [
            pgtrigger.Protect(
                name="tick_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            ),
        ]

    def __str__(self) -> str:
        return f"{self.window_start:%Y-%m-%d %H:%M}–{self.window_end:%Y-%m-%d %H:%M}"


class TickLine(models.Model):
    """Inputs and outputs of one reward in one tick: x, z, Δ, ℓ before and after, the price."""

    # No single-column indexes: the unique (tick, reward) and the (reward, tick) index serve both
    # foreign keys, and a tick writes one line per reward of the catalogue.
    tick = models.ForeignKey(Tick, on_delete=models.PROTECT, related_name="lines", db_index=False)
    reward = models.ForeignKey(
        "rewards.Reward", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    demand = models.PositiveIntegerField(help_text=_("x: distinct people with settled demand."))
    z = models.FloatField()
    step = models.FloatField(help_text=_("Δ after the step cap."))
    log_price_before = models.FloatField()
    log_price = models.FloatField()
    base_price = models.PositiveIntegerField()
    price = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("tick line")
        verbose_name_plural = _("tick lines")
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["tick", "reward"], name="tick_line_once_per_reward"),
        ]
        indexes: ClassVar[list[Any]] = [
            models.Index(fields=["reward", "tick"], name="tick_line_reward_idx"),
        ]
        triggers: ClassVar[list[Any]] = [
            pgtrigger.Protect(
                name="tick_line_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            ),
        ]

    def __str__(self) -> str:
        return f"tick {self.tick_id} reward {self.reward_id}: {self.price}"


class PriceDay(models.Model):
    """The last price a reward had on a (local) day: charts and "since yesterday" read this."""

    reward = models.ForeignKey(
        "rewards.Reward", on_delete=models.CASCADE, related_name="+", db_index=False
    )  # the unique (reward, day) serves it
    day = models.DateField()
    price = models.PositiveIntegerField()
    log_price = models.FloatField()
    base_price = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("closing price")
        verbose_name_plural = _("closing prices")
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["reward", "day"], name="price_day_once"),
        ]

    def __str__(self) -> str:
        return f"{self.reward_id} {self.day}: {self.price}"


class Sale(models.Model):
    """A multiplier on the shown price for a time window; it never touches ℓ."""

    name = models.CharField(_("name"), max_length=120)
    multiplier = models.DecimalField(_("multiplier"), max_digits=4, decimal_places=3)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    all_rewards = models.BooleanField(_("all rewards"), default=False)
    rewards = models.ManyToManyField("rewards.Reward", blank=True, related_name="sales")
    categories = models.JSONField(_("categories"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    reward_ids: frozenset[int]
    """The rewards the sale names, set on the sales `pricing.sales.sales_at` reads."""

    class Meta:
        verbose_name = _("sale")
        verbose_name_plural = _("sales")
        ordering = ["-starts_at", "-id"]
        constraints: ClassVar[list[Any]] = [
            models.CheckConstraint(
                condition=Q(multiplier__gt=0, multiplier__lt=1), name="sale_lowers_price"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="sale_window_forward"
            ),
        ]
        indexes: ClassVar[list[Any]] = [
            models.Index(fields=["starts_at", "ends_at"], name="sale_window_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ×{self.multiplier}"
