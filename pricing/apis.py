"""Pricing API: parameters and their versions (HR), the preview (HR), the tick log and each tick's
lines, price history per reward, sales (HR)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import IsHR, Pagination
from core.errors import InvalidInputError, NotFoundError
from people.models import User
from rewards.errors import UnknownRewardError
from rewards.models import Reward

from . import selectors, services
from .errors import UnknownTickError
from .models import ParameterSet, Sale, Tick, TickLine


def _user(request: Request) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


# --- Parameters ---------------------------------------------------------------------------------


class ParameterSetSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(source="pk", read_only=True, allow_null=True)
    created_by = serializers.CharField(
        source="created_by.username", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = ParameterSet
        fields = [
            "version", "s", "eta", "lam", "delta", "m_min", "m_max", "tick_seconds",
            "quote_validity_seconds", "effective_from", "created_at", "created_by", "note",
        ]  # fmt: skip


class ParametersWriteSerializer(serializers.Serializer):
    """Any subset of the parameters; the rest are carried over from the version in force.

    Values are checked by the service (exact JSON types: a string is not a number)."""

    s = serializers.JSONField(required=False, help_text="Smoothing pseudo-count, > 0.")
    eta = serializers.JSONField(required=False, help_text="Sensitivity η, 0 to 10.")
    lam = serializers.JSONField(required=False, help_text="Drift back to base λ, 0 to < 1.")
    delta = serializers.JSONField(required=False, help_text="Step cap δ (in ℓ), > 0.")
    m_min = serializers.JSONField(required=False, help_text="Floor as a share of base, 0.01-1.")
    m_max = serializers.JSONField(required=False, help_text="Ceiling as a multiple of base, 1-100.")
    tick_seconds = serializers.JSONField(required=False, help_text="Tick period, whole seconds.")
    quote_validity_seconds = serializers.JSONField(
        required=False, help_text="How long a quote holds, whole seconds."
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


def _values(request: Request) -> tuple[dict[str, Any], str]:
    if not isinstance(request.data, dict):
        raise InvalidInputError(fields={"non_field_errors": ["Send a JSON object."]})
    values = dict(request.data)
    note = values.pop("note", "")
    if not isinstance(note, str):
        raise InvalidInputError(fields={"note": ["Text of at most 500 characters."]})
    return values, note


def _next_window_body() -> dict[str, Any]:
    window = selectors.next_window()
    return {"start": window.start, "end": window.end, "version": window.parameters.pk}


class ParametersApi(APIView):
    """The pricing parameters in force (GET) and a new version of them (POST/PUT/PATCH).

    A new version applies from the next window: the window now open closes at the first boundary
    of the new tick period after the change."""

    permission_classes = [IsHR]

    @extend_schema(responses=ParameterSetSerializer)
    def get(self, request: Request) -> Response:
        body = ParameterSetSerializer(services.parameters_current()).data
        body["next_window"] = _next_window_body()
        return Response(body)

    @extend_schema(request=ParametersWriteSerializer, responses={201: ParameterSetSerializer})
    def post(self, request: Request) -> Response:
        values, note = _values(request)
        version = services.parameters_set(actor=_user(request), values=values, note=note)
        body = ParameterSetSerializer(version).data
        body["next_window"] = _next_window_body()
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=ParametersWriteSerializer, responses={201: ParameterSetSerializer})
    def put(self, request: Request) -> Response:
        return self.post(request)

    @extend_schema(request=ParametersWriteSerializer, responses={201: ParameterSetSerializer})
    def patch(self, request: Request) -> Response:
        return self.post(request)


class ParameterVersionsApi(ListAPIView):
    """Every parameter version, newest first: the audit trail."""

    permission_classes = [IsHR]
    serializer_class = ParameterSetSerializer
    pagination_class = Pagination

    def get_queryset(self) -> Any:
        return ParameterSet.objects.select_related("created_by").order_by("-effective_from", "-id")


class PreviewRowSerializer(serializers.Serializer):
    reward = serializers.IntegerField(source="reward.pk")
    name = serializers.CharField(source="reward.name")
    demand = serializers.IntegerField(help_text="x so far in the open window.")
    price_now = serializers.IntegerField()
    price_current_parameters = serializers.IntegerField()
    price_proposed = serializers.IntegerField()


class PreviewWindowSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()


class PreviewSerializer(serializers.Serializer):
    """What PreviewApi answers: the open window, its mean demand so far, and a row per reward."""

    window = PreviewWindowSerializer()
    demand_mean = serializers.FloatField()
    rows = PreviewRowSerializer(many=True)


class PreviewApi(APIView):
    """What the next tick would do under proposed parameters, with the demand settled so far.
    Saves nothing."""

    permission_classes = [IsHR]

    @extend_schema(request=ParametersWriteSerializer, responses=PreviewSerializer)
    def post(self, request: Request) -> Response:
        values, _note = _values(request)
        proposed = services.parameters_validate(values)
        preview = selectors.pricing_preview(proposed=proposed)
        return Response(
            {
                "window": {"start": preview.window.start, "end": preview.window.end},
                "demand_mean": preview.demand_mean,
                "rows": PreviewRowSerializer(preview.rows, many=True).data,
            }
        )


# --- Tick log -----------------------------------------------------------------------------------


class TickSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tick
        fields = [
            "id", "window_start", "window_end", "parameters", "applied_at", "rewards_count",
            "demand_total", "demand_mean",
        ]  # fmt: skip


class TickLineSerializer(serializers.ModelSerializer):
    tick = serializers.IntegerField(source="tick_id", read_only=True)
    window_start = serializers.DateTimeField(source="tick.window_start", read_only=True)
    window_end = serializers.DateTimeField(source="tick.window_end", read_only=True)
    parameters = serializers.IntegerField(source="tick.parameters_id", read_only=True)
    reward = serializers.IntegerField(source="reward_id", read_only=True)
    x = serializers.IntegerField(source="demand", read_only=True)
    x_mean = serializers.FloatField(source="tick.demand_mean", read_only=True)
    delta = serializers.FloatField(source="step", read_only=True)
    log_price_before = serializers.FloatField(read_only=True)
    log_price = serializers.FloatField(read_only=True)

    class Meta:
        model = TickLine
        fields = [
            "tick", "window_start", "window_end", "parameters", "reward", "x", "x_mean", "z",
            "delta", "log_price_before", "log_price", "base_price", "price",
        ]  # fmt: skip


class TickListApi(ListAPIView):
    """The tick log, newest first: one entry per priced window."""

    permission_classes = [IsAuthenticated]
    serializer_class = TickSerializer
    pagination_class = Pagination

    def get_queryset(self) -> Any:
        return selectors.tick_log()


class TickDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=TickSerializer)
    def get(self, request: Request, pk: int) -> Response:
        tick = Tick.objects.filter(pk=pk).first()
        if tick is None:
            raise UnknownTickError()
        return Response(TickSerializer(tick).data)


class TickLineListApi(ListAPIView):
    """One tick's explanation: per reward x, x̄, z, Δ, ℓ before and after, and the price."""

    permission_classes = [IsAuthenticated]
    serializer_class = TickLineSerializer
    pagination_class = Pagination

    def get_queryset(self) -> Any:
        tick = Tick.objects.filter(pk=self.kwargs["pk"]).first()
        if tick is None:
            raise UnknownTickError()
        return TickLine.objects.filter(tick=tick).select_related("tick").order_by("reward_id")


