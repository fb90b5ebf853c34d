"""The incident document: one incident with its children, read and written together.

These serializers read the request's fields; the document's rules (refs, cycles, links, milestones, child ids)
are checked below the API by incidents.actions.document, for every writer alike, and reported here as field errors.
"""

import datetime

from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import build_array_type
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from incidents import dates
from incidents.actions import retrospectives, workflow
from incidents.actions.document import DocumentInvalid
from incidents.actions.incidents import save_incident
from incidents.api.incident_fields import FieldValuesField, TypeField
from incidents.models import (
    ActionItem,
    AgendaItem,
    ExternalLink,
    FactorCategory,
    GitHubReference,
    Incident,
    Lesson,
    Retrospective,
    Source,
    TimelineEvent,
)


@extend_schema_field({"type": "string", "format": "date-time", "description": (
    "ISO 8601. Answers are in UTC (…Z). A time written with an offset (Z, +09:00) is read as written; one "
    "without an offset is read in the server's TIME_ZONE, as the pages read it.")})
class UTCDateTimeField(serializers.DateTimeField):
    """The API speaks UTC (``…Z``) whatever the display time zone is; input may carry any offset, and must lie
    within the times the application can hold (``incidents.dates``). A time without an offset is read in
    TIME_ZONE, as the edit page reads it (not in UTC: the same text must mean the same instant everywhere)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("default_timezone", datetime.UTC)
        super().__init__(*args, **kwargs)
        self.validators.append(dates.validate)
        self.error_messages["overflow"] = dates.message()  # an offset that cannot reach UTC says the same

    def enforce_timezone(self, value):
        if timezone.is_naive(value):
            value = timezone.make_aware(value, timezone.get_default_timezone())
        return super().enforce_timezone(value)


class DateField(serializers.DateField):
    """A date within the dates the application can hold (``incidents.dates``)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.validators.append(dates.validate)


class ModelSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {**serializers.ModelSerializer.serializer_field_mapping,
                                models.DateTimeField: UTCDateTimeField, models.DateField: DateField}


def child_id():
    return serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=2**31 - 1,
        help_text="The row's id. Written back, it updates that row (which keeps its id); an entry without one is "
                  "a new row, and the incident's rows a list leaves out are deleted.")


class TimelineEventSerializer(ModelSerializer):
    id = child_id()

    class Meta:
        model = TimelineEvent
        fields = ["id", "occurred_at", "kind", "description", "source"]


class FactorList(serializers.ListSerializer):
    """An incident's factors, each ``ref`` its number in the incident (see ``factor_refs``)."""

    def to_representation(self, data):
        factors = list(data.all() if isinstance(data, models.manager.BaseManager) else data)
        refs = factor_refs(factors)
        return [self.child.represent(factor, refs) for factor in factors]


class FactorSerializer(serializers.Serializer):
    id = child_id()
    ref = serializers.CharField(
        max_length=50, required=False,
        help_text="Key local to the document (any text when writing). Read back as the factor's number in the "
                  "incident, F1…Fn in id order, as the edit page, the graph and the exports number them.")
    category = serializers.ChoiceField(choices=FactorCategory.choices)
    description = serializers.CharField(allow_blank=False)
    leads_to = serializers.ListField(child=serializers.CharField(max_length=50), required=False, default=list)

    class Meta:
        list_serializer_class = FactorList

    def to_representation(self, factor):
        return self.represent(factor, factor_refs(factor.incident.factors.all()))

    def represent(self, factor, refs):
        return {
            "id": factor.pk,
            "ref": refs[factor.pk],
            "category": factor.category,
            "description": factor.description,
            "leads_to": [refs.get(effect.pk, f"#{effect.pk}") for effect in factor.leads_to.all()],
        }


def factor_refs(factors):
    """{factor id: "F1"…}: an incident's factors (all of them, in id order) numbered as the pages show them."""
    return {factor.pk: f"F{number}" for number, factor in enumerate(sorted(factors, key=lambda f: f.pk), start=1)}


class LessonSerializer(ModelSerializer):
    id = child_id()

    class Meta:
        model = Lesson
        fields = ["id", "kind", "text"]


class GitHubReferenceSerializer(ModelSerializer):
    """The linked issue or PR as last heard from GitHub; ``sync_error`` says why that may be old."""

    class Meta:
        model = GitHubReference
        fields = ["owner", "repo", "number", "kind", "title", "state", "state_reason", "synced_at", "sync_error"]
        read_only_fields = fields


class LinkFollowSerializer(serializers.Serializer):
    event = serializers.CharField(help_text="merged, closed, not_planned, reopened or closed_unmerged (status kept).")
    at = UTCDateTimeField(allow_null=True)
    closed_by_link = serializers.BooleanField(help_text="The link closed the item; a reopen will open it again.")
    note = serializers.CharField(help_text='For people: "acme/api#42 merged 2026-11-01".')


