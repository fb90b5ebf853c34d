"""REST API v1: thin views over the incident document, the shared filters and the domain queries."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, Q
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .filters import IncidentFilter
from .models import Incident, Service, Tag
from .serializers import IncidentSerializer
from .services import VersionConflict


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
}
CONFLICT = inline_serializer(
    "VersionConflict", {"detail": serializers.CharField(), "current_version": serializers.IntegerField()}
)


def errors(*codes):
    return {code: ERRORS[code] for code in codes}


@extend_schema_view(
    list=extend_schema(
        summary="List incidents, newest first",
        responses={200: IncidentSerializer(many=True), **errors(400, 401), 404: OpenApiResponse(description="Page past the end.")},
    ),
    retrieve=extend_schema(summary="One incident with all its children", responses={200: IncidentSerializer, **errors(401, 404)}),
    create=extend_schema(
        summary="Create an incident (only title is required)",
        responses={201: IncidentSerializer, **errors(400, 401, 403, 413)},
    ),
    update=extend_schema(
        summary="Replace an incident; child lists present replace the stored ones",
        responses={200: IncidentSerializer, 409: CONFLICT, **errors(400, 401, 403, 404, 413)},
    ),
    partial_update=extend_schema(
        summary="Change some fields; child lists present replace the stored ones",
        responses={200: IncidentSerializer, 409: CONFLICT, **errors(400, 401, 403, 404, 413)},
    ),
    destroy=extend_schema(summary="Delete an incident", responses={204: None, **errors(401, 403, 404)}),
)
class IncidentViewSet(viewsets.ModelViewSet):
    serializer_class = IncidentSerializer
    filterset_class = IncidentFilter
    pagination_class = Pagination
    permission_classes = [RolePermission]
    lookup_value_regex = r"\d+"
    queryset = Incident.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        return Incident.objects.visible_to(self.request.user).for_document().newest_first()

    def update(self, request, *args, **kwargs):
        try:
            return super().update(request, *args, **kwargs)
        except VersionConflict as conflict:
            return Response(
                {"detail": str(conflict), "current_version": conflict.current_version}, status=status.HTTP_409_CONFLICT
            )


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
    """DRF's handler, plus model-level ValidationErrors as 400s (they never become 500s)."""
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = ValidationError(detail)
    return drf_exception_handler(exc, context)
