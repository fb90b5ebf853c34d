"""POST /api/v1/imports/: import Markdown postmortems uploaded as ``.md``/``.markdown`` files or ``.zip``
archives of them (incidents.imports). Editors only; the review gate applies (a status the user may not set
is left out with a warning). Each file is its own transaction, so the answer is 200 whenever the upload
itself could be read, with a per-file report saying which files failed; a dry run writes nothing.

Bodies up to POSTMORTEM_MAX_UPLOAD_BYTES are accepted here (incidents.web.middleware), not only
POSTMORTEM_MAX_BODY_BYTES."""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import RequestDataTooBig, TooManyFilesSent
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import parsers, permissions, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from incidents.imports.files import SourceError, from_upload
from incidents.actions.imports import OUTCOMES, import_sources
from incidents.models import Status

from .views import errors

@extend_schema_field(OpenApiTypes.BINARY)
class UploadField(serializers.FileField):
    """An uploaded file, documented as binary (a plain FileField is a string here, as the request and
    response schemas are not split)."""


class ImportRequestSerializer(serializers.Serializer):
    file = serializers.ListField(
        child=UploadField(allow_empty_file=True), allow_empty=False, max_length=100,
        help_text="One or more files (repeat the part): .md or .markdown write-ups, or .zip archives of them.",
    )
    dry_run = serializers.BooleanField(required=False, default=False,
                                       help_text="Read and check everything; write nothing.")
    status = serializers.ChoiceField(choices=Status.choices, required=False,
                                     help_text="Status of every imported incident (default: the file's own, else "
                                               "draft). One the user may not set is left out with a warning.")
    time_zone = serializers.CharField(required=False, max_length=64,
                                      help_text="IANA zone of times that state none (default: the server's).")

    def validate_time_zone(self, value):
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise serializers.ValidationError(f"“{value}” is not a known time zone (e.g. UTC, Asia/Tokyo).") from None
        return value


class FileReportSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="The file, as uploaded (a zip's members as zip/member.md).")
    outcome = serializers.ChoiceField(choices=[(outcome, outcome) for outcome in OUTCOMES])
    reference = serializers.CharField(allow_null=True, help_text="INC-n of the incident, when there is one.")
    format = serializers.CharField(allow_null=True, help_text="postmortem, front-matter or sre; null if unread.")
    problems = serializers.ListField(child=serializers.CharField(), help_text='Why it failed: "name: line N: …".')
    warnings = serializers.ListField(child=serializers.CharField(),
                                     help_text="What was guessed, left out or kept elsewhere.")


class ImportCountsSerializer(serializers.Serializer):
    imported = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    failed = serializers.IntegerField()


class ImportReportSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField()
    summary = serializers.CharField()
    counts = ImportCountsSerializer()
    files = FileReportSerializer(many=True)


class CanImport(permissions.BasePermission):
    """Editors: adding and changing incidents."""

    def has_permission(self, request, view):
        return request.user.is_authenticated and request.user.has_perms(
            ["incidents.add_incident", "incidents.change_incident"])


class ImportView(APIView):
    permission_classes = [CanImport]
    parser_classes = [parsers.MultiPartParser]

    @extend_schema(
        summary="Import Markdown postmortems (.md, .markdown, or .zip archives of them)",
        request={"multipart/form-data": ImportRequestSerializer},
        responses={200: ImportReportSerializer, **errors(400, 401, 403, 413)},
    )
    def post(self, request):
        try:
            serializer = ImportRequestSerializer(data=request.data)
        except RequestDataTooBig:  # form fields beside the files over POSTMORTEM_MAX_BODY_BYTES
            return Response({"detail": "The form fields are larger than the limit."},
                            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        except TooManyFilesSent as exc:
            raise ValidationError({"file": [str(exc)]}) from None
        serializer.is_valid(raise_exception=True)
        options = serializer.validated_data
        sources = []
        for upload in options["file"]:
            try:
                sources += from_upload(upload.name, upload.read())
            except SourceError as exc:
                raise ValidationError({"file": [str(exc)]}) from None
        report = import_sources(sources, user=request.user, status=options.get("status"), dry_run=options["dry_run"],
                                time_zone=options.get("time_zone"), review_gate=True)
        return Response(report.as_dict())
