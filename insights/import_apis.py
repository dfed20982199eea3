"""API of the history import: HR uploads the old system's CSV and gets the report back."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import IsHR
from people.models import User

from .importing import ImportFileError, history_import

MAX_UPLOAD_BYTES = 50 * 1024 * 1024


def upload_read(upload: UploadedFile | None) -> bytes:
    """The uploaded file's bytes; a missing, empty or too large file is a 400 (shared with the
    HTML page)."""
    if upload is None:
        raise ImportFileError(_("Choose a CSV file to upload (field “file”)."))
    if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
        raise ImportFileError(
            _("The file is %(size).1f MB; at most 50 MB can be uploaded. Split it in parts.")
            % {"size": upload.size / 1024 / 1024},
            extra={"max_bytes": MAX_UPLOAD_BYTES},
        )
    return upload.read()


class _ErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="CSV line number (the header is line 1).")
    column = serializers.CharField(help_text="The column at fault; empty for the whole row.")
    code = serializers.CharField(
        help_text="required, invalid, no_offset, in_future, out_of_range, unknown_event, "
        "too_long, self_award, duplicate_id, duplicate_row, malformed, control_character, "
        "insufficient_balance"
    )
    message = serializers.CharField()


class _CreatedSerializer(serializers.Serializer):
    people = serializers.IntegerField()
    teams = serializers.IntegerField()
    rewards = serializers.IntegerField()


# A dict of fields, not a class body: a serializer's own `errors` attribute would shadow the
# report's `errors` field.
def _report_fields() -> dict[str, serializers.Field]:
    return {
        "ok": serializers.BooleanField(),
        "rows": serializers.IntegerField(help_text="Data rows in the file."),
        "imported": serializers.IntegerField(),
        "skipped": serializers.IntegerField(help_text="Rows imported before (same id or content)."),
        "created": _CreatedSerializer(),
        "errors": _ErrorSerializer(many=True),
        "errors_omitted": serializers.IntegerField(help_text="Errors beyond the first 1,000."),
    }


ImportReportSerializer = inline_serializer("HistoryImportReport", _report_fields())


_REJECTED = inline_serializer(
    "HistoryImportRejected",
    {
        "code": serializers.CharField(help_text="invalid_import, invalid_file or invalid"),
        "detail": serializers.CharField(),
        "extra": inline_serializer(
            "HistoryImportRejectedReport",
            _report_fields(),
            required=False,
            help_text="The report (invalid_import).",
        ),
        "fields": serializers.DictField(required=False),
    },
)


class HistoryImportApi(APIView):
    """Import the old system's history (awards and redemptions) from a CSV file: all or nothing."""

    permission_classes = [IsHR]
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="imports_history_create",
        summary="Import history from a CSV file",
        description=(
            "Multipart upload, field `file`: UTF-8 CSV with a header row and the columns id "
            "(optional), timestamp (ISO 8601 with offset), event (award|redemption), employee, "
            "employee_name, team, employment_type (permanent|agency), points, reward "
            "(redemptions), supervisor (awards), reason (optional). Every row is checked first; "
            "any bad row rejects the whole file (400 `invalid_import`, the report in `extra`). "
            "Rows imported before are skipped. At most 50 MB. HR only."
        ),
        request={
            "multipart/form-data": inline_serializer(
                "HistoryImportUpload", {"file": serializers.FileField()}
            )
        },
        responses={
            201: OpenApiResponse(ImportReportSerializer, description="Rows were imported."),
            200: OpenApiResponse(
                ImportReportSerializer, description="Every row had been imported before."
            ),
            400: OpenApiResponse(_REJECTED, description="Rejected; nothing was imported."),
            403: OpenApiResponse(description="Not HR."),
        },
        examples=[
            OpenApiExample(
                "Rejected",
                response_only=True,
                status_codes=["400"],
                value={
                    "code": "invalid_import",
                    "detail": "The file has errors; nothing was imported.",
                    "extra": {
                        "ok": False,
                        "rows": 2,
                        "imported": 0,
                        "skipped": 0,
                        "created": {"people": 0, "teams": 0, "rewards": 0},
                        "errors": [
                            {
                                "row": 3,
                                "column": "points",
                                "code": "invalid",
                                "message": "Points must be a whole number, got “ten”.",
                            }
                        ],
                        "errors_omitted": 0,
                    },
                },
            )
        ],
    )
    def post(self, request: Request) -> Response:
        assert isinstance(request.user, User)
        report: dict[str, Any] = history_import(
            data=upload_read(request.FILES.get("file")), actor=request.user
        )
        code = status.HTTP_201_CREATED if report["imported"] else status.HTTP_200_OK
        return Response(report, status=code)
