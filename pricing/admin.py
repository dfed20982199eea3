"""Admin for pricing: everything read-only. Parameters and sales change through the HR pricing
pages and the API (the services validate and version them); ticks only through the tick."""

from __future__ import annotations

from django.contrib import admin

from ledger.admin import ReadOnlyAdmin

from .models import ParameterSet, Sale, Tick


@admin.register(ParameterSet)
class ParameterSetAdmin(ReadOnlyAdmin):
    list_display = [
        "id", "effective_from", "tick_seconds", "s", "eta", "lam", "delta", "m_min", "m_max",
        "quote_validity_seconds", "created_by", "note",
    ]  # fmt: skip


@admin.register(Tick)
class TickAdmin(ReadOnlyAdmin):
    list_display = ["id", "window_start", "window_end", "parameters", "rewards_count",
                    "demand_total", "demand_mean", "applied_at"]  # fmt: skip
    date_hierarchy = "window_start"  # each tick's lines: the HR pricing page, paginated


@admin.register(Sale)
class SaleAdmin(ReadOnlyAdmin):
    list_display = ["name", "multiplier", "starts_at", "ends_at", "all_rewards", "cancelled_at"]
