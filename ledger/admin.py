"""Admin for the ledger: the ledger itself is read-only here; HR edits policies and criteria."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

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
    Transaction,
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


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "owner", "balance", "held"]
    list_filter = ["kind"]
    search_fields = ["owner__username", "owner__display_name"]
    list_select_related = ["owner"]


@admin.register(Hold)
class HoldAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "account", "amount", "state", "posted_amount", "memo"]
    list_filter = ["state"]
    search_fields = ["memo", "account__owner__username"]
    list_select_related = ["account__owner"]


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
