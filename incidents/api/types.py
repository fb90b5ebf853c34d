"""REST API v1: incident types (/api/v1/incident-types/), their section templates and custom fields. Everyone
signed in reads them; admins write them (incidents.actions.types). A stale ``version`` answers 409."""

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.response import Response

from incidents import roles
from incidents.actions import types as actions
from incidents.models import CustomField, IncidentType
from incidents.models.types import KEY_VALIDATOR, SECTION_KEYS

from .serializers import field_errors
from .views import ERRORS

NOT_FOUND = OpenApiResponse(description="No incident type with this key.")
CONFLICT = OpenApiResponse(description="The type changed since `version` was read: read it again and retry.")


def errors(*codes):
    return {code: NOT_FOUND if code == 404 else CONFLICT if code == 409 else ERRORS[code] for code in codes}


class AdminWrites(permissions.IsAuthenticated):
    """Signed-in users read; admins write."""

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        return request.method in permissions.SAFE_METHODS or roles.is_admin(request.user)


class SectionSerializer(serializers.Serializer):
    key = serializers.ChoiceField(choices=SECTION_KEYS, help_text=(
        "One of the incident's sections; `mitigate` and `prevent` are the action items of that kind "
        "(e.g. 暫定対策 / 恒久対策)."))
    heading_ja = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    heading_en = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    prompt_ja = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    prompt_en = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class CustomFieldSerializer(serializers.ModelSerializer):
    key = serializers.CharField(max_length=50, validators=[KEY_VALIDATOR])
    choices = serializers.ListField(child=serializers.CharField(max_length=200), required=False, max_length=200,
                                    help_text="The choices of a choice or multi_choice field.")
    retired = serializers.BooleanField(required=False, default=False, help_text=(
        "A retired field is off the form; incidents keep its values (shown as retired fields and in exports). "
        "A field left out of a write is retired too."))
    convert = serializers.BooleanField(required=False, write_only=True, default=False, help_text=(
        "Convert stored values when `kind` changes (text→choice, text→markdown, number→text, choice→text, "
        "choice→multi_choice). Without it a kind change is refused while incidents have values."))

    class Meta:
        model = CustomField
        fields = ["key", "label_ja", "label_en", "kind", "choices", "unit", "required", "help_ja", "help_en",
                  "retired", "convert"]


class IncidentTypeSerializer(serializers.ModelSerializer):
    key = serializers.CharField(max_length=50, validators=[KEY_VALIDATOR])
    sections = SectionSerializer(many=True, required=False, help_text=(
        "The sections the incident page and edit page show, in order, with their headings and prompts."))
    fields = CustomFieldSerializer(source="custom_fields", many=True, required=False, help_text=(
        "The custom fields in form order. Written, it is the whole list: fields left out are retired."))
    version = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1, help_text=(
        "The version this write is based on; a stale one is refused with 409 Conflict."))

    class Meta:
        model = IncidentType
        fields = ["key", "name_ja", "name_en", "order", "sections", "fields", "version"]

    def validate_key(self, value):
        if self.instance is not None and value != self.instance.key:
            raise serializers.ValidationError("The key of a type cannot change.")
        return value


def _document(validated):
    data = dict(validated)
    if "custom_fields" in data:
        data["fields"] = [dict(row) for row in data.pop("custom_fields")]
    if "sections" in data:
        data["sections"] = [dict(section) for section in data["sections"]]
    return data


@extend_schema_view(
    list=extend_schema(summary="List incident types", responses={200: IncidentTypeSerializer(many=True), **errors(401)}),
    retrieve=extend_schema(summary="One incident type", responses={200: IncidentTypeSerializer, **errors(401, 404)}),
    create=extend_schema(summary="Create an incident type (admins)",
                         responses={201: IncidentTypeSerializer, **errors(400, 401, 403, 413)}),
    update=extend_schema(summary="Replace an incident type (admins)",
                         responses={200: IncidentTypeSerializer, **errors(400, 401, 403, 404, 409, 413)}),
    partial_update=extend_schema(summary="Change some of an incident type (admins)",
                                 responses={200: IncidentTypeSerializer, **errors(400, 401, 403, 404, 409, 413)}),
)
class IncidentTypeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                          mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """Incident types: each a section template and custom fields (kinds: text, markdown, number, choice,
    multi_choice, date, datetime, user, url). An incident names its type by key (`"type"`) and holds the fields'
    values in `"fields"`."""

    serializer_class = IncidentTypeSerializer
    permission_classes = [AdminWrites]
    pagination_class = None
    filter_backends = []
    lookup_field = "key"
    lookup_value_regex = r"[-a-z0-9_]+"
    queryset = IncidentType.objects.prefetch_related("custom_fields")

    def perform_create(self, serializer):
        serializer.instance = self._save(IncidentType(), serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = self._save(serializer.instance, serializer.validated_data)

    def _save(self, incident_type, validated):
        data = _document(validated)
        expected = data.pop("version", None)
        try:
            saved = actions.save_type(incident_type, data, expected_version=expected, by=self.request.user)
        except actions.TypeInvalid as exc:
            raise serializers.ValidationError(field_errors(exc.errors)) from None
        return IncidentType.objects.prefetch_related("custom_fields").get(pk=saved.pk)

    def update(self, request, *args, **kwargs):
        try:
            return super().update(request, *args, **kwargs)
        except actions.TypeConflict as conflict:
            return Response({"detail": str(conflict), "current_version": conflict.current_version},
                            status=status.HTTP_409_CONFLICT)
