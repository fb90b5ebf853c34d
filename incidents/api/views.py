"""REST API v1: thin views over the incident document, the shared filters and the domain queries."""

import logging

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, Prefetch, Q
from django.utils.decorators import method_decorator
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from incidents import export as exports
from incidents import outages, recurrence, search
from incidents.conditional import conditional, keep
from incidents.actions import exports as export_files
from incidents.actions.deletions import delete_incident, delete_meeting
from incidents.actions.incidents import VersionConflict
from incidents.filters import IncidentFilter
from incidents.models import ActionItem, AgendaItem, Incident, Retrospective, Service, Tag

from .idempotency import HEADER as IDEMPOTENCY_HEADER
from .idempotency import IdempotentCreateMixin
from .references import INCIDENT_ID_REGEX, incident_number
from .serializers import IncidentSerializer, RetrospectiveSerializer

log = logging.getLogger(__name__)


class RolePermission(permissions.DjangoModelPermissions):
    """Signed-in users read; writing needs the editor role's add/change/delete permissions."""


class Pagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isdigit() or not 1 <= int(raw) <= self.max_page_size:
            raise ValidationError({"page_size": [f"Must be a whole number from 1 to {self.max_page_size}."]})
        return int(raw)

    def paginate_queryset(self, queryset, request, view=None):
        raw = request.query_params.get(self.page_query_param)
        if raw is not None and (not raw.isdigit() or int(raw) < 1):
            raise ValidationError({"page": ["Must be a whole number from 1."]})
        return super().paginate_queryset(queryset, request, view)


ERRORS = {
    400: OpenApiResponse(description="Invalid input: field-level messages keyed by field name."),
    401: OpenApiResponse(description="Not signed in: session or `Authorization: Token <key>` required."),
    403: OpenApiResponse(description="Signed in, but the role may not do this."),
    404: OpenApiResponse(description="No such incident, or not visible to this user."),
    413: OpenApiResponse(description="Request body larger than the configured limit."),
    422: OpenApiResponse(description="The Idempotency-Key was already used with a different request body."),
    503: OpenApiResponse(description="The search index is being built or repaired, the database is unavailable or "
                                     "the storage is full: try again after Retry-After seconds."),
}
IDEMPOTENCY = OpenApiParameter(
    IDEMPOTENCY_HEADER, str, OpenApiParameter.HEADER, required=False,
    description="Any unique string (e.g. a UUID). A retry with the same key returns the first response and creates "
                "nothing new; keys are kept 24 h per user.",
)
CONFLICT = inline_serializer(
    "VersionConflict", {"detail": serializers.CharField(), "current_version": serializers.IntegerField()}
)


def errors(*codes):
    return {code: ERRORS[code] for code in codes}


class SimilarSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    title = serializers.CharField()
    score = serializers.FloatField()
    reasons = serializers.ListField(child=serializers.CharField())


class RecurrenceItemSerializer(serializers.Serializer):
    title = serializers.CharField()
    kind = serializers.ChoiceField(choices=["prevent", "mitigate"])
    status = serializers.ChoiceField(choices=ActionItem.Status.values)
    due_date = serializers.DateField(allow_null=True)
    url = serializers.CharField(help_text="The action item's own link (issue, ticket), or \"\".")


class RecurrenceSerializer(serializers.Serializer):
    reference = serializers.CharField(help_text="The earlier similar incident, e.g. INC-12.")
    action_items = RecurrenceItemSerializer(many=True, help_text="Its action items meant to prevent or mitigate.")


class FileExportMixin:
    # ``export`` actions answer with a file. Their ``?format=`` names the file format (md, html, pdf), not a
    # DRF renderer, so content negotiation is skipped for them; their errors are JSON like everywhere else.

    def perform_content_negotiation(self, request, force=False):
        if self.action == "export":
            return JSONRenderer(), JSONRenderer.media_type
        return super().perform_content_negotiation(request, force)

    def file_response(self, make):
        try:
            return make(self.request.query_params.get("format", "md")).response()
        except exports.UnknownFormat as exc:  # raised before any work is done
            raise ValidationError({"format": [str(exc)]}) from None


