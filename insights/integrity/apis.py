"""Integrity flags API (HR only): read the flags with their evidence, and review one."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import IdField, IsHR
from core.errors import InvalidInputError
from people.models import User

from ..models import IntegrityFlag, IntegrityKind, IntegrityStatus
from .selectors import integrity_flag_awards, integrity_flag_list
from .services import MAX_NOTE, integrity_flag_dismiss, integrity_flag_reverse
from .text import flag_reason


class IntegrityPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    username = serializers.CharField()
    name = serializers.CharField()


class IntegrityEvidenceSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    transaction = serializers.IntegerField(source="transaction_id")
    giver = serializers.IntegerField(source="giver_id")
    recipient = serializers.IntegerField(source="recipient_id")
    points = serializers.IntegerField()
    message = serializers.CharField()
    created_at = serializers.DateTimeField()
    reversed = serializers.SerializerMethodField()

    def get_reversed(self, award: Any) -> bool:
        return hasattr(award.transaction, "reversed_by")


class IntegrityFlagSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    kind = serializers.ChoiceField(choices=IntegrityKind.choices)
    status = serializers.ChoiceField(choices=IntegrityStatus.choices)
    score = serializers.FloatField()
    reason = serializers.SerializerMethodField(help_text="In the reader's language.")
    people = IntegrityPersonSerializer(many=True, source="people.all")
    params = serializers.DictField(help_text="The figures behind the reason.")
    detected_at = serializers.DateTimeField()
    refreshed_at = serializers.DateTimeField()
    window_start = serializers.DateTimeField(allow_null=True)
    window_end = serializers.DateTimeField(allow_null=True)
    reviewer = serializers.IntegerField(source="reviewer_id", allow_null=True)
    review_note = serializers.CharField()
    reviewed_at = serializers.DateTimeField(allow_null=True)

    def get_reason(self, flag: IntegrityFlag) -> str:
        return flag_reason(flag)


class IntegrityFlagDetailSerializer(IntegrityFlagSerializer):
    evidence = serializers.SerializerMethodField()

    @extend_schema_field(IntegrityEvidenceSerializer(many=True))
    def get_evidence(self, flag: IntegrityFlag) -> list[dict[str, Any]]:
        return list(IntegrityEvidenceSerializer(integrity_flag_awards(flag=flag), many=True).data)


class IntegrityDismissSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=MAX_NOTE, help_text="Why this is fine (required).")


class IntegrityReverseSerializer(serializers.Serializer):
    award_ids = serializers.ListField(child=IdField(), min_length=1, max_length=500)
    note = serializers.CharField(max_length=MAX_NOTE, help_text="Why the awards are reversed.")


class IntegrityFlagViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Award integrity signals for HR (found nightly and after every history import)."""

    lookup_value_regex = r"\d+"
    permission_classes = [IsHR]
    serializer_class = IntegrityFlagSerializer

    def get_queryset(self) -> QuerySet[IntegrityFlag]:
        status = self.request.query_params.get("status") if self.action == "list" else None
        if status and status not in IntegrityStatus.values:
            raise InvalidInputError(fields={"status": ["Must be open, dismissed or reversed."]})
        return integrity_flag_list(status=status or None)

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return IntegrityFlagSerializer if self.action == "list" else IntegrityFlagDetailSerializer

    @extend_schema(
        parameters=[OpenApiParameter("status", str, enum=IntegrityStatus.values)],
        summary="Integrity flags, highest score first (every status unless ?status=)",
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=IntegrityDismissSerializer,
        responses={
            200: IntegrityFlagDetailSerializer,
            409: OpenApiResponse(description="`flag_already_reviewed`"),
        },
        summary="Dismiss a flag with a note (audited)",
    )
    @action(detail=True, methods=["post"])
    def dismiss(self, request: Request, pk: str | None = None) -> Response:
        flag = self.get_object()
        data = IntegrityDismissSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assert isinstance(request.user, User)
        flag = integrity_flag_dismiss(
            flag_id=flag.pk, actor=request.user, note=data.validated_data["note"]
        )
        return Response(IntegrityFlagDetailSerializer(flag).data)

    @extend_schema(
        request=IntegrityReverseSerializer,
        responses={
            200: IntegrityFlagDetailSerializer,
            409: OpenApiResponse(
                description="`flag_already_reviewed`, or the ledger's refusal: "
                "`already_reversed`, `insufficient_points` (the points were spent)"
            ),
        },
        summary="Reverse chosen evidence awards through the ledger and close the flag (audited)",
    )
    @action(detail=True, methods=["post"])
    def reverse(self, request: Request, pk: str | None = None) -> Response:
        flag = self.get_object()
        data = IntegrityReverseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assert isinstance(request.user, User)
        flag = integrity_flag_reverse(
            flag_id=flag.pk,
            actor=request.user,
            award_ids=data.validated_data["award_ids"],
            note=data.validated_data["note"],
        )
        return Response(IntegrityFlagDetailSerializer(flag).data)
