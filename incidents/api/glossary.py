"""REST API v1: the glossary (/api/v1/glossary/). Everyone signed in reads it; editors write it."""

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from incidents import glossary
from incidents.actions.glossary import delete_entry, save_entry
from incidents.models import GlossaryCategory, GlossaryEntry

from .views import ERRORS, Pagination, RolePermission

NOT_FOUND = OpenApiResponse(description="No glossary entry with this key.")


def errors(*codes):
    return {code: NOT_FOUND if code == 404 else ERRORS[code] for code in codes}


class GlossaryEntrySerializer(serializers.ModelSerializer):
    terms = serializers.ListField(
        child=serializers.CharField(max_length=glossary.MAX_TERM_LENGTH), allow_empty=False, max_length=500,
        help_text="Words and phrases that mean the same, in any language (at least one; none twice, compared "
                  "case-insensitively and NFKC-folded, a katakana word's trailing ー optional).",
    )

    class Meta:
        model = GlossaryEntry
        fields = ["id", "key", "category", "terms", "enabled", "updated_at"]
        read_only_fields = ["id", "updated_at"]

    def validate_terms(self, value):
        try:
            return glossary.clean_terms(value)
        except ValueError as exc:
            raise serializers.ValidationError(exc.args[0]) from None


class GlossaryParams(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=200, default="",
                              help_text="Entries with a term (or key) containing this text, compared folded.")
    category = serializers.ChoiceField(choices=GlossaryCategory.choices, required=False)
    enabled = serializers.BooleanField(required=False)


@extend_schema_view(
    list=extend_schema(
        summary="List glossary entries by category and key",
        parameters=[GlossaryParams],
        responses={200: GlossaryEntrySerializer(many=True), **errors(400, 401),
                   404: OpenApiResponse(description="Page past the end.")},
    ),
    retrieve=extend_schema(summary="One glossary entry", responses={200: GlossaryEntrySerializer, **errors(401, 404)}),
    create=extend_schema(summary="Create a glossary entry",
                         responses={201: GlossaryEntrySerializer, **errors(400, 401, 403, 413)}),
    update=extend_schema(summary="Replace a glossary entry",
                         responses={200: GlossaryEntrySerializer, **errors(400, 401, 403, 404, 413)}),
    partial_update=extend_schema(summary="Change some fields of a glossary entry",
                                 responses={200: GlossaryEntrySerializer, **errors(400, 401, 403, 404, 413)}),
    destroy=extend_schema(summary="Delete a glossary entry", responses={204: None, **errors(401, 403, 404)}),
)
class GlossaryEntryViewSet(viewsets.ModelViewSet):
    """The glossary search expands queries with: groups of terms that mean the same (接続拒否 = connection
    refused = ECONNREFUSED). Changes reach every process's search within a few seconds."""

    serializer_class = GlossaryEntrySerializer
    pagination_class = Pagination
    permission_classes = [RolePermission]
    filter_backends = []
    lookup_field = "key"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    queryset = GlossaryEntry.objects.all()

    def get_queryset(self):
        entries = GlossaryEntry.objects.all()
        if self.action != "list":
            return entries
        params = GlossaryParams(data=self.request.query_params.dict())
        params.is_valid(raise_exception=True)
        filters = params.validated_data
        if "category" in filters:
            entries = entries.filter(category=filters["category"])
        if "enabled" in filters:
            entries = entries.filter(enabled=filters["enabled"])
        return entries.matching(filters["q"])

    def perform_create(self, serializer):
        serializer.instance = save_entry(GlossaryEntry(), **serializer.validated_data)

    def perform_update(self, serializer):
        save_entry(serializer.instance, **serializer.validated_data)

    def perform_destroy(self, entry):
        delete_entry(entry)