# --- Price history ------------------------------------------------------------------------------


def _reward(pk: int) -> Reward:
    reward = Reward.objects.filter(pk=pk).first()
    if reward is None:
        raise UnknownRewardError()
    return reward


class PriceDaySerializer(serializers.Serializer):
    day = serializers.DateField()
    price = serializers.IntegerField()


class BandSerializer(serializers.Serializer):
    min = serializers.IntegerField()
    max = serializers.IntegerField()


class PriceHistorySerializer(serializers.Serializer):
    reward = serializers.IntegerField()
    base_price = serializers.IntegerField()
    current_price = serializers.IntegerField()
    log_price = serializers.FloatField()
    band = BandSerializer()
    explanation = serializers.CharField()
    days = PriceDaySerializer(many=True)


class PriceHistoryApi(APIView):
    """A reward's closing price per day, its base price and the band, and today's price."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[OpenApiParameter("days", int, description="30, 90 or 365 (default 30).")],
        responses=PriceHistorySerializer,
    )
    def get(self, request: Request, pk: int) -> Response:
        reward = _reward(pk)
        days = request.query_params.get("days", "30")
        if days not in {"30", "90", "365"}:
            raise InvalidInputError(fields={"days": ["One of 30, 90, 365."]})
        version = services.parameters_current()
        history = selectors.price_history(reward=reward, days=int(days))
        return Response(
            {
                "reward": reward.pk,
                "base_price": reward.base_price,
                "current_price": reward.current_price,
                "log_price": reward.log_price,
                "band": {
                    "min": round(reward.base_price * version.m_min),
                    "max": round(reward.base_price * version.m_max),
                },
                "explanation": selectors.price_explanation(reward=reward),
                "days": [{"day": day, "price": price} for day, price in history],
            }
        )


class PriceTicksApi(ListAPIView):
    """Every tick line of one reward, newest first: its price, window by window, with the why."""

    permission_classes = [IsAuthenticated]
    serializer_class = TickLineSerializer
    pagination_class = Pagination

    def get_queryset(self) -> Any:
        reward = _reward(self.kwargs["pk"])
        return (
            TickLine.objects.filter(reward=reward)
            .select_related("tick")
            .order_by("-tick__window_start")
        )


# --- Sales --------------------------------------------------------------------------------------


class SaleSerializer(serializers.ModelSerializer):
    rewards: serializers.PrimaryKeyRelatedField = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True
    )
    multiplier = serializers.DecimalField(max_digits=4, decimal_places=3, read_only=True)
    state = serializers.SerializerMethodField()

    class Meta:
        model = Sale
        fields = [
            "id", "name", "multiplier", "starts_at", "ends_at", "all_rewards", "rewards",
            "categories", "created_at", "cancelled_at", "state",
        ]  # fmt: skip

    def get_state(self, obj: Sale) -> str:
        now = timezone.now()
        if obj.cancelled_at is not None:
            return "cancelled"
        if obj.ends_at <= now:
            return "ended"
        return "running" if obj.starts_at <= now else "scheduled"


class SaleWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    multiplier = serializers.DecimalField(
        max_digits=4, decimal_places=3, help_text="0.01-0.99: 0.8 means 20 % off."
    )
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    all_rewards = serializers.BooleanField(default=False)
    rewards = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**31 - 1), default=list
    )
    categories = serializers.ListField(child=serializers.CharField(max_length=20), default=list)


class SaleListApi(ListAPIView):
    """Sales, newest first (GET); schedule one (POST)."""

    permission_classes = [IsHR]
    serializer_class = SaleSerializer
    pagination_class = Pagination

    def get_queryset(self) -> Any:
        return Sale.objects.prefetch_related("rewards").order_by("-starts_at", "-id")

    @extend_schema(request=SaleWriteSerializer, responses={201: SaleSerializer})
    def post(self, request: Request) -> Response:
        data = SaleWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        wanted = set(values.pop("rewards"))
        rewards = list(Reward.objects.filter(pk__in=wanted))
        if len(rewards) != len(wanted):
            missing = sorted(wanted - {r.pk for r in rewards})
            raise InvalidInputError(fields={"rewards": [f"No such reward: {missing}."]})
        sale = services.sale_create(actor=_user(request), rewards=rewards, **values)
        return Response(SaleSerializer(sale).data, status=status.HTTP_201_CREATED)


class SaleDetailApi(APIView):
    """One sale (GET); cancel it (DELETE: a running sale ends now, a scheduled one never runs)."""

    permission_classes = [IsHR]

    @extend_schema(responses=SaleSerializer)
    def get(self, request: Request, pk: int) -> Response:
        sale = Sale.objects.filter(pk=pk).first()
        if sale is None:
            raise NotFoundError()
        return Response(SaleSerializer(sale).data)

    @extend_schema(responses={200: SaleSerializer})  # the cancelled sale, not a bare 204
    def delete(self, request: Request, pk: int) -> Response:
        sale = services.sale_cancel(actor=_user(request), sale_id=pk)
        return Response(SaleSerializer(sale).data)