class ActionItemSerializer(ModelSerializer):
    id = child_id()
    github = GitHubReferenceSerializer(read_only=True, allow_null=True)
    followed = serializers.SerializerMethodField(
        help_text="What the linked issue or PR last did to this item (null: nothing yet).")

    class Meta:
        model = ActionItem
        fields = ["id", "title", "kind", "status", "owner", "due_date", "url", "tracker", "github", "followed"]
        extra_kwargs = {"url": {"allow_null": True}}

    def validate_url(self, value):
        return value or ""

    @extend_schema_field(LinkFollowSerializer(allow_null=True))
    def get_followed(self, item):
        if not item.link_event:
            return None
        return {"event": item.link_event, "at": item.link_event_at, "closed_by_link": item.closed_by_link,
                "note": item.link_note}


class LinkSerializer(ModelSerializer):
    id = child_id()
    github = GitHubReferenceSerializer(read_only=True, allow_null=True)

    class Meta:
        model = ExternalLink
        fields = ["id", "url", "relation", "title", "github"]
        validators = []  # (incident, url) uniqueness is a rule of the whole document (incidents.actions.document)


class ChildList(serializers.Field):
    """A list of an incident's children. It is always written whole (rows kept by id), so it is validated
    whole, even inside a PATCH (DRF would otherwise relax nested fields too)."""

    def __init__(self, serializer_class, **kwargs):
        self.serializer_class = serializer_class
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        serializer = self.serializer_class(data=data, many=True, context=self.context)
        if not serializer.is_valid():
            raise serializers.ValidationError(serializer.errors)
        return serializer.validated_data

    def to_representation(self, manager):
        return self.serializer_class(manager.all(), many=True, context=self.context).data


class ChildListSchema(OpenApiSerializerFieldExtension):
    target_class = ChildList
    match_subclasses = True  # VisibleAgendaList too

    def map_serializer_field(self, auto_schema, direction):
        component = auto_schema.resolve_serializer(self.target.serializer_class, direction)
        return build_array_type(component.ref)


class UsernameField(serializers.SlugRelatedField):
    """A user by user name. A NUL character is refused here: PostgreSQL cannot even compare with it."""

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            self.fail("does_not_exist", slug_name=self.slug_field, value=data.replace("\x00", "\\x00"))
        return super().to_internal_value(data)


class LabelListField(serializers.ListField):
    """Tags or services: written as a list of names, read from the many-to-many relation."""

    child = serializers.CharField(max_length=200)

    def to_representation(self, manager):
        return [label.name for label in manager.all()]


