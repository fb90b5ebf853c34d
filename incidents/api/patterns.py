"""The patterns API: recurring tags, services, factor categories and GitHub references, per quarter."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, views
from rest_framework.response import Response

from incidents import patterns, search
from incidents.models import Incident

from .views import errors


class IncidentRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    reference = serializers.CharField()
    title = serializers.CharField()


class PatternCellSerializer(serializers.Serializer):
    quarter = serializers.CharField()
    count = serializers.IntegerField()
    incidents = IncidentRefSerializer(many=True)

    def to_representation(self, cell):
        quarter, incidents = cell
        return super().to_representation({"quarter": quarter, "count": len(incidents), "incidents": incidents})


class PatternRowSerializer(serializers.Serializer):
    name = serializers.CharField()
    total = serializers.IntegerField()
    recurring = serializers.BooleanField()
    median_time_to_detect = serializers.FloatField(allow_null=True, help_text="Seconds.")
    median_time_to_resolve = serializers.FloatField(allow_null=True, help_text="Seconds.")
    per_quarter = PatternCellSerializer(many=True, source="cells")


class PatternGitHubSerializer(serializers.Serializer):
    reference = serializers.CharField()
    url = serializers.CharField()
    title = serializers.CharField()
    state = serializers.CharField()
    incidents = IncidentRefSerializer(many=True)

    def to_representation(self, item):
        reference, incidents = item
        return super().to_representation({"reference": reference.short, "url": reference.url, "title": reference.title,
                                           "state": reference.state, "incidents": incidents})


class RecurrenceRateSerializer(serializers.Serializer):
    quarter = serializers.CharField()
    total = serializers.IntegerField()
    recurred = serializers.IntegerField()
    percent = serializers.IntegerField(allow_null=True)


class PatternsSerializer(serializers.Serializer):
    quarters = serializers.ListField(child=serializers.CharField())
    window_days = serializers.IntegerField()
    min_count = serializers.IntegerField()
    tags = PatternRowSerializer(many=True)
    services = PatternRowSerializer(many=True)
    categories = PatternRowSerializer(many=True)
    field = serializers.CharField(source="by_field.key", allow_null=True, default=None, help_text="`field` asked for.")
    field_values = PatternRowSerializer(many=True, source="field_rows", help_text="Per value of `field`.")
    github = PatternGitHubSerializer(many=True)
    recurrence = RecurrenceRateSerializer(
        many=True, allow_null=True,
        help_text="Per quarter, of the incidents started then, how many are similar to an earlier one started at most "
                  "`window_days` before. Null while the search index is being rebuilt.")


class PatternParams(serializers.Serializer):
    window_days = serializers.IntegerField(min_value=1, max_value=3650, required=False)
    min_count = serializers.IntegerField(min_value=2, max_value=100, required=False)
    field = serializers.CharField(required=False, max_length=50, help_text="A choice or multiple choice field's key.")

    def validate_field(self, value):  # the CustomField counted by
        if (found := patterns.pattern_fields().get(value)) is None:
            raise serializers.ValidationError("No choice or multiple choice custom field has this key.")
        return found


class PatternsView(views.APIView):
    """Recurring tags, services, factor categories and GitHub references, per quarter."""

    @extend_schema(parameters=[PatternParams], responses={200: PatternsSerializer, **errors(400, 401)})
    def get(self, request):
        params = PatternParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        visible = Incident.objects.visible_to(request.user)
        found = patterns.patterns(visible, **params.validated_data)
        try:
            found.recurrence = patterns.recurrence_rates(visible, found.quarters, found.window_days)
        except search.SearchUnavailable:
            found.recurrence = None
        return Response(PatternsSerializer(found).data)

