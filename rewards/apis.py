"""Market API: the catalogue, quotes, redemptions and their states, wishes (and the old goal)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import (
    MAX_ID,
    FieldsOnceMixin,
    IdField,
    IsHROrReadOnly,
    PointsField,
    idempotency_key_from,
)
from core.errors import InvalidInputError, NotFoundError
from ledger.apis import IDEMPOTENCY_HEADER
from ledger.selectors import balance_of
from people.apis import PersonRefSerializer
from people.models import User

from . import selectors, services
from .errors import (
    NotAnApproverError,
    NotYourRedemptionError,
    PriceChangedError,
    UnknownRewardError,
    UnknownWishError,
)
from .models import (
    Quote,
    Redemption,
    RedemptionState,
    Reward,
    RewardCategory,
    Wish,
)
from .prices import price_now, prices_now


def _user(request: Request) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


# --- serializers --------------------------------------------------------------------------------


class RewardListSerializer(serializers.ListSerializer):
    """Looks up what each reward costs now (sales applied) once for the whole page."""

    def to_representation(self, data: Any) -> list[Any]:
        items = list(data.all() if isinstance(data, QuerySet) else data)
        self.context["prices"] = prices_now(items)  # the root's context, which the child reads
        return super().to_representation(items)


class RewardOptionSerializer(serializers.Serializer):
    name_fi = serializers.CharField(max_length=40)
    name_en = serializers.CharField(max_length=40)
    choices = serializers.ListField(
        child=serializers.CharField(max_length=40), min_length=1, max_length=20
    )


class RedemptionOptionSerializer(serializers.Serializer):
    name_fi = serializers.CharField()
    name_en = serializers.CharField()
    value = serializers.CharField()


class RewardSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    options = RewardOptionSerializer(many=True, read_only=True)
    description = serializers.CharField(read_only=True)
    change_percent = serializers.SerializerMethodField(
        help_text="Current price against the base price, in percent (e.g. 12.5 or -8.0)."
    )
    price = serializers.SerializerMethodField(
        help_text="What a purchase costs now: the market price (current_price), or less on sale."
    )
    log_price = serializers.FloatField(
        read_only=True,
        help_text="ℓ = ln(current_price / base_price) as the pricing engine keeps it.",
    )

    class Meta:
        model = Reward
        list_serializer_class = RewardListSerializer
        fields = [
            "id", "name", "description", "name_fi", "name_en", "description_fi",
            "description_en", "category", "icon", "base_price", "current_price", "price",
            "log_price", "change_percent", "stock", "needs_approval", "active", "created_at",
            "options", "approver_note", "picture_url",
        ]  # fmt: skip

    picture_url = serializers.SerializerMethodField(help_text="The reward's picture, or null.")

    def get_picture_url(self, obj: Reward) -> str | None:
        return reverse("reward-picture", args=[obj.picture]) if obj.picture else None

    def get_change_percent(self, obj: Reward) -> float:
        return round((obj.current_price - obj.base_price) * 100 / obj.base_price, 1)

    def get_price(self, obj: Reward) -> int:
        prices = self.context.get("prices") or {}
        return prices[obj.pk] if obj.pk in prices else price_now(obj)


class RewardWriteSerializer(serializers.Serializer):
    name_fi = serializers.CharField(max_length=120)
    name_en = serializers.CharField(max_length=120)
    description_fi = serializers.CharField(
        max_length=5000, required=False, allow_blank=True, default=""
    )
    description_en = serializers.CharField(
        max_length=5000, required=False, allow_blank=True, default=""
    )
    category = serializers.ChoiceField(choices=RewardCategory.choices, default=RewardCategory.OTHER)
    icon = serializers.SlugField(max_length=50, required=False, allow_blank=True, default="")
    base_price = PointsField(max_value=services.MAX_PRICE)
    stock = PointsField(
        min_value=0,
        max_value=services.MAX_STOCK,
        allow_null=True,
        default=None,
        help_text="Items left; null for unlimited.",
    )
    needs_approval = serializers.BooleanField(default=False)
    active = serializers.BooleanField(default=True)
    options = RewardOptionSerializer(many=True, required=False, default=list)
    approver_note = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, default=""
    )


class RestockSerializer(serializers.Serializer):
    quantity = PointsField(max_value=services.MAX_STOCK, help_text="How many items to add.")


class QuoteSerializer(FieldsOnceMixin, serializers.ModelSerializer):
    reward = serializers.IntegerField(source="reward_id", read_only=True)

    class Meta:
        model = Quote
        fields = ["id", "reward", "price", "created_at", "expires_at"]


class RedemptionSerializer(FieldsOnceMixin, serializers.ModelSerializer):
    employee = PersonRefSerializer(read_only=True)
    reward = serializers.SerializerMethodField()
    decided_by = PersonRefSerializer(read_only=True, allow_null=True)
    debit = serializers.IntegerField(source="debit_id", read_only=True)
    refund = serializers.IntegerField(source="refund_id", read_only=True, allow_null=True)
    quote = serializers.IntegerField(source="quote_id", read_only=True, allow_null=True)
    options = RedemptionOptionSerializer(many=True, read_only=True)

    class Meta:
        model = Redemption
        fields = [
            "id", "employee", "reward", "quote", "price_paid", "state", "debit", "refund",
            "decided_by", "reason", "options", "created_at", "updated_at",
        ]  # fmt: skip

    def get_reward(self, obj: Redemption) -> dict[str, Any]:
        return {"id": obj.reward_id, "name": obj.reward.name, "category": obj.reward.category}


class RedemptionReceiptSerializer(RedemptionSerializer):
    balance = serializers.SerializerMethodField(help_text="Your wallet balance after this.")

    class Meta(RedemptionSerializer.Meta):
        fields = [*RedemptionSerializer.Meta.fields, "balance"]

    def get_balance(self, obj: Redemption) -> int:
        after = getattr(obj, "balance_after", None)  # returned by the purchase's locked UPDATE
        return after if after is not None else balance_of(user=obj.employee)


_WHEN = serializers.DateTimeField()


def redemption_receipt_body(redemption: Redemption) -> dict[str, Any]:
    """`RedemptionReceiptSerializer(redemption).data` for a purchase just written, built
    directly: the purchase's hot path (issue 11's profile). A redemption just bought has no
    refund and no decider yet. `tests/rewards/test_api.py` holds the two equal."""
    employee, reward = redemption.employee, redemption.reward
    after = getattr(redemption, "balance_after", None)  # returned by the purchase's locked UPDATE
    return {
        "id": redemption.pk,
        "employee": {
            "id": employee.pk,
            "username": employee.username,
            "display_name": employee.display_name,
        },
        "reward": {"id": redemption.reward_id, "name": reward.name, "category": reward.category},
        "quote": redemption.quote_id,
        "price_paid": redemption.price_paid,
        "state": redemption.state,
        "debit": redemption.debit_id,
        "refund": None,
        "decided_by": None,
        "reason": redemption.reason,
        "options": [
            {"name_fi": str(o["name_fi"]), "name_en": str(o["name_en"]), "value": str(o["value"])}
            for o in redemption.options or []
        ],
        "created_at": _WHEN.to_representation(redemption.created_at),
        "updated_at": _WHEN.to_representation(redemption.updated_at),
        "balance": after if after is not None else balance_of(user=employee),
    }


class RedemptionCreateSerializer(serializers.Serializer):
    quote = IdField(help_text="Id of your quote for the reward (POST /rewards/{id}/quote/).")
    options = serializers.ListField(
        child=serializers.CharField(max_length=40),
        max_length=3,
        required=False,
        default=list,
        help_text='Your pick for each of the reward\'s options, in their order (e.g. ["M"]).',
    )


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, help_text="Why, shown to the employee.")


class WishSerializer(serializers.Serializer):
    """A wish with its projection (the same numbers as the "My wishes" page)."""

    id = serializers.IntegerField(source="wish.pk")
    reward = serializers.SerializerMethodField()
    target_price = serializers.IntegerField(
        source="wish.target_price",
        allow_null=True,
        help_text="Alert when the price to pay falls to this or below; null: only watched.",
    )
    position = serializers.IntegerField(source="wish.position", help_text="0 is the first wish.")
    created_at = serializers.DateTimeField(source="wish.created_at")
    balance = serializers.IntegerField(
        help_text="Points the user can put towards it now: free points (held ones excluded) "
        "plus any held on a live drawing of this reward."
    )
    price = serializers.IntegerField(help_text="What the reward costs now, any sale included.")
    on_sale = serializers.BooleanField()
    remaining = serializers.IntegerField(help_text="Points short at that price.")
    percent = serializers.IntegerField()
    reached = serializers.BooleanField()
    target_reached = serializers.BooleanField(help_text="The price is at or below the target.")
    daily_earning = serializers.FloatField(help_text="Points a day over the last 90 days.")
    projected_date = serializers.DateField(
        allow_null=True, help_text="When the user gets there at that pace; null: no pace yet."
    )

    def get_reward(self, obj: selectors.WishProgress) -> dict[str, Any]:
        reward = obj.wish.reward
        return RewardSerializer(reward, context={"prices": {reward.pk: obj.price}}).data


class GoalSerializer(WishSerializer):
    """The first wish, as the single savings goal of earlier releases showed it."""


class GoalWriteSerializer(serializers.Serializer):
    reward = IdField()


class WishCreateSerializer(serializers.Serializer):
    reward = IdField()
    target_price = PointsField(
        max_value=services.MAX_PRICE, allow_null=True, required=False, default=None
    )


class WishUpdateSerializer(serializers.Serializer):
    target_price = PointsField(max_value=services.MAX_PRICE, allow_null=True, required=False)
    position = serializers.IntegerField(min_value=0, max_value=1000, required=False)


# --- rewards ------------------------------------------------------------------------------------


class RewardViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The catalogue: everyone browses it and asks for quotes; HR manages it."""

    lookup_value_regex = r"\d+"
    serializer_class = RewardSerializer
    permission_classes = [IsHROrReadOnly]

    def get_permissions(self) -> list[Any]:
        if self.action == "quote":
            return [IsAuthenticated()]
        return list(super().get_permissions())

    def get_queryset(self) -> QuerySet[Reward]:
        user = _user(self.request)
        if self.action != "list":
            return selectors.rewards_for(user=user)
        params = self.request.query_params
        return selectors.reward_catalogue(
            user=user,
            category=params.get("category", ""),
            search=params.get("search", ""),
            ordering=params.get("ordering", "name"),
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("category", str, enum=RewardCategory.values),
            OpenApiParameter("search", str, description="Words in the name or description."),
            OpenApiParameter(
                "ordering", str, enum=list(selectors.CATALOGUE_ORDERINGS), default="name"
            ),
        ]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=RewardWriteSerializer, responses={201: RewardSerializer})
    def create(self, request: Request) -> Response:
        """HR adds a reward; its current price starts at the base price."""
        data = RewardWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        reward = services.reward_create(**data.validated_data)
        return Response(RewardSerializer(reward).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RewardWriteSerializer, responses=RewardSerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        """HR changes a reward; a new base price also becomes the current price."""
        reward = self.get_object()
        data = RewardWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        if not data.validated_data:
            raise InvalidInputError(fields={"non_field_errors": ["Nothing to change."]})
        reward = services.reward_update(reward=reward, **data.validated_data)
        return Response(RewardSerializer(reward).data)

    @extend_schema(request=RestockSerializer, responses=RewardSerializer)
    @action(detail=True, methods=["post"])
    def restock(self, request: Request, pk: str | None = None) -> Response:
        """HR adds items to a reward with limited stock."""
        reward = self.get_object()
        data = RestockSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        reward = services.reward_restock(reward=reward, quantity=data.validated_data["quantity"])
        return Response(RewardSerializer(reward).data)

    @extend_schema(request=None, responses=RewardSerializer)
    @action(detail=True, methods=["post"])
    def deactivate(self, request: Request, pk: str | None = None) -> Response:
        """HR takes a reward off the market."""
        reward = services.reward_deactivate(reward=self.get_object())
        return Response(RewardSerializer(reward).data)

    @extend_schema(request=None, responses=RewardSerializer)
    @action(detail=True, methods=["post"])
    def activate(self, request: Request, pk: str | None = None) -> Response:
        """HR puts a reward back on the market."""
        reward = services.reward_activate(reward=self.get_object())
        return Response(RewardSerializer(reward).data)

    @extend_schema(request=None, responses={201: QuoteSerializer})
    @action(detail=True, methods=["post"])
    def quote(self, request: Request, pk: str | None = None) -> Response:
        """A price promise for this reward, valid 15 minutes (setting). It does not hold stock."""
        user = _user(request)
        reward_id = int(pk or 0)
        reward = (
            selectors.reward_for_quote(user=user, reward_id=reward_id)
            if reward_id <= MAX_ID
            else None
        )
        if reward is None:
            raise NotFoundError()
        quote = services.quote_create(employee=user, reward=reward)
        return Response(QuoteSerializer(quote).data, status=status.HTTP_201_CREATED)


# --- redemptions --------------------------------------------------------------------------------


class RedemptionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Redemptions: your own; a supervisor also sees their teams'; HR sees all.

    Someone else's redemption you may not see is a 404. A supervisor who sees it but does not
    lead the buyer's team gets a 403 on approve/reject/fulfil.
    """

    lookup_value_regex = r"\d+"
    serializer_class = RedemptionSerializer

    def get_queryset(self) -> QuerySet[Redemption]:
        qs = selectors.redemptions_visible_to(user=_user(self.request))
        if self.action != "list":
            return qs
        state = self.request.query_params.get("state")
        if state:
            if state not in RedemptionState.values:
                raise InvalidInputError(
                    fields={"state": [f"One of: {', '.join(RedemptionState.values)}."]}
                )
            qs = qs.filter(state=state)
        mine = self.request.query_params.get("mine")
        if mine is not None:
            if mine not in ("true", "false"):
                raise InvalidInputError(fields={"mine": ["true or false."]})
            user = _user(self.request)
            qs = qs.filter(employee=user) if mine == "true" else qs.exclude(employee=user)
        for param, lookup in (
            ("employee", "employee_id"),
            ("reward", "reward_id"),
            ("team", "employee__team_id"),
        ):
            value = self.request.query_params.get(param)
            if value is not None:
                if not value.isdigit() or not 1 <= int(value) <= MAX_ID:
                    raise InvalidInputError(fields={param: ["Must be an id."]})
                qs = qs.filter(**{lookup: int(value)})
        return qs

    @extend_schema(
        parameters=[
            OpenApiParameter("state", str, enum=RedemptionState.values),
            OpenApiParameter("mine", bool, description="Only mine (true) or only others' (false)."),
            OpenApiParameter("employee", int, description="Only this person's."),
            OpenApiParameter("reward", int, description="Only of this reward."),
            OpenApiParameter("team", int, description="Only of this team's members."),
        ]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=RedemptionCreateSerializer,
        responses={201: RedemptionReceiptSerializer},
        parameters=[IDEMPOTENCY_HEADER],
        summary="Buy a reward with a quote",
    )
    def create(self, request: Request) -> Response:
        """Debits your wallet at the lower of the quoted and current price and takes one from
        stock, in one transaction. 409 `price_changed` (with a fresh quote in `extra.quote`) if
        the quote expired and the price has risen."""
        data = RedemptionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        employee = _user(request)

        try:
            code, body = services.redemption_purchase(
                employee=employee,
                quote_id=values["quote"],
                idempotency_key=idempotency_key_from(request),
                scope="redemptions.create",
                answer=redemption_receipt_body,
                options=values["options"],
            )
        except PriceChangedError as exc:
            exc.extra["quote"] = QuoteSerializer(exc.fresh_quote).data
            raise
        return Response(body, status=code)

    def _decision_target(self) -> Redemption:
        """Approvers look among all redemptions (the service then answers 403 for teams they do
        not lead); anyone else only among those they may see (others' are 404)."""
        user = _user(self.request)
        if user.is_supervisor or user.is_hr:
            qs = Redemption.objects.select_related("reward", "employee")
        else:
            qs = self.get_queryset()
        redemption = qs.filter(pk=int(self.kwargs["pk"])).first()
        if redemption is None:
            raise NotYourRedemptionError()
        return redemption

    @extend_schema(request=None, responses=RedemptionSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Withdraw your redemption while it awaits approval; refunds the price paid."""
        redemption = self.get_object()
        redemption = services.redemption_cancel(employee=_user(request), redemption=redemption)
        return Response(RedemptionSerializer(redemption).data)

    @extend_schema(request=None, responses=RedemptionSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        """A supervisor of the buyer's team, or HR, approves a pending redemption."""
        redemption = services.redemption_approve(
            approver=_user(request), redemption=self._decision_target()
        )
        return Response(RedemptionSerializer(redemption).data)

    @extend_schema(request=RejectSerializer, responses=RedemptionSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        """An approver rejects a pending or approved redemption; refunds the price paid."""
        redemption = self._decision_target()
        # Who may decide is answered before what was sent: a non-approver learns nothing more.
        if not services.can_decide(user=_user(request), redemption=redemption):
            raise NotAnApproverError()
        data = RejectSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        redemption = services.redemption_reject(
            approver=_user(request), redemption=redemption, reason=data.validated_data["reason"]
        )
        return Response(RedemptionSerializer(redemption).data)

    @extend_schema(request=None, responses=RedemptionSerializer)
    @action(detail=True, methods=["post"])
    def fulfil(self, request: Request, pk: str | None = None) -> Response:
        """An approver marks an approved redemption as handed over."""
        redemption = services.redemption_fulfil(
            approver=_user(request), redemption=self._decision_target()
        )
        return Response(RedemptionSerializer(redemption).data)


# --- wishes, and the goal (the first wish) --------------------------------------------------------


class WishViewSet(viewsets.ViewSet):
    """Your wishes: rewards you watch (sales, drawings) and save for, each with an optional
    target price that alerts you when the price to pay falls to it. Only your own: anyone
    else's wish is a 404."""

    lookup_value_regex = r"\d+"
    serializer_class = WishSerializer

    def _progress(self, request: Request, pk: str | int) -> selectors.WishProgress:
        user = _user(request)
        for progress in selectors.wish_progress_list(user=user):
            if progress.wish.pk == int(pk):
                return progress
        raise UnknownWishError()

    def _wish(self, request: Request, pk: str | int) -> Wish:
        wish = (
            Wish.objects.select_related("reward", "employee")
            .filter(pk=int(pk), employee=_user(request))
            .first()
        )
        if wish is None:
            raise UnknownWishError()
        return wish

    @extend_schema(responses={200: WishSerializer(many=True)})
    def list(self, request: Request) -> Response:
        progress = selectors.wish_progress_list(user=_user(request))
        return Response(WishSerializer(progress, many=True).data)

    @extend_schema(request=WishCreateSerializer, responses={201: WishSerializer})
    def create(self, request: Request) -> Response:
        data = WishCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = _user(request)
        reward = selectors.rewards_for(user=user).filter(pk=data.validated_data["reward"]).first()
        if reward is None:
            raise UnknownRewardError(extra={"field": "reward"})
        wish = services.wish_add(
            employee=user, reward=reward, target_price=data.validated_data["target_price"]
        )
        return Response(
            WishSerializer(self._progress(request, wish.pk)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(responses={200: WishSerializer})
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(WishSerializer(self._progress(request, pk)).data)

    @extend_schema(request=WishUpdateSerializer, responses={200: WishSerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        wish = self._wish(request, pk)
        data = WishUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        services.wish_update(
            wish=wish,
            target_price=values.get("target_price", ...),
            position=values.get("position"),
        )
        return Response(WishSerializer(self._progress(request, wish.pk)).data)

    @extend_schema(request=None, responses={204: None})
    def destroy(self, request: Request, pk: str) -> Response:
        services.wish_remove(wish=self._wish(request, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class GoalApi(APIView):
    """Your first wish (the single savings goal of earlier releases, kept for old clients): its
    progress against the current price and a projected date. PUT makes a reward the first wish;
    DELETE removes the first wish. `/api/v1/wishes/` has them all."""

    @extend_schema(responses={200: GoalSerializer, 204: None})
    def get(self, request: Request) -> Response:
        progress = selectors.goal_progress(user=_user(request))
        if progress is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(GoalSerializer(progress).data)

    @extend_schema(request=GoalWriteSerializer, responses={200: GoalSerializer})
    def put(self, request: Request) -> Response:
        data = GoalWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = _user(request)
        reward = selectors.rewards_for(user=user).filter(pk=data.validated_data["reward"]).first()
        if reward is None:
            raise UnknownRewardError(extra={"field": "reward"})
        services.goal_set(employee=user, reward=reward)
        progress = selectors.goal_progress(user=user)
        return Response(GoalSerializer(progress).data)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request) -> Response:
        services.goal_clear(employee=_user(request))
        return Response(status=status.HTTP_204_NO_CONTENT)