class IncidentSerializer(ModelSerializer):
    reference = serializers.CharField(read_only=True)
    uuid = serializers.UUIDField(source="uid", read_only=True,
                                 help_text="Stable across systems: an exported and re-imported write-up keeps it.")
    url = serializers.SerializerMethodField()
    author_names = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, max_length=50,
        help_text="Authors who have no account here, as written (e.g. imported write-ups).")
    severity = serializers.CharField(
        max_length=20, required=False,
        help_text="A key of the severity scale (`GET /api/v1/severities/`); a new incident without one gets the "
                  "scale's default level. Any other value is a 400 naming the scale's keys.")
    services = LabelListField(required=False)
    tags = LabelListField(required=False)
    timeline = ChildList(TimelineEventSerializer, required=False)
    factors = ChildList(FactorSerializer, required=False)
    lessons = ChildList(LessonSerializer, required=False)
    action_items = ChildList(ActionItemSerializer, required=False)
    links = ChildList(LinkSerializer, required=False)
    type = TypeField(required=False)
    fields = FieldValuesField(required=False)
    authors = UsernameField(many=True, required=False, slug_field="username", queryset=get_user_model().objects.all())
    reviewers = UsernameField(
        many=True, required=False, slug_field="username", queryset=get_user_model().objects.all(),
        help_text="Who is asked to review (user names). Moving to in_review needs one who is not an author.")
    members = UsernameField(
        many=True, required=False, slug_field="username", queryset=get_user_model().objects.all(),
        help_text="Who may see a restricted incident besides its authors, reviewers and admins (user names).")
    reviews = serializers.SerializerMethodField(
        help_text="Approvals and change requests; `current` is false once the incident changed after it.")
    time_to_detect = serializers.SerializerMethodField(
        help_text="Seconds from started_at to detected_at; null unless both are set.")
    time_to_resolve = serializers.SerializerMethodField(
        help_text="Seconds from started_at to resolved_at; null unless both are set.")
    version = serializers.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1,
        help_text="The version this write is based on; a stale one is refused with 409 Conflict.",
    )

    CHILDREN = ("timeline", "factors", "lessons", "action_items", "links")

    class Meta:
        model = Incident
        fields = [
            "id", "reference", "uuid", "url", "title", "summary", "impact", "analysis", "resolution",
            "type", "severity", "status", "postmortem_date", "services", "tags", "fields",
            "started_at", "detected_at", "mitigated_at", "resolved_at", "time_to_detect", "time_to_resolve",
            "timeline", "factors", "lessons", "action_items", "links",
            "authors", "author_names", "reviewers", "reviews", "visibility", "members", "created_at", "updated_at",
            "version",
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

    def create(self, validated_data):
        return self._save(Incident(), validated_data)

    def update(self, incident, validated_data):
        return self._save(incident, validated_data)

    def get_reviews(self, incident) -> list[dict]:
        return [{"reviewer": review.reviewer.get_username(), "decision": review.decision, "comment": review.comment,
                 "version": review.version, "current": review.version == incident.version,
                 "created_at": UTCDateTimeField().to_representation(review.created_at)}
                for review in incident.reviews.all()]

    def _save(self, incident, data):
        data = dict(data)
        expected_version = data.pop("version", None)
        request = self.context.get("request")
        user = request.user if request and request.user.is_authenticated else None
        if incident.pk is None and not data.get("authors") and not data.get("author_names") and user:
            data["authors"] = [user]
        try:
            return save_incident(incident, data, expected_version=expected_version, user=user, source=Source.API)
        except DocumentInvalid as exc:
            raise serializers.ValidationError(field_errors(exc.errors)) from None
        except workflow.Refused as exc:
            raise serializers.ValidationError({"status": [str(exc)]}) from None


def field_errors(errors):
    """The document validator's ``{"links[1].url": [...]}`` as DRF's field errors ``{"links": {"1": {"url":
    [...]}}}``; a list's own message beside its rows' goes under ``non_field_errors``."""
    tree = {}
    for path, messages in errors.items():
        parts = path.replace("]", "").replace("[", ".").split(".")
        node = tree
        for part in parts[:-1]:
            child = node.get(part)
            if isinstance(child, list):
                child = node[part] = {"non_field_errors": child}
            node = node.setdefault(part, {}) if child is None else child
        leaf = node.get(parts[-1])
        if isinstance(leaf, dict):
            leaf.setdefault("non_field_errors", []).extend(messages)
        else:
            node.setdefault(parts[-1], []).extend(messages)
    return tree


# --- retrospective meetings ------------------------------------------------------------------------


class VisibleIncidentField(serializers.PrimaryKeyRelatedField):
    """An incident by id, among those the requesting user may see."""

    def get_queryset(self):
        request = self.context.get("request")
        return Incident.objects.visible_to(request.user if request else None)


class AgendaItemSerializer(serializers.ModelSerializer):
    incident = VisibleIncidentField()
    reference = serializers.CharField(source="incident.reference", read_only=True)
    title = serializers.CharField(source="incident.title", read_only=True)

    class Meta:
        model = AgendaItem
        fields = ["incident", "reference", "title", "notes", "decisions"]


class VisibleAgendaList(ChildList):
    """The agenda as the reader may see it: the views prefetch it filtered (RetrospectiveViewSet.get_queryset);
    a meeting just written (its prefetched agenda dropped) is read again here, filtered the same way."""

    def to_representation(self, manager):
        items = manager.all()
        if "agenda" not in getattr(manager.instance, "_prefetched_objects_cache", {}):
            request = self.context.get("request")
            items = items.filter(incident__in=Incident.objects.visible_to(request.user if request else None)
                                 ).select_related("incident")
        return self.serializer_class(items, many=True, context=self.context).data


class RetrospectiveSerializer(ModelSerializer):
    """A meeting with its agenda in order; an ``agenda`` present in a write replaces the stored one as the
    writer sees it (items they may not see stay, after theirs). Agenda incidents the reader may not see are
    left out when reading, also in the answer to a write."""

    agenda = VisibleAgendaList(AgendaItemSerializer, required=False)

    class Meta:
        model = Retrospective
        fields = ["id", "title", "date", "facilitator", "select_tag", "select_status", "select_since",
                  "select_since_previous", "agenda", "closed_at", "created_at"]
        read_only_fields = ["closed_at", "created_at"]

    def validate_agenda(self, agenda):
        ids = [item["incident"].pk for item in agenda]
        if len(ids) != len(set(ids)):
            raise serializers.ValidationError("An incident can be on the agenda only once.")
        return agenda

    def create(self, validated_data):
        return self.update(Retrospective(), validated_data)

    def update(self, meeting, validated_data):
        agenda = validated_data.pop("agenda", None)
        for field, value in validated_data.items():
            setattr(meeting, field, value)
        request = self.context.get("request")
        retrospectives.save_meeting(meeting, agenda=agenda, by=request.user if request else None)
        return meeting

