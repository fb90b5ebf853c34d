"""The incident document: one incident with its children, read and written together.

The same serializer validates API requests and the demo data file, so both obey the same rules.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from . import services
from .models import (
    ActionItem,
    ExternalLink,
    FactorCategory,
    GitHubReference,
    Incident,
    Lesson,
    TimelineEvent,
    find_cycle,
)


class TimelineEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = TimelineEvent
        fields = ["occurred_at", "kind", "description", "source"]


class FactorSerializer(serializers.Serializer):
    ref = serializers.CharField(max_length=50, required=False, help_text="Key local to the document; the server returns its own.")
    category = serializers.ChoiceField(choices=FactorCategory.choices)
    description = serializers.CharField(allow_blank=False)
    leads_to = serializers.ListField(child=serializers.CharField(max_length=50), required=False, default=list)

    def to_representation(self, factor):
        return {
            "ref": factor_ref(factor),
            "category": factor.category,
            "description": factor.description,
            "leads_to": [factor_ref(effect) for effect in factor.leads_to.all()],
        }


def factor_ref(factor):
    return f"F{factor.pk}"


class LessonSerializer(serializers.ModelSerializer):
    class Meta:
        model = Lesson
        fields = ["kind", "text"]


class ActionItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = ActionItem
        fields = ["title", "kind", "status", "owner", "due_date", "url"]
        extra_kwargs = {"url": {"allow_null": True}}

    def validate_url(self, value):
        return value or ""


class GitHubReferenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = GitHubReference
        fields = ["owner", "repo", "number", "kind", "title", "state"]
        read_only_fields = fields


class LinkSerializer(serializers.ModelSerializer):
    github = GitHubReferenceSerializer(read_only=True, allow_null=True)

    class Meta:
        model = ExternalLink
        fields = ["url", "relation", "title", "github"]
        validators = []  # (incident, url) uniqueness is checked on the whole list below


class IncidentSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    url = serializers.SerializerMethodField()
    services = serializers.ListField(child=serializers.CharField(max_length=100), required=False)
    tags = serializers.ListField(child=serializers.CharField(max_length=100), required=False)
    timeline = TimelineEventSerializer(many=True, required=False)
    factors = FactorSerializer(many=True, required=False)
    lessons = LessonSerializer(many=True, required=False)
    action_items = ActionItemSerializer(many=True, required=False)
    links = LinkSerializer(many=True, required=False)
    authors = serializers.SlugRelatedField(
        many=True, required=False, slug_field="username", queryset=get_user_model().objects.all()
    )
    time_to_detect = serializers.SerializerMethodField()
    time_to_resolve = serializers.SerializerMethodField()
    version = serializers.IntegerField(
        required=False, min_value=1,
        help_text="The version this write is based on; a stale one is refused with 409 Conflict.",
    )

    CHILDREN = ("timeline", "factors", "lessons", "action_items", "links")

    class Meta:
        model = Incident
        fields = [
            "id", "reference", "url", "title", "summary", "impact", "analysis", "resolution",
            "severity", "status", "services", "tags",
            "started_at", "detected_at", "mitigated_at", "resolved_at", "time_to_detect", "time_to_resolve",
            "timeline", "factors", "lessons", "action_items", "links",
            "authors", "created_at", "updated_at", "version",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def get_url(self, incident) -> str:
        path = incident.get_absolute_url()
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def get_time_to_detect(self, incident) -> float | None:
        return incident.time_to_detect.total_seconds() if incident.time_to_detect is not None else None

    def get_time_to_resolve(self, incident) -> float | None:
        return incident.time_to_resolve.total_seconds() if incident.time_to_resolve is not None else None

    def to_representation(self, incident):
        data = super().to_representation(incident)
        data["services"] = [s.name for s in incident.services.all()]
        data["tags"] = [t.name for t in incident.tags.all()]
        data["version"] = incident.version
        return data

    def validate_factors(self, factors):
        refs = [f.get("ref") or f"#{i}" for i, f in enumerate(factors)]
        duplicates = sorted({r for r in refs if refs.count(r) > 1})
        if duplicates:
            raise serializers.ValidationError(f"Duplicate factor refs: {', '.join(duplicates)}.")
        known = set(refs)
        for ref, factor in zip(refs, factors):
            missing = [target for target in factor["leads_to"] if target not in known]
            if missing:
                raise serializers.ValidationError(f"Factor {ref!r} leads to unknown ref(s): {', '.join(missing)}.")
            if ref in factor["leads_to"]:
                raise serializers.ValidationError(f"Factor {ref!r} cannot lead to itself.")
        cycle = find_cycle({ref: factor["leads_to"] for ref, factor in zip(refs, factors)})
        if cycle:
            raise serializers.ValidationError(f"The factors' causes form a cycle: {' → '.join(cycle)}.")
        for ref, factor in zip(refs, factors):
            factor["ref"] = ref
        return factors

    def validate_links(self, links):
        seen = set()
        for link in links:
            if link["url"] in seen:
                raise serializers.ValidationError(f"The link {link['url']} is listed twice.")
            seen.add(link["url"])
        return links

    def validate(self, attrs):
        probe = Incident(**{f: attrs.get(f, getattr(self.instance, f, None)) for f in Incident.MILESTONES})
        try:
            probe.clean()
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from None
        return attrs

    def create(self, validated_data):
        return self._save(Incident(), validated_data)

    def update(self, incident, validated_data):
        return self._save(incident, validated_data)

    def _save(self, incident, data):
        data = dict(data)
        expected_version = data.pop("version", None)
        request = self.context.get("request")
        if incident.pk is None and not data.get("authors") and request and request.user.is_authenticated:
            data["authors"] = [request.user]
        return services.save_incident(
            incident, data, expected_version=expected_version, sync_github=self.context.get("sync_github", True)
        )



def error_lines(errors, path=""):
    """DRF's nested error structure as readable ``factors[2].leads_to: message`` lines."""
    if isinstance(errors, dict):
        return [line for key, value in errors.items() for line in error_lines(value, _join(path, key))]
    if isinstance(errors, list) and all(isinstance(error, str) for error in errors):
        return [f"{path or 'document'}: {error}" for error in errors]
    if isinstance(errors, list):
        return [line for i, value in enumerate(errors) if value for line in error_lines(value, _join(path, i))]
    return [f"{path or 'document'}: {errors}"]


def _join(path, key):
    if isinstance(key, int) or str(key).isdigit():
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)
