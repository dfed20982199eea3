"""HR's Teams and Slack channels over the API (`/api/v1/chat-channels/`): the same services as
the page. The webhook URL is write-only: answers show it masked."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import IdField, IsHR
from core.errors import InvalidInputError
from people.models import Team, User

from . import chat_services as services
from .models import ChatChannel, ChatKind, ChatLanguage


class ChatChannelSerializer(serializers.ModelSerializer):
    team = serializers.IntegerField(source="team_id", read_only=True)
    team_name = serializers.CharField(source="team.name", read_only=True)
    webhook = serializers.CharField(
        source="webhook_url_masked", read_only=True, help_text="The webhook URL, masked."
    )
    failing = serializers.BooleanField(source="is_failing", read_only=True)

    class Meta:
        model = ChatChannel
        fields = [
            "id", "team", "team_name", "kind", "name", "webhook", "language", "post_awards",
            "post_drawings", "post_movers", "active", "created_at", "last_success_at",
            "failing", "failing_since", "consecutive_failures", "last_error", "last_error_at",
        ]  # fmt: skip
        read_only_fields = fields


class ChatChannelWriteSerializer(serializers.Serializer):
    team = IdField()
    kind = serializers.ChoiceField(choices=ChatKind.choices)
    name = serializers.CharField(max_length=100)
    webhook_url = serializers.CharField(
        max_length=1000, write_only=True, help_text="https://…; never shown again."
    )
    language = serializers.ChoiceField(choices=ChatLanguage.choices, default=ChatLanguage.FI)
    post_awards = serializers.BooleanField(default=True)
    post_drawings = serializers.BooleanField(default=True)
    post_movers = serializers.BooleanField(default=True)
    active = serializers.BooleanField(default=True)


class ChatDeliverySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    event_key = serializers.CharField()
    status = serializers.CharField()


def _actor(request: Request) -> User:
    assert isinstance(request.user, User)
    return request.user


def _team(team_id: int) -> Team:
    team = Team.objects.filter(pk=team_id).first()
    if team is None:
        raise InvalidInputError(fields={"team": ["No such team."]})
    return team


class ChatChannelViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[ChatChannel]
):
    """HR's Teams and Slack channels: list, add, change, disconnect, send a test post."""

    lookup_value_regex = r"\d+"
    serializer_class = ChatChannelSerializer
    permission_classes = [IsHR]
    queryset = ChatChannel.objects.select_related("team")

    @extend_schema(request=ChatChannelWriteSerializer, responses={201: ChatChannelSerializer})
    def create(self, request: Request) -> Response:
        data = ChatChannelWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values: dict[str, Any] = dict(data.validated_data)
        values["team"] = _team(values["team"])
        channel = services.chat_channel_create(actor=_actor(request), **values)
        return Response(ChatChannelSerializer(channel).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ChatChannelWriteSerializer, responses=ChatChannelSerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        channel = self.get_object()
        data = ChatChannelWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values: dict[str, Any] = dict(data.validated_data)
        if "team" in values:
            values["team"] = _team(values["team"])
        channel = services.chat_channel_update(actor=_actor(request), channel=channel, **values)
        return Response(ChatChannelSerializer(channel).data)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: str | None = None) -> Response:
        services.chat_channel_delete(actor=_actor(request), channel=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={202: ChatDeliverySerializer})
    @action(detail=True, methods=["post"])
    def test(self, request: Request, pk: str | None = None) -> Response:
        """Queue a test post to this channel; its delivery shows how it went."""
        delivery = services.chat_channel_test(actor=_actor(request), channel=self.get_object())
        return Response(
            {"id": delivery.pk, "event_key": delivery.event_key, "status": delivery.status},
            status=status.HTTP_202_ACCEPTED,
        )