def export_schema(summary, formats, parameters=()):
    media_types = [exports.FORMATS[fmt].split(";")[0] for fmt in formats]
    return extend_schema(
        summary=summary,
        parameters=[OpenApiParameter("format", str, enum=list(formats), default="md", description="File format."),
                    *parameters],
        responses={
            (200, *media_types): OpenApiResponse(
                OpenApiTypes.BINARY, description="The file, with a Content-Disposition naming it."
            ),
            **{(code, "application/json"): ERRORS[code] for code in (400, 401, 404)},
        },
    )


@extend_schema_view(
    list=extend_schema(
        summary="List incidents, newest first",
        responses={200: IncidentSerializer(many=True), **errors(400, 401), 404: OpenApiResponse(description="Page past the end.")},
    ),
    retrieve=extend_schema(summary="One incident with all its children", responses={200: IncidentSerializer, **errors(401, 404)}),
    create=extend_schema(
        summary="Create an incident (only title is required)",
        parameters=[IDEMPOTENCY],
        responses={201: IncidentSerializer, **errors(400, 401, 403, 413, 422)},
    ),
    update=extend_schema(
        summary="Replace an incident; a child list present becomes the stored one (rows kept by id)",
        responses={200: IncidentSerializer, 409: CONFLICT, **errors(400, 401, 403, 404, 413)},
    ),
    partial_update=extend_schema(
        summary="Change some fields; a child list present becomes the stored one (rows kept by id)",
        responses={200: IncidentSerializer, 409: CONFLICT, **errors(400, 401, 403, 404, 413)},
    ),
    destroy=extend_schema(summary="Delete an incident", responses={204: None, **errors(401, 403, 404)}),
)
class IncidentViewSet(IdempotentCreateMixin, FileExportMixin, viewsets.ModelViewSet):
    serializer_class = IncidentSerializer
    filterset_class = IncidentFilter
    pagination_class = Pagination
    permission_classes = [RolePermission]
    lookup_value_regex = INCIDENT_ID_REGEX  # 11 or INC-11, as the pages show it
    queryset = Incident.objects.none()  # for the schema; requests use get_queryset

    def get_object(self):
        self.kwargs[self.lookup_field] = incident_number(self.kwargs[self.lookup_field])
        return super().get_object()

    @method_decorator(conditional("document", "pk"))
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        return keep(super().finalize_response(request, response, *args, **kwargs))

    def get_queryset(self):
        visible = Incident.objects.visible_to(self.request.user)
        if self.action in ("similar", "export"):  # the index's stored document; the export reads the document itself
            return visible
        return visible.for_document().newest_first()

    @extend_schema(
        summary="The incidents most like this one, with the reasons why",
        description="`recurrence`: the similar incidents that started before this one and have action items "
                    "meant to prevent or mitigate (kind `prevent` or `mitigate`), with those items and their state, "
                    "most similar first (incidents.recurrence).",
        responses={200: inline_serializer("SimilarIncidents", {
            "results": SimilarSerializer(many=True),
            "recurrence": RecurrenceSerializer(many=True)}), **errors(401, 404, 503)},
    )
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def similar(self, request, pk=None):
        incident = self.get_object()
        results = search.similar(incident, request.user, limit=5)
        found = recurrence.recurrence(incident, request.user, results)
        return Response({"results": results, "recurrence": RecurrenceSerializer(
            [{"reference": other.incident.reference, "action_items": other.preventive} for other in found],
            many=True).data})

    @export_schema("The write-up as a file, in the order of the SRE postmortem template", exports.INCIDENT_FORMATS,
                   [OpenApiParameter("tz", str, description="Time zone of the file's times (IANA name, e.g. UTC); "
                                                            "default: the server's display time zone.")])
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def export(self, request, pk=None):
        incident = self.get_object()
        try:
            zone = exports.time_zone_named(request.query_params.get("tz", ""))
        except exports.UnknownTimeZone as exc:
            raise ValidationError({"tz": [str(exc)]}) from None
        return self.file_response(lambda fmt: export_files.incident_file(incident, request.user, fmt, via="api",
                                                                          time_zone=zone))

    def update(self, request, *args, **kwargs):
        try:
            return super().update(request, *args, **kwargs)
        except VersionConflict as conflict:
            return Response(
                {"detail": str(conflict), "current_version": conflict.current_version}, status=status.HTTP_409_CONFLICT
            )

    def perform_destroy(self, incident):
        delete_incident(incident, by=self.request.user)


