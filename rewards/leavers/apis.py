"""Leavers' API (HR only): the leavers and their points, the policy, settling one by hand.

The same services as the page (`/hr/leavers/`)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import IsHR
from core.errors import InvalidInputError
from people.models import User

from ..errors import UnknownLeaverError
from ..models import LeaverMode, LeaverPolicy, LeaverSettlement
from .selectors import LeaverRow, leavers_overview
from .services import leaver_policy_get, leaver_policy_set, leaver_settle


def _user(request: Request) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


class LeaverPolicySerializer(serializers.ModelSerializer):
    class Meta:
        model = LeaverPolicy
        fields = ["mode", "grace_days", "convert_reward", "updated_at"]


class LeaverPolicyWriteSerializer(serializers.Serializer):
    """Checked by the service (exact JSON types: a string is not a number)."""

    mode = serializers.ChoiceField(choices=LeaverMode.choices)
    grace_days = serializers.JSONField(help_text="Whole days, 0 to 365 (mode 'keep').")
    convert_reward = serializers.JSONField(
        required=False, allow_null=True, help_text="A reward's id (mode 'convert')."
    )


class LeaverSettlementSerializer(serializers.ModelSerializer):
    class Meta:
        model = LeaverSettlement
        fields = [
            "id", "person", "end_date", "mode", "lapsed", "converted", "reward", "units",
            "held_left", "settled_by", "settled_at",
        ]  # fmt: skip


class LeaverRowSerializer(serializers.Serializer):
    person = serializers.IntegerField(source="person.pk")
    name = serializers.CharField(source="person.name")
    employment_type = serializers.CharField(source="person.employment_type")
    is_active = serializers.BooleanField(source="person.is_active")
    end_date = serializers.DateField()
    balance = serializers.IntegerField()
    held = serializers.IntegerField()
    available = serializers.IntegerField()
    pending_redemptions = serializers.IntegerField()
    settle_on = serializers.DateField(help_text="When the daily job settles the points.")
    settlement = LeaverSettlementSerializer(allow_null=True)


class LeaversSerializer(serializers.Serializer):
    policy = LeaverPolicySerializer()
    upcoming = LeaverRowSerializer(many=True)
    past = LeaverRowSerializer(many=True)


def _rows(rows: list[LeaverRow]) -> Any:
    return LeaverRowSerializer(rows, many=True).data


class LeaverListApi(APIView):
    """Everyone with a last working day ahead, and those who left in the last six months."""

    permission_classes = [IsHR]

    @extend_schema(responses=LeaversSerializer)
    def get(self, request: Request) -> Response:
        upcoming, past = leavers_overview()
        return Response(
            {
                "policy": LeaverPolicySerializer(leaver_policy_get()).data,
                "upcoming": _rows(upcoming),
                "past": _rows(past),
            }
        )


class LeaverPolicyApi(APIView):
    """HR's policy for a leaver's unspent points (GET), and saving it (PUT)."""

    permission_classes = [IsHR]

    @extend_schema(responses=LeaverPolicySerializer)
    def get(self, request: Request) -> Response:
        return Response(LeaverPolicySerializer(leaver_policy_get()).data)

    @extend_schema(request=LeaverPolicyWriteSerializer, responses=LeaverPolicySerializer)
    def put(self, request: Request) -> Response:
        data = request.data
        if not isinstance(data, dict):
            raise InvalidInputError(fields={"non_field_errors": ["Send a JSON object."]})
        policy = leaver_policy_set(
            actor=_user(request),
            mode=data.get("mode"),  # type: ignore[arg-type]
            grace_days=data.get("grace_days"),
            convert_reward_id=data.get("convert_reward"),
        )
        return Response(LeaverPolicySerializer(policy).data)


class LeaverSettleApi(APIView):
    """Settle one leaver's free points now under the policy (after the last working day)."""

    permission_classes = [IsHR]

    @extend_schema(request=None, responses=LeaverSettlementSerializer)
    def post(self, request: Request, pk: int) -> Response:
        person = User.objects.filter(pk=pk).first()
        if person is None:
            raise UnknownLeaverError()
        settlement = leaver_settle(person=person, actor=_user(request))
        return Response(LeaverSettlementSerializer(settlement).data)
