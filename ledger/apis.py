"""Ledger API: statements, awards, award reasons, budgets, reversals."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import (
    FieldsOnceMixin,
    IdField,
    IsHR,
    IsHROrReadOnly,
    PointsField,
    idempotency_key_from,
)
from core.errors import InvalidInputError, NotFoundError
from people.apis import PersonRefSerializer, PersonSerializer, TeamRefSerializer
from people.models import Role, User

from . import selectors, services
from .errors import UnknownPersonError, UnknownReasonError
from .models import AccountKind, Award, AwardReason, BudgetMode, Entry, Transaction

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description=(
        "A unique key per intended operation (e.g. a UUID). A retry with the same key and body "
        "returns the first answer and moves no points; the same key with another body is a 409 "
        "`idempotency_key_reused`."
    ),
)


class AwardReasonSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)

    class Meta:
        model = AwardReason
        fields = [
            "id", "code", "name", "description", "name_fi", "name_en", "description_fi",
            "description_en", "suggested_min", "suggested_max", "active", "position",
        ]  # fmt: skip


class AwardReasonWriteSerializer(serializers.Serializer):
    code = serializers.SlugField(max_length=50)
    name_fi = serializers.CharField(max_length=120)
    name_en = serializers.CharField(max_length=120)
    description_fi = serializers.CharField(required=False, allow_blank=True, default="")
    description_en = serializers.CharField(required=False, allow_blank=True, default="")
    suggested_min = PointsField()
    suggested_max = PointsField()
    active = serializers.BooleanField(default=True)
    position = serializers.IntegerField(min_value=0, max_value=32767, default=0)


class AwardSerializer(FieldsOnceMixin, serializers.ModelSerializer):
    giver = PersonRefSerializer(read_only=True)
    recipient = PersonRefSerializer(read_only=True)
    team = serializers.SerializerMethodField()
    reason = serializers.SerializerMethodField()
    transaction = serializers.IntegerField(source="transaction_id", read_only=True)
    reversed = serializers.SerializerMethodField()

    class Meta:
        model = Award
        fields = [
            "id", "giver", "recipient", "team", "reason", "points", "message",
            "created_at", "transaction", "reversed",
        ]  # fmt: skip

    def get_team(self, obj: Award) -> dict[str, Any] | None:
        team = obj.recipient.team
        return TeamRefSerializer(team).data if team else None

    def get_reason(self, obj: Award) -> dict[str, Any]:
        return {"code": obj.reason.code, "name": obj.reason.name}

    def get_reversed(self, obj: Award) -> bool:
        return hasattr(obj.transaction, "reversed_by")


_WHEN = serializers.DateTimeField()


def award_created_body(award: Award) -> dict[str, Any]:
    """`AwardSerializer(award).data` for an award just written, built directly: the award's hot
    path (issue 11's profile: DRF's fields cost a tenth of an award's CPU). An award just written
    has no reversal. `tests/ledger/test_awards_api.py` holds the two equal."""

    def person(user: User) -> dict[str, Any]:
        return {"id": user.pk, "username": user.username, "display_name": user.display_name}

    team = award.recipient.team
    return {
        "id": award.pk,
        "giver": person(award.giver),
        "recipient": person(award.recipient),
        "team": {"id": team.pk, "name": team.name} if team else None,
        "reason": {"code": award.reason.code, "name": award.reason.name},
        "points": award.points,
        "message": award.message,
        "created_at": _WHEN.to_representation(award.created_at),
        "transaction": award.transaction_id,
        "reversed": False,
    }


class AwardCreateSerializer(serializers.Serializer):
    recipient = IdField(help_text="Id of a member of one of your teams.")
    reason = serializers.SlugField(max_length=50, help_text="Code of a published award reason.")
    points = PointsField()
    message = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class EntrySerializer(serializers.ModelSerializer):
    transaction = serializers.IntegerField(source="transaction_id")
    kind = serializers.CharField(source="transaction.kind")
    memo = serializers.CharField(source="transaction.memo")
    created_at = serializers.DateTimeField(source="transaction.created_at")
    reverses = serializers.IntegerField(source="transaction.reverses_id", allow_null=True)
    award = serializers.SerializerMethodField()

    class Meta:
        model = Entry
        fields = ["id", "transaction", "kind", "amount", "memo", "created_at", "reverses", "award"]

    def get_award(self, obj: Entry) -> dict[str, Any] | None:
        award = getattr(obj.transaction, "award", None)
        if award is None:
            return None
        return {
            "id": award.pk,
            "reason": {"code": award.reason.code, "name": award.reason.name},
            "giver": PersonRefSerializer(award.giver).data,
            "message": award.message,
        }


class TransactionSerializer(serializers.ModelSerializer):
    entries = serializers.SerializerMethodField()

    class Meta:
        model = Transaction
        fields = ["id", "kind", "memo", "actor", "created_at", "reverses", "entries"]

    def get_entries(self, obj: Transaction) -> list[dict[str, Any]]:
        return [{"account": e.account_id, "amount": e.amount} for e in obj.entries.all()]


class ReverseSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, help_text="Why this is being corrected.")


# The "me" summary composes a person with their wallet and budget, so it lives above both.
class MeSerializer(PersonSerializer):
    is_hr = serializers.BooleanField()
    balance = serializers.SerializerMethodField(help_text="Points in the wallet, held included.")
    held = serializers.SerializerMethodField(
        help_text="Points reserved by pending holds (bids and entries in drawings)."
    )
    available = serializers.SerializerMethodField(help_text="What can be spent: balance - held.")
    budget_left = serializers.SerializerMethodField()

    class Meta(PersonSerializer.Meta):
        fields = [
            *PersonSerializer.Meta.fields, "is_hr", "balance", "held", "available", "budget_left",
        ]  # fmt: skip

    def _wallet(self, obj: User) -> selectors.WalletSummary:
        cache = self.context.setdefault("wallets", {})
        if obj.pk not in cache:
            cache[obj.pk] = selectors.wallet_summary(user=obj)
        return cache[obj.pk]

    def get_balance(self, obj: User) -> int:
        return self._wallet(obj).balance

    def get_held(self, obj: User) -> int:
        return self._wallet(obj).held

    def get_available(self, obj: User) -> int:
        return self._wallet(obj).available

    def get_budget_left(self, obj: User) -> int | None:
        return (
            selectors.balance_of(user=obj, kind=AccountKind.BUDGET)
            if obj.role == Role.SUPERVISOR
            else None
        )


class MeApi(APIView):
    @extend_schema(
        responses=MeSerializer, summary="Who I am, my balance and (supervisors) budget left"
    )
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(request.user).data)


class EntryListApi(ListAPIView):
    """My statement, newest first. Supervisors may ask for `?account=budget`."""

    serializer_class = EntrySerializer

    @extend_schema(
        parameters=[OpenApiParameter("account", str, enum=["wallet", "budget"], default="wallet")]
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Entry]:
        kind = self.request.query_params.get("account", AccountKind.WALLET)
        if kind not in (AccountKind.WALLET, AccountKind.BUDGET):
            raise InvalidInputError(fields={"account": ["Must be wallet or budget."]})
        user = self.request.user
        assert isinstance(user, User)
        return selectors.entries_of(user=user, kind=kind)


class TransactionViewSet(viewsets.GenericViewSet):
    """HR corrects mistakes by reversing a transaction (never by editing it)."""

    lookup_value_regex = r"\d+"

    permission_classes = [IsHR]
    serializer_class = TransactionSerializer
    queryset = Transaction.objects.prefetch_related("entries")

    @extend_schema(request=ReverseSerializer, responses={201: TransactionSerializer})
    @action(detail=True, methods=["post"])
    def reverse(self, request: Request, pk: str | None = None) -> Response:
        original = self.get_object()
        data = ReverseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assert isinstance(request.user, User)
        txn = services.transaction_reverse(
            original=original, actor=request.user, reason=data.validated_data["reason"]
        )
        return Response(TransactionSerializer(txn).data, status=status.HTTP_201_CREATED)


class AwardViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The recognition feed (everyone reads it) and awarding points (supervisors)."""

    lookup_value_regex = r"\d+"

    serializer_class = AwardSerializer

    def get_queryset(self) -> QuerySet[Award]:
        return selectors.recognition_feed()

    @extend_schema(
        request=AwardCreateSerializer,
        responses={201: AwardSerializer},
        parameters=[IDEMPOTENCY_HEADER],
        summary="Award points to a member of one of your teams",
    )
    def create(self, request: Request) -> Response:
        data = AwardCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        giver = request.user
        assert isinstance(giver, User)
        key = idempotency_key_from(request)

        def call() -> tuple[int, Any]:
            recipient = services.award_recipient(
                giver=giver, recipient_id=values["recipient"], reason_code=values["reason"]
            )
            if recipient is None:
                raise UnknownPersonError(extra={"field": "recipient"})
            reason = recipient.award_reason  # type: ignore[attr-defined]  # read with them
            if reason is None:
                raise UnknownReasonError(extra={"field": "reason"})
            award = services.award_create(
                giver=giver,
                recipient=recipient,
                reason=reason,
                points=values["points"],
                message=values["message"],
                idempotency_key=key,
            )
            return status.HTTP_201_CREATED, award_created_body(award)

        code, body, _replayed = services.idempotent_call(
            user=giver, key=key, scope="awards.create", payload=dict(values), call=call
        )
        return Response(body, status=code)


class AwardReasonViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """HR's published award criteria; everyone reads the published ones."""

    lookup_value_regex = r"\d+"

    serializer_class = AwardReasonSerializer
    permission_classes = [IsHROrReadOnly]
    pagination_class = None

    def get_queryset(self) -> QuerySet[AwardReason]:
        qs = AwardReason.objects.order_by("position", "code")
        return qs if getattr(self.request.user, "is_hr", False) else qs.filter(active=True)

    @extend_schema(request=AwardReasonWriteSerializer, responses={201: AwardReasonSerializer})
    def create(self, request: Request) -> Response:
        data = AwardReasonWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if AwardReason.objects.filter(code=data.validated_data["code"]).exists():
            raise InvalidInputError(fields={"code": ["A reason with this code exists."]})
        reason = services.award_reason_create(**data.validated_data)
        return Response(AwardReasonSerializer(reason).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AwardReasonWriteSerializer, responses=AwardReasonSerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        reason = self.get_object()
        data = AwardReasonWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        changes = {k: v for k, v in data.validated_data.items() if k != "code"}
        reason = services.award_reason_update(reason=reason, **changes)
        return Response(AwardReasonSerializer(reason).data)


class BudgetSerializer(serializers.Serializer):
    supervisor = PersonRefSerializer()
    amount = serializers.IntegerField(source="policy.amount", allow_null=True)
    mode = serializers.CharField(source="policy.mode", allow_null=True)
    rollover = serializers.BooleanField(source="policy.rollover", allow_null=True)
    active = serializers.BooleanField(source="policy.active", allow_null=True)
    left = serializers.IntegerField(help_text="Points left to award now.")
    current_period = serializers.SerializerMethodField()

    def get_current_period(self, obj: selectors.BudgetSummary) -> dict[str, Any] | None:
        period = obj.current_period
        if period is None:
            return None
        return {"start": period.period_start, "granted": period.granted, "lapsed": period.lapsed}


class BudgetWriteSerializer(serializers.Serializer):
    supervisor = IdField()
    amount = PointsField(min_value=0, max_value=10_000_000)
    mode = serializers.ChoiceField(choices=BudgetMode.choices, default=BudgetMode.FLAT)
    rollover = serializers.BooleanField(default=False)
    active = serializers.BooleanField(default=True)


class BudgetViewSet(viewsets.GenericViewSet):
    """Supervisors' budgets: HR sets the allowance; a supervisor sees their own and what is left."""

    lookup_value_regex = r"\d+"

    serializer_class = BudgetSerializer
    lookup_field = "supervisor"

    def get_permissions(self) -> list[Any]:
        if self.action == "create":
            return [IsHR()]
        return list(super().get_permissions())

    def _supervisors(self) -> QuerySet[User]:
        user = self.request.user
        qs = User.objects.filter(role=Role.SUPERVISOR).order_by("display_name", "id")
        return qs if getattr(user, "is_hr", False) else qs.filter(pk=user.pk or 0)

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self._supervisors())
        summaries = [selectors.budget_summary(supervisor=s) for s in page or []]
        return self.get_paginated_response(BudgetSerializer(summaries, many=True).data)

    def retrieve(self, request: Request, supervisor: str | None = None) -> Response:
        person = self._supervisors().filter(pk=int(supervisor or 0)).first()
        if person is None:
            raise NotFoundError()
        return Response(BudgetSerializer(selectors.budget_summary(supervisor=person)).data)

    @extend_schema(request=BudgetWriteSerializer, responses={200: BudgetSerializer})
    def create(self, request: Request) -> Response:
        """Create or change a supervisor's allowance (applies from the next period)."""
        data = BudgetWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        supervisor = User.objects.filter(pk=int(values.pop("supervisor"))).first()
        if supervisor is None:
            raise UnknownPersonError(extra={"field": "supervisor"})
        assert isinstance(request.user, User)
        services.budget_policy_set(supervisor=supervisor, actor=request.user, **values)
        return Response(BudgetSerializer(selectors.budget_summary(supervisor=supervisor)).data)
