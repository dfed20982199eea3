"""Thanks API: colleagues' thanks (everyone reads and writes them), reactions, and turning a
thanks into an award (supervisors of the thanked person). The same services as the pages."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import IdField, PointsField, idempotency_key_from
from people.apis import PersonRefSerializer, TeamRefSerializer
from people.models import User

from . import selectors, services
from .apis import IDEMPOTENCY_HEADER, AwardSerializer
from .errors import NotASupervisorError, UnknownPersonError, UnknownReasonError
from .models import AwardReason, Thanks, ThanksEmoji


class ReactionCountSerializer(serializers.Serializer):
    emoji = serializers.ChoiceField(choices=ThanksEmoji.choices)
    count = serializers.IntegerField()
    mine = serializers.BooleanField(help_text="Whether you gave this reaction.")


class ThanksAwardRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    points = serializers.IntegerField()
    giver = PersonRefSerializer()


class ThanksSerializer(serializers.ModelSerializer):
    giver = PersonRefSerializer(read_only=True)
    recipient = PersonRefSerializer(read_only=True)
    team = serializers.SerializerMethodField()
    reason = serializers.SerializerMethodField()
    award = serializers.SerializerMethodField(help_text="The award it became, if it did.")
    reactions = serializers.SerializerMethodField()

    class Meta:
        model = Thanks
        fields = [
            "id", "giver", "recipient", "team", "reason", "message", "created_at", "award",
            "reactions",
        ]  # fmt: skip

    def get_team(self, obj: Thanks) -> dict[str, Any] | None:
        team = obj.recipient.team
        return TeamRefSerializer(team).data if team else None

    def get_reason(self, obj: Thanks) -> dict[str, Any]:
        return {"code": obj.reason.code, "name": obj.reason.name}

    @extend_schema_field(ThanksAwardRefSerializer(allow_null=True))
    def get_award(self, obj: Thanks) -> dict[str, Any] | None:
        award = getattr(obj, "award", None)
        if award is None:
            return None
        return {
            "id": award.pk,
            "points": award.points,
            "giver": PersonRefSerializer(award.giver).data,
        }

    @extend_schema_field(ReactionCountSerializer(many=True))
    def get_reactions(self, obj: Thanks) -> list[dict[str, Any]]:
        counts = self.context.get("reactions", {}).get(obj.pk, [])
        return [{"emoji": c.emoji, "count": c.count, "mine": c.mine} for c in counts]


class ThanksCreateSerializer(serializers.Serializer):
    recipient = IdField(help_text="Id of the colleague you thank.")
    reason = serializers.SlugField(max_length=50, help_text="Code of a published award reason.")
    message = serializers.CharField(
        max_length=Thanks.MESSAGE_MAX, help_text="A few words, at most 280 characters."
    )


class ThanksReactSerializer(serializers.Serializer):
    emoji = serializers.ChoiceField(choices=ThanksEmoji.choices)
    on = serializers.BooleanField(
        default=True, help_text="true adds your reaction, false takes it back; both idempotent."
    )


class ThanksAwardSerializer(serializers.Serializer):
    points = PointsField(
        required=False, help_text="Default: the middle of the reason's suggested range."
    )
    message = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        help_text="Default: the thanks quoted, with who said it.",
    )


class ThanksViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Colleagues' thanks: everyone reads every thanks and may thank anyone but themself."""

    lookup_value_regex = r"\d+"
    serializer_class = ThanksSerializer

    def get_queryset(self) -> QuerySet[Thanks]:
        return selectors.thanks_feed()

    def _me(self) -> User:
        user = self.request.user
        assert isinstance(user, User)
        return user

    def _data(self, items: list[Thanks]) -> Any:
        reactions = selectors.thanks_reactions(thanks=items, user=self._me())
        return ThanksSerializer(items, many=True, context={"reactions": reactions}).data

    def _one(self, item: Thanks) -> Any:
        return self._data([item])[0]

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self._data(list(page or [])))

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(self._one(self.get_object()))

    @extend_schema(
        request=ThanksCreateSerializer,
        responses={201: ThanksSerializer},
        summary="Thank a colleague (no points)",
    )
    def create(self, request: Request) -> Response:
        data = ThanksCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        recipient = User.objects.filter(pk=values["recipient"]).first()
        if recipient is None:
            raise UnknownPersonError(extra={"field": "recipient"})
        reason = AwardReason.objects.filter(code=values["reason"], active=True).first()
        if reason is None:
            raise UnknownReasonError(extra={"field": "reason"})
        thanks = services.thanks_create(
            giver=self._me(), recipient=recipient, reason=reason, message=values["message"]
        )
        return Response(self._one(self.get_queryset().get(pk=thanks.pk)), status.HTTP_201_CREATED)

    @extend_schema(
        request=ThanksReactSerializer,
        responses={200: ThanksSerializer},
        summary="Add or take back your reaction",
    )
    @action(detail=True, methods=["post"])
    def react(self, request: Request, pk: str | None = None) -> Response:
        thanks = self.get_object()
        data = ThanksReactSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.thanks_react(
            thanks=thanks,
            user=self._me(),
            emoji=data.validated_data["emoji"],
            on=data.validated_data["on"],
        )
        return Response(self._one(thanks))

    @extend_schema(
        request=ThanksAwardSerializer,
        responses={201: AwardSerializer},
        parameters=[IDEMPOTENCY_HEADER],
        summary="Turn a thanks into an award (a supervisor of the thanked person)",
    )
    @action(detail=True, methods=["post"])
    def award(self, request: Request, pk: str | None = None) -> Response:
        thanks = self.get_object()
        data = ThanksAwardSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        giver = self._me()
        key = idempotency_key_from(request)

        def call() -> tuple[int, Any]:
            award = services.thanks_award(
                thanks=thanks,
                giver=giver,
                points=values.get("points"),
                message=values.get("message"),
                idempotency_key=f"thanks:{key}" if key else None,
            )
            return status.HTTP_201_CREATED, AwardSerializer(award).data

        code, body, _replayed = services.idempotent_call(
            user=giver,
            key=key,
            scope="thanks.award",
            payload={"thanks": thanks.pk, **values},
            call=call,
        )
        return Response(body, status=code)

    @extend_schema(
        responses={200: ThanksSerializer(many=True)},
        summary="Thanks your team members received since your last award to each (supervisors)",
    )
    @action(detail=False, methods=["get"], url_path="for-my-team")
    def for_my_team(self, request: Request) -> Response:
        me = self._me()
        if not me.is_supervisor:
            raise NotASupervisorError()
        page = self.paginate_queryset(selectors.thanks_for_team(supervisor=me))
        return self.get_paginated_response(self._data(list(page or [])))
