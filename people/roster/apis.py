"""Roster sync API: HR uploads the HR system's roster, reads the preview, applies it."""

from __future__ import annotations

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import IsHR
from core.schema import ErrorSerializer

from ..errors import RosterFileError, RosterImportNotFoundError
from ..models import RosterImport, RosterImportMode, User
from .planning import plan_counts
from .services import MAX_UPLOAD_BYTES, roster_import_apply, roster_preview_create


def upload_read(upload: UploadedFile | None) -> bytes:
    """The uploaded roster's bytes; a missing, empty or too large file is a 400 (the HTML page
    shares it)."""
    if upload is None:
        raise RosterFileError(_("Choose a CSV file to upload (field “file”)."))
    if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
        raise RosterFileError(
            _("The file is %(size).1f MB; a roster can be at most 5 MB.")
            % {"size": upload.size / 1024 / 1024},
            extra={"max_bytes": MAX_UPLOAD_BYTES},
        )
    return upload.read()


class _PersonRef(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "display_name"]


class RosterImportSerializer(serializers.ModelSerializer):
    created_by = _PersonRef(read_only=True, allow_null=True)
    applied_by = _PersonRef(read_only=True, allow_null=True)
    counts = serializers.SerializerMethodField()
    plan = serializers.JSONField(
        read_only=True,
        help_text="new, changed (changes: field → [old, new]), leaving, unchanged, skipped "
        "(joiners who left before), teams_created, leaders (per team: add / remove), notes.",
    )

    class Meta:
        model = RosterImport
        fields = [
            "id", "created_at", "created_by", "filename", "sha256", "mode", "status",
            "applied_at", "applied_by", "counts", "plan",
        ]  # fmt: skip

    def get_counts(self, obj: RosterImport) -> dict[str, int]:
        return plan_counts(obj.plan)


class RosterUploadSerializer(serializers.Serializer):
    file = serializers.FileField(required=False)
    mode = serializers.ChoiceField(
        choices=RosterImportMode.choices, default=RosterImportMode.PARTIAL
    )


_ROWS = inline_serializer(
    "RosterInvalid",
    {
        "code": serializers.CharField(help_text="roster_invalid, roster_file_invalid or invalid"),
        "detail": serializers.CharField(),
        "extra": inline_serializer(
            "RosterInvalidRows",
            {
                "rows": inline_serializer(
                    "RosterRowError",
                    {
                        "row": serializers.IntegerField(help_text="CSV line (header is 1)."),
                        "column": serializers.CharField(),
                        "code": serializers.CharField(),
                        "message": serializers.CharField(),
                    },
                    many=True,
                ),
                "rows_omitted": serializers.IntegerField(
                    help_text="Problems beyond the first 1,000."
                ),
            },
            required=False,
        ),
        "fields": serializers.DictField(required=False),
    },
)


def _get(pk: int) -> RosterImport:
    found = RosterImport.objects.select_related("created_by", "applied_by").filter(pk=pk).first()
    if found is None:
        raise RosterImportNotFoundError()
    return found


class RosterImportListCreateApi(APIView):
    """Upload a roster (a preview is stored; nothing about people changes) or list the uploads."""

    permission_classes = [IsHR]
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="roster_imports_list",
        summary="Roster uploads, newest first (the last 50)",
        responses={200: RosterImportSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        imports = RosterImport.objects.select_related("created_by", "applied_by")[:50]
        return Response(RosterImportSerializer(imports, many=True).data)

    @extend_schema(
        operation_id="roster_imports_create",
        summary="Upload a roster and get the preview",
        description=(
            "Multipart: `file` (UTF-8 CSV, comma or semicolon; columns employee_id, name, email, "
            "and optionally team, supervisors (employee ids separated by ; or |), "
            "employment_type (permanent|agency), start_date, end_date) and `mode` (partial: only "
            "the people in the file; full: everyone with an employee id who is not in the file "
            "is leaving today). Every row is checked: any bad row → 400 `roster_invalid` with "
            "every problem in `extra.rows`, nothing stored. Otherwise the preview is stored and "
            "returned (201); apply it with `POST …/{id}/apply/`. HR only."
        ),
        request={"multipart/form-data": RosterUploadSerializer},
        responses={
            201: RosterImportSerializer,
            400: OpenApiResponse(_ROWS, description="Refused; nothing was stored or changed."),
        },
    )
    def post(self, request: Request) -> Response:
        assert isinstance(request.user, User)
        form = RosterUploadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        upload = request.FILES.get("file")
        roster_import = roster_preview_create(
            data=upload_read(upload),
            mode=form.validated_data["mode"],
            filename=upload.name or "" if upload is not None else "",
            actor=request.user,
        )
        return Response(RosterImportSerializer(roster_import).data, status=status.HTTP_201_CREATED)


class RosterImportDetailApi(APIView):
    permission_classes = [IsHR]

    @extend_schema(
        operation_id="roster_imports_retrieve",
        summary="One roster upload and its preview",
        responses={200: RosterImportSerializer},
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(RosterImportSerializer(_get(pk)).data)


class RosterImportApplyApi(APIView):
    permission_classes = [IsHR]

    @extend_schema(
        operation_id="roster_imports_apply",
        summary="Apply a previewed roster (all or nothing)",
        description=(
            "Plans the stored file again against the people as they are now: if that is not the "
            "plan of the preview, 409 `roster_preview_stale` and nothing changes (upload the file "
            "again). An import is applied once: a second apply is 409 `roster_already_applied`. "
            "Applying the same file again in a new upload changes nothing. HR only."
        ),
        request=None,
        responses={
            200: RosterImportSerializer,
            409: OpenApiResponse(ErrorSerializer, description="Stale preview, or applied before."),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        assert isinstance(request.user, User)
        applied = roster_import_apply(roster_import=_get(pk), actor=request.user)
        return Response(RosterImportSerializer(applied).data)
