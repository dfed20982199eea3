"""Drawings API: HR creates and watches drawings; everyone bids or enters, withdraws, and reads
the results. Bids stay sealed: while a drawing is open only their number is public."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import IdField, IsHR, PointsField
from core.errors import InvalidInputError
from people.models import User

from ..errors import UnknownRewardError
from ..models import Bid, Drawing, DrawingRule, DrawingState, Reward
from . import selectors
from . import services as drawings
from .clearing import VERIFY_SNIPPET, lottery_ticket


def _user(request: Request) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


class MyBidSerializer(serializers.ModelSerializer):
    held = serializers.SerializerMethodField(help_text="Points held for this bid now.")
    redemption = serializers.IntegerField(source="redemption_id", read_only=True, allow_null=True)

    class Meta:
        model = Bid
        fields = [
            "id", "amount", "held", "placed_at", "updated_at", "withdrawn", "result",
            "redemption",
        ]  # fmt: skip

    def get_held(self, obj: Bid) -> int:
        hold = obj.hold
        return int(hold.amount) if hold is not None and hold.state == "pending" else 0


class DrawingSerializer(serializers.ModelSerializer):
    reward = serializers.SerializerMethodField()
    items = serializers.IntegerField(source="k", read_only=True, allow_null=True)
    bidders = serializers.SerializerMethodField(
        help_text="People with a live bid or entry (amounts stay sealed until the close)."
    )
    seed = serializers.SerializerMethodField(help_text="The lottery seed; revealed at the close.")
    my_bid = serializers.SerializerMethodField()

    class Meta:
        model = Drawing
        fields = [
            "id", "reward", "rule", "state", "opens_at", "closes_at", "floor", "reserve",
            "items", "bidders", "winners", "clearing_price", "seed_hash", "seed", "opened_at",
            "closed_at", "my_bid",
        ]  # fmt: skip

    def get_reward(self, obj: Drawing) -> dict[str, Any]:
        return {"id": obj.reward_id, "name": obj.reward.name, "stock": obj.reward.stock}

    def get_bidders(self, obj: Drawing) -> int:
        return selectors.drawing_live_bidders(drawing=obj)

    def get_seed(self, obj: Drawing) -> str | None:
        if obj.rule == DrawingRule.LOTTERY and obj.state == DrawingState.CLOSED:
            return obj.seed
        return None

    def get_my_bid(self, obj: Drawing) -> dict[str, Any] | None:
        user = self.context.get("user")
        if user is None:
            return None
        bid = selectors.bid_of(drawing=obj, user=user)
        return MyBidSerializer(bid).data if bid is not None else None


class DrawingCreateSerializer(serializers.Serializer):
    reward = IdField(help_text="A reward with limited stock; its stock goes to the drawing.")
    rule = serializers.ChoiceField(choices=DrawingRule.choices)
    opens_at = serializers.DateTimeField(required=False, help_text="Default: now.")
    closes_at = serializers.DateTimeField()
    floor = PointsField(
        required=False,
        allow_null=True,
        default=None,
        max_value=drawings.MAX_BID,
        help_text="Lowest reserve; the reserve is the market price at the opening if higher.",
    )


class BidSerializer(serializers.Serializer):
    amount = PointsField(
        required=False,
        max_value=drawings.MAX_BID,
        help_text="Auction: your bid (at least the reserve). Lottery: omit (an entry costs the "
        "reserve).",
    )


class EntryResultSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The bid's or entry's id (the lottery draws by it).")
    amount = serializers.IntegerField()
    won = serializers.BooleanField()
    ticket = serializers.CharField(
        allow_null=True, help_text="Lottery: sha256 of 'seed:id' (lowest k win)."
    )
    mine = serializers.BooleanField()


class DrawingResultsSerializer(serializers.Serializer):
    drawing = DrawingSerializer()
    entries = EntryResultSerializer(many=True)
    verify = serializers.CharField(allow_null=True, help_text="Lottery: Python to check the draw.")


def _bid_response(drawing: Drawing, user: User, bid: Bid, code: int) -> Response:
    drawing.refresh_from_db()
    body = DrawingSerializer(drawing, context={"user": user}).data
    return Response(body, status=code)


class DrawingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Drawings of scarce rewards: a sealed-bid auction (k highest bids win, all pay the highest
    losing bid, or the reserve) or a lottery (k entries drawn from a seed published by its hash)."""

    lookup_value_regex = r"\d+"
    serializer_class = DrawingSerializer
    permission_classes = [IsAuthenticated]

    def get_permissions(self) -> list[Any]:
        if self.action in ("create", "close"):
            return [IsHR()]
        return list(super().get_permissions())

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "user": _user(self.request)}

    def get_queryset(self) -> QuerySet[Drawing]:
        qs = selectors.drawings_for(user=_user(self.request))
        state = self.request.query_params.get("state")
        if self.action == "list" and state:
            if state not in DrawingState.values:
                raise InvalidInputError(
                    fields={"state": [f"One of: {', '.join(DrawingState.values)}."]}
                )
            qs = qs.filter(state=state)
        return qs.order_by("-closes_at", "-id")

    def get_object(self) -> Drawing:
        from ..errors import UnknownDrawingError

        drawing = self.get_queryset().filter(pk=int(self.kwargs["pk"])).first()
        if drawing is None:
            raise UnknownDrawingError()
        return drawing

    @extend_schema(parameters=[OpenApiParameter("state", str, enum=DrawingState.values)])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=DrawingCreateSerializer, responses={201: DrawingSerializer})
    def create(self, request: Request) -> Response:
        """HR turns a limited-stock reward into a drawing (409 `reward_in_drawing` if it has one)."""
        data = DrawingCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        reward = Reward.objects.filter(pk=values["reward"]).first()
        if reward is None:
            raise UnknownRewardError(extra={"field": "reward"})
        drawing = drawings.drawing_create(
            actor=_user(request),
            reward=reward,
            rule=values["rule"],
            opens_at=values.get("opens_at") or timezone.now(),
            closes_at=values["closes_at"],
            floor=values.get("floor"),
        )
        body = DrawingSerializer(drawing, context={"user": _user(request)}).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=BidSerializer, responses={200: DrawingSerializer}, methods=["POST"])
    @extend_schema(request=None, responses={200: DrawingSerializer}, methods=["DELETE"])
    @action(detail=True, methods=["post", "delete"])
    def bid(self, request: Request, pk: str | None = None) -> Response:
        """POST: place, raise or lower your bid (auction) or enter (lottery); the points are held.
        DELETE: withdraw it; the hold is released. 409 `drawing_closed` after the close,
        `drawing_not_open` before the opening, `insufficient_points` beyond your available
        points; 404 `no_bid` withdrawing nothing."""
        return self._bid(request)

    def _bid(self, request: Request) -> Response:
        drawing = self.get_object()
        user = _user(request)
        if request.method == "DELETE":
            bid = drawings.bid_withdraw(drawing=drawing, employee=user)
            return _bid_response(drawing, user, bid, status.HTTP_200_OK)
        data = BidSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        bid = drawings.bid_place(
            drawing=drawing, employee=user, amount=data.validated_data.get("amount")
        )
        return _bid_response(drawing, user, bid, status.HTTP_200_OK)

    @extend_schema(request=BidSerializer, responses={200: DrawingSerializer}, methods=["POST"])
    @extend_schema(request=None, responses={200: DrawingSerializer}, methods=["DELETE"])
    @action(detail=True, methods=["post", "delete"])
    def entry(self, request: Request, pk: str | None = None) -> Response:
        """The same as `bid/`, named for lotteries: enter at the reserve, or withdraw."""
        return self._bid(request)

    @extend_schema(request=None, responses={200: DrawingSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str | None = None) -> Response:
        """HR closes a drawing whose closing time has passed (what the Celery job does); a second
        close changes nothing. 409 `drawing_not_due` before the closing time."""
        drawing = drawings.drawing_close(drawing=self.get_object(), actor=_user(request))
        return Response(DrawingSerializer(drawing, context={"user": _user(request)}).data)

    @extend_schema(responses={200: DrawingResultsSerializer})
    @action(detail=True, methods=["get"])
    def results(self, request: Request, pk: str | None = None) -> Response:
        """After the close: every live bid or entry by id (no names), who won, and for a lottery
        the seed, each entry's ticket and Python to check the draw. Empty before the close."""
        drawing = self.get_object()
        user = _user(request)
        lottery = drawing.rule == DrawingRule.LOTTERY
        entries = [
            {
                "id": bid.pk,
                "amount": bid.amount,
                "won": bid.result == "won",
                "ticket": lottery_ticket(drawing.seed, bid.pk) if lottery else None,
                "mine": bid.employee_id == user.pk,
            }
            for bid in selectors.drawing_entries(drawing=drawing)
        ]
        closed = drawing.state == DrawingState.CLOSED
        body = {
            "drawing": drawing,
            "entries": entries,
            "verify": VERIFY_SNIPPET if lottery and closed else None,
        }
        return Response(DrawingResultsSerializer(body, context={"user": user}).data)
