"""HR insights API: segments (paginated), the points economy and fairness; HR only."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import IsHR, Pagination
from people.models import EmploymentType

from .models import DEFAULT_WINDOW, WINDOWS, InsightsRun, PersonSegment, Segment
from .selectors import people_filter_parse, person_segment_list, run_latest_or_error, window_blob
from .services import insights_recompute_request

MONTHS = OpenApiParameter(
    "months",
    int,
    enum=list(WINDOWS),
    default=DEFAULT_WINDOW,
    description="The window in months (precomputed: 3, 6, 12, 24).",
)
NOT_COMPUTED = OpenApiResponse(description="`insights_not_computed`: no run exists yet (409).")


class EvidenceSerializer(serializers.Serializer):
    redemptions = serializers.IntegerField()
    redemptions_per_year = serializers.FloatField(allow_null=True)
    earned = serializers.IntegerField()
    monthly_earnings = serializers.FloatField(allow_null=True)
    median_days_to_redeem = serializers.FloatField(
        allow_null=True, help_text="Median days from the balance covering a price to the purchase."
    )
    quick_share = serializers.FloatField(allow_null=True)
    median_price_months = serializers.FloatField(allow_null=True)
    max_price_months = serializers.FloatField(allow_null=True)
    big_share = serializers.FloatField(allow_null=True)
    longest_saving_streak_days = serializers.IntegerField()
    balance_kept_months = serializers.FloatField(allow_null=True)
    balance_now = serializers.IntegerField()
    days_since_last_redemption = serializers.FloatField(allow_null=True)
    active_months = serializers.FloatField(allow_null=True)


class PersonSegmentSerializer(serializers.Serializer):
    username = serializers.CharField(source="person.username")
    display_name = serializers.CharField(source="person.name")
    team = serializers.IntegerField(source="person.team_id", allow_null=True)
    employment_type = serializers.ChoiceField(
        source="person.employment_type", choices=EmploymentType.choices
    )
    segment = serializers.ChoiceField(choices=Segment.choices)
    rule = serializers.CharField()
    evidence = EvidenceSerializer()


def _meta(run: InsightsRun, months: int) -> dict[str, Any]:
    return {"as_of": run.as_of, "computed_at": run.computed_at, "months": months}


class SegmentListApi(APIView):
    permission_classes = [IsHR]

    @extend_schema(
        operation_id="insights_segments_list",
        parameters=[
            MONTHS,
            OpenApiParameter("team", int, description="Only this team's members."),
            OpenApiParameter("segment", str, enum=Segment.values),
            OpenApiParameter("employment_type", str, enum=EmploymentType.values),
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int),
        ],
        responses={200: PersonSegmentSerializer(many=True), 409: NOT_COMPUTED},
    )
    def get(self, request: Request) -> Response:
        """Everyone's segment with its evidence, from the latest run (HR only)."""
        flt = people_filter_parse(request.query_params)
        run = run_latest_or_error()
        qs = person_segment_list(run=run, flt=flt)
        paginator = Pagination()
        page: list[PersonSegment] = paginator.paginate_queryset(qs, request, view=self) or []
        return paginator.get_paginated_response(PersonSegmentSerializer(page, many=True).data)


class EconomyApi(APIView):
    permission_classes = [IsHR]

    @extend_schema(
        operation_id="insights_economy",
        parameters=[MONTHS],
        responses={200: OpenApiTypes.OBJECT, 409: NOT_COMPUTED},
        description=(
            "The points economy of the window: `outstanding_now` (the company's liability), "
            "`flows` (issued vs redeemed per month, with the month's price index of paid vs base "
            "prices), `redemptions_per_person_year` (the original system saw 6), "
            "`award_to_spend_days_median`, `price_index_now` (a basket of active rewards "
            "weighted by redemptions in the window, current vs base prices, × 100), "
            "`most_wanted` and `unwanted` rewards."
        ),
    )
    def get(self, request: Request) -> Response:
        """The points economy (HR only)."""
        flt = people_filter_parse({"months": request.query_params.get("months")})
        run = run_latest_or_error()
        return Response({**_meta(run, flt.months), **window_blob(run, "economy", flt.months)})


class FairnessApi(APIView):
    permission_classes = [IsHR]

    @extend_schema(
        operation_id="insights_fairness",
        parameters=[MONTHS],
        responses={200: OpenApiTypes.OBJECT, 409: NOT_COMPUTED},
        description=(
            "Points per agent per month by team, supervisor and employment type: `people`, "
            "`mean`, `median`, `gini` per group, and `gaps` between groups. Groups of fewer "
            "than 5 people are suppressed: `suppressed: true` and null figures."
        ),
    )
    def get(self, request: Request) -> Response:
        """Fairness of awards between groups (HR only)."""
        flt = people_filter_parse({"months": request.query_params.get("months")})
        run = run_latest_or_error()
        blob = window_blob(run, "fairness", flt.months)
        return Response(
            {
                **_meta(run, flt.months),
                **blob,
                "segments_by_team": window_blob(run, "segments", flt.months).get("by_team", []),
            }
        )


class RecomputeApi(APIView):
    permission_classes = [IsHR]

    @extend_schema(
        operation_id="insights_recompute",
        request=None,
        responses={202: OpenApiResponse(description="Queued.")},
    )
    def post(self, request: Request) -> Response:
        """Queue a recomputation of every insight (HR only)."""
        insights_recompute_request()
        return Response({"status": "queued"}, status=status.HTTP_202_ACCEPTED)
