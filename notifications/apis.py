"""Notifications API: your own notifications, and marking them read."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import IdField, Pagination
from people.models import User

from . import selectors, services
from .models import Notification


def _user(request: Request) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


class NotificationSerializer(serializers.ModelSerializer):
    title = serializers.CharField(read_only=True, help_text="In the language of the request.")
    detail = serializers.CharField(read_only=True)
    read = serializers.BooleanField(source="is_read", read_only=True)

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "title",
            "detail",
            "params",
            "link",
            "created_at",
            "read_at",
            "read",
        ]


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=IdField(),
        required=False,
        max_length=1000,
        help_text="Which of your notifications to mark read; leave out to mark them all.",
    )


class NotificationPagination(Pagination):
    """The usual page, plus how many of your notifications are unread (the bell's number)."""

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        response = super().get_paginated_response_schema(schema)
        response["properties"]["unread"] = {"type": "integer", "example": 2}
        response["required"] = [*response.get("required", []), "unread"]
        return response


class NotificationListApi(ListAPIView):
    """Your own notifications, newest first, with the unread count."""

    serializer_class = NotificationSerializer
    pagination_class = NotificationPagination

    def get_queryset(self) -> Any:
        return selectors.notifications_of(user=_user(self.request))

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        response.data["unread"] = selectors.unread_count(user=_user(request))
        return response


class NotificationReadApi(APIView):
    """Mark your notifications read: all of them, or those listed in `ids`."""

    @extend_schema(
        request=MarkReadSerializer,
        responses=inline_serializer(
            "NotificationsMarked",
            {"marked": serializers.IntegerField(), "unread": serializers.IntegerField()},
        ),
    )
    def post(self, request: Request) -> Response:
        data = MarkReadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = _user(request)
        marked = services.notifications_mark_read(user=user, ids=data.validated_data.get("ids"))
        return Response({"marked": marked, "unread": selectors.unread_count(user=user)})
