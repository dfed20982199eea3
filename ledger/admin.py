"""Admin for the ledger: the ledger itself is read-only here; HR edits policies and criteria."""

from typing import Any

from django.contrib import admin
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from people.models import User

from . import services
from .models import (
    Account,
    Award,
    AwardReason,
    BudgetPeriod,
    BudgetPolicy,
    Entry,
    Hold,
    HoldState,
    Transaction,
)

SEALED = _("sealed")


def _viewer_owns(request: HttpRequest, owner_field: str) -> ExpressionWrapper:
    return ExpressionWrapper(
        Q(**{owner_field: getattr(request.user, "pk", None)}), output_field=BooleanField()
    )


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class EntryInline(admin.TabularInline):
    model = Entry
    fields = ["account", "amount"]
    readonly_fields = ["account", "amount"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Transaction)
class TransactionAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "kind", "memo", "actor", "reverses"]
    list_filter = ["kind"]
    search_fields = ["memo", "idempotency_key"]
    date_hierarchy = "created_at"
    inlines = [EntryInline]
    list_select_related = ["actor", "reverses"]


# Held points are bids in open drawings: sealed until the close for everyone but the bidder,
# HR and superusers included. A hold shows its amount and memo (which drawing) to others only
# once posted (the drawing closed and it won); the closed drawing's bids show on the Bid page.
# Not sortable or searchable by them either: the order would tell what the column hides.


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "owner", "balance", "sealed_held"]
    list_filter = ["kind"]
    search_fields = ["owner__username", "owner__display_name"]
    list_select_related = ["owner"]
    fields = readonly_fields = ("kind", "owner", "balance", "sealed_held", "created_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Account]:
        return super().get_queryset(request).annotate(viewer_owns=_viewer_owns(request, "owner"))

    @admin.display(description=_("held"))
    def sealed_held(self, obj: Account) -> Any:
        if getattr(obj, "viewer_owns", False) or not obj.held:
            return obj.held
        return SEALED


@admin.register(Hold)
class HoldAdmin(ReadOnlyAdmin):
    list_display = [
        "id", "created_at", "account", "sealed_amount", "state", "posted_amount", "sealed_memo",
    ]  # fmt: skip
    list_filter = ["state"]
    search_fields = ["account__owner__username"]
    list_select_related = ["account__owner"]
    fields = readonly_fields = (
        "account", "sealed_amount", "state", "posted_amount", "posting", "sealed_memo",
        "created_at", "closed_at",
    )  # fmt: skip

    def get_queryset(self, request: HttpRequest) -> QuerySet[Hold]:
        return (
            super()
            .get_queryset(request)
            .annotate(viewer_owns=_viewer_owns(request, "account__owner"))
        )

    @staticmethod
    def _sealed(obj: Hold) -> bool:
        return obj.state != HoldState.POSTED and not getattr(obj, "viewer_owns", False)

    @admin.display(description=_("amount"))
    def sealed_amount(self, obj: Hold) -> Any:
        return SEALED if self._sealed(obj) else obj.amount

    @admin.display(description=_("memo"))
    def sealed_memo(self, obj: Hold) -> Any:
        return SEALED if self._sealed(obj) else obj.memo


@admin.register(Award)
class AwardAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "giver", "recipient", "reason", "points", "message"]
    list_filter = ["reason"]
    search_fields = ["giver__display_name", "recipient__display_name", "message"]
    date_hierarchy = "created_at"
    list_select_related = ["giver", "recipient", "reason"]


@admin.register(AwardReason)
class AwardReasonAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name_fi",
        "name_en",
        "suggested_min",
        "suggested_max",
        "active",
        "position",
    ]
    list_editable = ["active", "position"]
    list_filter = ["active"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # past awards point at it; unpublish instead


@admin.register(BudgetPolicy)
class BudgetPolicyAdmin(admin.ModelAdmin):
    list_display = ["supervisor", "amount", "mode", "rollover", "active", "updated_at"]
    list_filter = ["mode", "rollover", "active"]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "supervisor":
            from people.models import Role, User

            kwargs["queryset"] = User.objects.filter(role=Role.SUPERVISOR, is_active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # switch a policy off instead: every change goes through the audited service

    def save_model(self, request: HttpRequest, obj: BudgetPolicy, form: Any, change: bool) -> None:
        assert isinstance(request.user, User)
        policy = services.budget_policy_set(
            supervisor=obj.supervisor,
            amount=obj.amount,
            mode=obj.mode,
            rollover=obj.rollover,
            active=obj.active,
            actor=request.user,
        )
        obj.pk = policy.pk  # the admin links to the saved object


@admin.register(BudgetPeriod)
class BudgetPeriodAdmin(ReadOnlyAdmin):
    list_display = ["supervisor", "period_start", "granted", "lapsed", "opened_at"]
    list_filter = ["period_start"]
