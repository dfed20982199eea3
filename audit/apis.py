"""The audit log over the API: HR reads it; nobody writes it (every write method is a 405)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from core.api import IdField, IsHR, Pagination

from .describers import audit_describe
from .models import AuditAction, AuditEvent
from .selectors import SYSTEM, actor_name, audit_events


class AuditActorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.SerializerMethodField()

    def get_name(self, obj: Any) -> str:
        return actor_name(obj)


class AuditEventSerializer(serializers.ModelSerializer):
    actor = AuditActorSerializer(allow_null=True, help_text="null: the system did it.")
    action_label = serializers.CharField(source="get_action_display")
    description = serializers.SerializerMethodField()
    details = serializers.JSONField()

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "at",
            "actor",
            "action",
            "action_label",
            "subject_type",
            "subject_id",
            "subject_label",
            "description",
            "details",
            "ip",
        ]
        read_only_fields = fields

    def get_description(self, obj: AuditEvent) -> str:
        return audit_describe(obj)


class AuditFilterSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=AuditAction.choices, required=False)
    actor = serializers.CharField(required=False, help_text='A person\'s id, or "system".')
    since = serializers.DateField(required=False)
    until = serializers.DateField(required=False)

    def validate_actor(self, value: str) -> str:
        if value != SYSTEM:
            IdField().run_validation(int(value) if value.isdigit() else value)
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        since, until = attrs.get("since"), attrs.get("until")
        if since and until and until < since:
            raise serializers.ValidationError({"until": _("The end cannot be before the start.")})
        return attrs


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("action", str, enum=AuditAction.values),
            OpenApiParameter("actor", str, description='A person\'s id, or "system".'),
            OpenApiParameter("since", OpenApiTypes.DATE, description="From this day on"),
            OpenApiParameter("until", OpenApiTypes.DATE, description="Up to this day, inclusive"),
        ]
    )
)
class AuditEventViewSet(viewsets.ReadOnlyModelViewSet):
    """Sensitive actions, newest first (HR only). The log is append-only: no write methods."""

    lookup_value_regex = r"\d+"
    permission_classes = [IsHR]
    serializer_class = AuditEventSerializer
    pagination_class = Pagination

    def get_queryset(self) -> QuerySet[AuditEvent]:
        if self.action != "list":
            return AuditEvent.objects.select_related("actor")
        query = AuditFilterSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return audit_events(**query.validated_data)
