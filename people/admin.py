from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from . import services
from .models import Role, Team, User


def _actor(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "leader_names", "member_count"]
    search_fields = ["name"]
    filter_horizontal = ["leaders"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Team]:
        return super().get_queryset(request).prefetch_related("leaders", "members")

    # The admin saves the team, then its supervisors (save_related), in one transaction; the
    # audit event is written after both, comparing with the team as it was.
    def save_model(self, request: HttpRequest, obj: Team, form: Any, change: bool) -> None:
        before = services.team_audit_snapshot(Team.objects.get(pk=obj.pk)) if change else None
        request._audit_team_before = before  # type: ignore[attr-defined]
        super().save_model(request, obj, form, change)

    def delete_model(self, request: HttpRequest, obj: Team) -> None:
        services.team_delete_audited(team=obj, actor=_actor(request))

    @transaction.atomic
    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Team]) -> None:
        for team in queryset.order_by("pk"):
            services.team_delete_audited(team=team, actor=_actor(request))

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        services.team_changes_audit(
            actor=_actor(request),
            team=form.instance,
            before=getattr(request, "_audit_team_before", None),
        )

    @admin.display(description=_("supervisors"))
    def leader_names(self, obj: Team) -> str:
        return ", ".join(str(p) for p in obj.leaders.all())

    @admin.display(description=_("members"))
    def member_count(self, obj: Team) -> int:
        return sum(1 for m in obj.members.all() if m.is_active)


@admin.register(User)
class PersonAdmin(UserAdmin):
    list_display = ["username", "display_name", "role", "team", "employment_type", "is_active"]
    list_filter = ["role", "employment_type", "team", "is_active", "preferred_language"]
    search_fields = ["username", "display_name", "email"]
    ordering = ["display_name", "username"]
    actions = ["deactivate"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (
            _("Work"),
            {
                "fields": (
                    "display_name",
                    "email",
                    "role",
                    "team",
                    "employment_type",
                    "preferred_language",
                )
            },
        ),
        (_("Access"), {"fields": ("is_active", "is_staff", "is_superuser")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "display_name",
                    "role",
                    "team",
                    "employment_type",
                    "preferred_language",
                    "password1",
                    "password2",
                ),
            },
        ),
    )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # people who leave are deactivated; their ledger stays

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        if obj.role == Role.HR:
            obj.is_staff = True  # HR works in the admin
        # The admin's change view runs in a transaction: the audit event commits with the save.
        before = (
            services.person_audit_snapshot(User.objects.select_related("team").get(pk=obj.pk))
            if change
            else None
        )
        super().save_model(request, obj, form, change)
        if before is None:
            services.person_created_audit(actor=_actor(request), person=obj)
        else:
            services.person_changes_audit(actor=_actor(request), person=obj, before=before)

    @admin.action(description=_("Deactivate (has left; ledger is kept)"))
    def deactivate(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for person in queryset:
            services.person_deactivate(person=person, actor=_actor(request))
        self.message_user(request, _("Deactivated %d people.") % queryset.count(), messages.SUCCESS)
