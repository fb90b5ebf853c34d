"""REST API v1: the severity scale (/api/v1/severities/). Everyone signed in reads it; admins change it
(incidents.actions.scales): a stale ``version`` is 409, removing a level incidents use is 409 with their count."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view, inline_serializer
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from incidents import roles
from incidents.actions.scales import LevelConflict, LevelInUse, create_level, delete_level, update_level
from incidents.models import SeverityLevel

from .views import ERRORS

NOT_FOUND = OpenApiResponse(description="No severity level with this key.")
CONFLICT = inline_serializer("SeverityConflict", {
    "detail": serializers.CharField(),
    "current_version": serializers.IntegerField(required=False, help_text="With a stale version only."),
})
CONFLICT_RESPONSE = OpenApiResponse(CONFLICT, description="A stale `version` (someone else changed the level), or "
                                                          "removing a level incidents use (the detail counts them) "
                                                          "or the default level.")


def errors(*codes):
    return {code: NOT_FOUND if code == 404 else ERRORS[code] for code in codes}


class AdminWritesPermission(permissions.BasePermission):
    """Everyone signed in reads; admins write."""

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        return request.method in permissions.SAFE_METHODS or roles.is_admin(request.user)


class SeverityLevelSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1,
        help_text="The version a change is based on; a stale one is refused with 409 Conflict. Ignored on create.")

    class Meta:
        model = SeverityLevel
        fields = ["key", "label_ja", "label_en", "order", "color", "description", "default", "version"]
        validators = []  # the one default is the action's rule (it moves), not a uniqueness error
        extra_kwargs = {
            "key": {"help_text": "Slug (letters, digits, - and _), at most 20 characters; incidents store it, so it "
                                 "cannot change once created."},
            "label_ja": {"help_text": "Shown when the page is in Japanese (the English one if blank)."},
            "label_en": {"help_text": "Shown in English (the Japanese one if blank). One label at least."},
            "order": {"help_text": "Position in the scale, smaller first (the most severe first); unique."},
            "color": {"help_text": "Badge colour as #rrggbb."},
            "description": {"help_text": "When to choose this level; shown as help in the form."},
            "default": {"help_text": "New incidents get this level. Setting it takes it from the previous default; "
                                     "the default cannot be unset, only moved.", "validators": []},
        }

    def validate_key(self, value):
        if self.instance is not None and value != self.instance.key:
            raise ValidationError("The key of a level cannot change: incidents store it.")
        return value

    def create(self, validated_data):
        validated_data.pop("version", None)
        return _write(create_level, **validated_data)

    def update(self, level, validated_data):
        validated_data.pop("key", None)
        return _write(update_level, level, version=validated_data.pop("version", None), **validated_data)


def _write(function, *args, **kwargs):
    try:
        return function(*args, **kwargs)
    except DjangoValidationError as exc:
        raise ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}) from None


@extend_schema_view(
    list=extend_schema(summary="The severity scale, in order",
                       responses={200: SeverityLevelSerializer(many=True), **errors(401)}),
    retrieve=extend_schema(summary="One severity level", responses={200: SeverityLevelSerializer, **errors(401, 404)}),
    create=extend_schema(summary="Add a severity level (admins)",
                         responses={201: SeverityLevelSerializer, **errors(400, 401, 403, 413)}),
    update=extend_schema(summary="Replace a severity level (admins; the key stays)",
                         responses={200: SeverityLevelSerializer, 409: CONFLICT_RESPONSE,
                                    **errors(400, 401, 403, 404, 413)}),
    partial_update=extend_schema(summary="Change some fields of a severity level (admins)",
                                 responses={200: SeverityLevelSerializer, 409: CONFLICT_RESPONSE,
                                            **errors(400, 401, 403, 404, 413)}),
    destroy=extend_schema(summary="Remove a severity level no incident uses (admins)",
                          parameters=[OpenApiParameter("version", int, required=False,
                                                       description="The version the removal is based on (409 if stale).")],
                          responses={204: None, 409: CONFLICT_RESPONSE, **errors(401, 403, 404)}),
)
class SeverityLevelViewSet(viewsets.ModelViewSet):
    """The severity scale admins define: incidents' `severity` is one of its keys. Labels are bilingual; the
    colours style the badges (`/severities.css`)."""

    serializer_class = SeverityLevelSerializer
    permission_classes = [AdminWritesPermission]
    filter_backends = []
    pagination_class = None
    lookup_field = "key"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    queryset = SeverityLevel.objects.ordered()

    def get_queryset(self):
        return SeverityLevel.objects.ordered()

    def update(self, request, *args, **kwargs):
        try:
            return super().update(request, *args, **kwargs)
        except LevelConflict as conflict:
            return Response({"detail": str(conflict), "current_version": conflict.current_version},
                            status=status.HTTP_409_CONFLICT)

    def destroy(self, request, *args, **kwargs):
        level = self.get_object()
        version = request.query_params.get("version")
        if version is not None and not version.isdigit():
            raise ValidationError({"version": ["Must be a whole number."]})
        try:
            delete_level(level, version=int(version) if version else None)
        except LevelConflict as conflict:
            return Response({"detail": str(conflict), "current_version": conflict.current_version},
                            status=status.HTTP_409_CONFLICT)
        except LevelInUse as refused:
            return Response({"detail": str(refused)}, status=status.HTTP_409_CONFLICT)
        return Response(status=status.HTTP_204_NO_CONTENT)