@extend_schema_view(
    list=extend_schema(summary="List retrospective meetings, newest first",
                       responses={200: RetrospectiveSerializer(many=True), **errors(400, 401),
                                  404: OpenApiResponse(description="Page past the end.")}),
    retrieve=extend_schema(summary="One meeting with its agenda", responses={200: RetrospectiveSerializer, **errors(401, 404)}),
    create=extend_schema(summary="Create a meeting", parameters=[IDEMPOTENCY],
                         responses={201: RetrospectiveSerializer, **errors(400, 401, 403, 413, 422)}),
    update=extend_schema(summary="Replace a meeting; an agenda present replaces the stored one",
                         responses={200: RetrospectiveSerializer, **errors(400, 401, 403, 404, 413)}),
    partial_update=extend_schema(summary="Change some fields of a meeting",
                                 responses={200: RetrospectiveSerializer, **errors(400, 401, 403, 404, 413)}),
    destroy=extend_schema(summary="Delete a meeting", responses={204: None, **errors(401, 403, 404)}),
)
class RetrospectiveViewSet(IdempotentCreateMixin, FileExportMixin, viewsets.ModelViewSet):
    """Retrospective meetings: everyone signed in reads them (agenda incidents they may not see are left
    out), editors write them."""

    serializer_class = RetrospectiveSerializer
    pagination_class = Pagination
    permission_classes = [RolePermission]
    filterset_class = None
    lookup_value_regex = r"\d+"
    queryset = Retrospective.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        shown = AgendaItem.objects.filter(incident__in=Incident.objects.visible_to(self.request.user)).select_related("incident")
        return Retrospective.objects.newest_first().prefetch_related(Prefetch("agenda", queryset=shown))

    @export_schema("The meeting's pack as a file", exports.PACK_FORMATS)
    @action(detail=True, methods=["get"], pagination_class=None)
    def export(self, request, pk=None):
        meeting = self.get_object()
        return self.file_response(lambda fmt: export_files.meeting_file(meeting, request.user, fmt, via="api"))

    def perform_destroy(self, meeting):
        delete_meeting(meeting, by=self.request.user)


class LabelCountSerializer(serializers.Serializer):
    name = serializers.CharField()
    incident_count = serializers.IntegerField()


class LabelViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Names with how many incidents (that you may see) carry them, most used first."""

    serializer_class = LabelCountSerializer
    pagination_class = None
    model = None

    def get_queryset(self):
        visible = Incident.objects.visible_to(self.request.user)
        return (
            self.model.objects.annotate(incident_count=Count("incidents", filter=Q(incidents__in=visible), distinct=True))
            .filter(incident_count__gt=0)
            .order_by("-incident_count", "name")
        )

    @extend_schema(responses={200: LabelCountSerializer(many=True), **errors(401)})
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)


class TagViewSet(LabelViewSet):
    model = Tag
    queryset = Tag.objects.none()


class ServiceViewSet(LabelViewSet):
    model = Service
    queryset = Service.objects.none()


def exception_handler(exc, context):
    """DRF's handler, plus model-level ValidationErrors as 400s (they never become 500s), and 503 with
    Retry-After while the search index is being built or repaired, the database is unavailable or the
    storage is full (incidents.outages decides which errors those are; pages answer them alike)."""
    outage = outages.classify(exc)
    if outage is not None:
        outages.log_refused(log, context.get("request"), outage, exc)
        return Response({"detail": str(outages.MESSAGES[outage])}, status=status.HTTP_503_SERVICE_UNAVAILABLE,
                        headers={"Retry-After": str(outages.retry_after())})
    if isinstance(exc, search.SearchUnavailable):
        response = Response({"detail": "Search is being rebuilt; try again shortly."},
                            status=status.HTTP_503_SERVICE_UNAVAILABLE)
        response["Retry-After"] = str(exc.retry_after)
        return response
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = ValidationError(detail)
    return drf_exception_handler(exc, context)
