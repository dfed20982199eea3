"""Admin for the market: HR runs the catalogue here; redemptions are read-only (their states
change only through the services, which move the points)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ledger.admin import ReadOnlyAdmin

from . import services
from .models import Bid, Drawing, Quote, Redemption, Reward, Wish

_REWARD_FIELDS = [
    "name_fi", "name_en", "description_fi", "description_en", "category", "icon",
    "base_price", "stock", "needs_approval", "active",
]  # fmt: skip


@admin.register(Reward)
class RewardAdmin(admin.ModelAdmin):
    list_display = [
        "name_fi", "name_en", "category", "base_price", "current_price", "stock",
        "needs_approval", "active",
    ]  # fmt: skip
    list_filter = ["active", "category", "needs_approval"]
    search_fields = ["name_fi", "name_en", "description_fi", "description_en"]
    fields = [*_REWARD_FIELDS, "current_price", "created_at"]
    readonly_fields = ["current_price", "created_at"]
    actions = ["activate", "deactivate"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # redemptions point at it; deactivate instead

    def save_model(self, request: HttpRequest, obj: Reward, form: Any, change: bool) -> None:
        values = {name: getattr(obj, name) for name in _REWARD_FIELDS}
        if change:
            changed = {name: values[name] for name in form.changed_data if name in values}
            if changed:
                services.reward_update(reward=obj, **changed)
            obj.refresh_from_db()
        else:
            created = services.reward_create(**values)
            obj.pk = created.pk
            obj.refresh_from_db()

    @admin.action(description=_("Activate selected rewards"))
    def activate(self, request: HttpRequest, queryset: QuerySet[Reward]) -> None:
        count = 0
        for reward in queryset.filter(active=False).order_by("pk"):
            services.reward_activate(reward=reward)
            count += 1
        self.message_user(
            request,
            ngettext("%d reward activated.", "%d rewards activated.", count) % count,
            messages.SUCCESS,
        )

    @admin.action(description=_("Deactivate selected rewards"))
    def deactivate(self, request: HttpRequest, queryset: QuerySet[Reward]) -> None:
        count = 0
        for reward in queryset.filter(active=True).order_by("pk"):
            services.reward_deactivate(reward=reward)
            count += 1
        self.message_user(
            request,
            ngettext("%d reward deactivated.", "%d rewards deactivated.", count) % count,
            messages.SUCCESS,
        )


@admin.register(Redemption)
class RedemptionAdmin(ReadOnlyAdmin):
    list_display = [
        "id", "created_at", "employee", "reward", "price_paid", "state", "decided_by",
        "updated_at",
    ]  # fmt: skip
    list_filter = ["state", "reward__category"]
    search_fields = ["employee__username", "employee__display_name", "reward__name_fi"]
    date_hierarchy = "created_at"
    list_select_related = ["employee", "reward", "decided_by"]


@admin.register(Quote)
class QuoteAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "employee", "reward", "price", "expires_at", "used_at"]
    list_filter = ["reward__category"]
    search_fields = ["employee__username", "employee__display_name", "reward__name_fi"]
    list_select_related = ["employee", "reward"]


@admin.register(Wish)
class WishAdmin(ReadOnlyAdmin):
    list_display = ["employee", "position", "reward", "target_price", "created_at"]
    search_fields = ["employee__username", "employee__display_name", "reward__name_fi"]
    list_select_related = ["employee", "reward"]


@admin.register(Drawing)
class DrawingAdmin(ReadOnlyAdmin):
    """Drawings are created on HR's drawings page (or the API); here they are only read."""

    list_display = [
        "id", "reward", "rule", "state", "opens_at", "closes_at", "reserve", "k", "bidders",
        "clearing_price",
    ]  # fmt: skip
    list_filter = ["rule", "state"]
    exclude = ["seed"]  # secret until the close; the drawing page shows it after
    list_select_related = ["reward"]


@admin.register(Bid)
class BidAdmin(ReadOnlyAdmin):
    """Bids stay sealed until the close, for HR too: the amount shows once the drawing closed."""

    list_display = ["id", "drawing", "employee", "sealed_amount", "withdrawn", "result"]
    list_filter = ["result", "withdrawn"]
    # Not the model's ordering (highest bid first): the order of the rows would rank the bids.
    ordering = ["-id"]
    fields = ["drawing", "employee", "sealed_amount", "withdrawn", "result", "redemption"]
    list_select_related = ["drawing__reward", "employee"]

    @admin.display(description=_("amount"))
    def sealed_amount(self, obj: Bid) -> str:
        return str(obj.amount) if obj.drawing.state == "closed" else "—"
