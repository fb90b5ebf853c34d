"""Revision history of incidents.

django-reversion stores each revision of the whole document: the incident (with its tags, services and
authors, many-to-many fields serialized with it) and, followed, its timeline, factors (with their
``leads_to``), lessons, action items and links, and what its attachments were (name, alt text, type and size:
never the bytes, which only the current attachment keeps). Attachments are recorded, not restored: restoring a
revision (incidents.actions.history) neither brings back a deleted attachment (its file is gone) nor removes
one added since. IncidentRevision numbers the revisions per incident (1 =
creation) and says what wrote them (``source``) and which fields changed. ``record`` is the one way to
add a revision: every writer calls it inside its own transaction."""

import datetime
from collections import defaultdict

import reversion
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import prefetch_related_objects
from django.utils.translation import gettext_lazy as _
from reversion.models import Revision

from ..text.diff import diff as text_diff
from .attachments import Attachment
from .children import ActionItem, ContributingFactor, ExternalLink, Lesson, TimelineEvent
from .github import GitHubReference
from .incidents import Incident
from .labels import Service, Tag
from .types import DEFAULT_TYPE, IncidentType

CHILDREN = {
    "timeline": (TimelineEvent, ["occurred_at", "kind", "description", "source"]),
    "factors": (ContributingFactor, ["category", "description"]),
    "lessons": (Lesson, ["kind", "text"]),
    "action_items": (ActionItem, ["title", "kind", "status", "owner", "due_date", "url", "tracker"]),
    "links": (ExternalLink, ["url", "relation", "title"]),
}
SCALARS = ("title", "summary", "impact", "analysis", "resolution", "severity", "status", "postmortem_date",
           "author_names", "started_at", "detected_at", "mitigated_at", "resolved_at")
MARKDOWN = ("summary", "impact", "analysis", "resolution")
ATTACHMENT_FIELDS = ("name", "alt", "content_type", "size")  # what a revision records of each attachment
LISTS = ("services", "tags", "authors", "reviewers", "members", *CHILDREN, "attachments")
CUSTOM = ("type", "fields")  # the incident type (its key) and the custom field values (key → canonical value)
COMPARED = (*SCALARS, "visibility", *CUSTOM, *LISTS)  # what ``changed`` lists, in the document's order
GITHUB_FIELDS = ("owner", "repo", "number", "kind", "title", "state", "state_reason", "synced_at", "sync_error")

reversion.register(Incident, follow=(*CHILDREN, "attachments"))
for _model, _fields in CHILDREN.values():
    reversion.register(_model)
reversion.register(Attachment, fields=("incident", *ATTACHMENT_FIELDS))


class Source(models.TextChoices):
    WEB = "web", _("edit page")
    API = "api", _("API")
    IMPORT = "import", _("import")
    GITHUB = "github", _("GitHub")
    RESTORE = "restore", _("restore")
    ADMIN = "admin", _("admin")
    STATUS = "status", _("status change")


class IncidentRevisionQuerySet(models.QuerySet):
    def of(self, incident):
        """An incident's revisions, newest first, with their author."""
        return self.filter(incident_id=incident.pk).select_related("revision__user").order_by("-number")


class IncidentRevision(models.Model):
    revision = models.OneToOneField(Revision, on_delete=models.CASCADE, related_name="incident_revision")
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    source = models.CharField(max_length=10, choices=Source.choices)
    changed = models.JSONField(default=list, blank=True)

    objects = IncidentRevisionQuerySet.as_manager()

    class Meta:
        ordering = ["incident", "-number"]
        constraints = [models.UniqueConstraint(fields=["incident", "number"], name="unique_incident_revision_number")]
        verbose_name = _("incident revision")
        verbose_name_plural = _("incident revisions")

    def __str__(self):
        return f"{self.incident_id} #{self.number}"

    @property
    def author(self):
        """The person who wrote it; None for automatic changes (GitHub, import)."""
        return self.revision.user

    @property
    def created_at(self):
        return self.revision.date_created

    def document(self):
        """The incident document as it was (the shape of the API's incident), from reversion's versions."""
        if not hasattr(self, "_document"):
            with_documents([self])
        return self._document

    def previous(self):
        return IncidentRevision.objects.filter(incident_id=self.incident_id, number__lt=self.number).order_by("-number").first()

    def diff(self, previous=None):
        """What this revision changed, per changed field (see ``field_diff``)."""
        with_documents([self, previous] if previous else [self])  # both read at once
        before = previous.document() if previous else {}
        after = self.document()
        return {name: field_diff(name, before.get(name), after.get(name)) for name in self.changed}


def record_revision(incident, *, user=None, source):
    """Store a revision of ``incident`` as it is now in the database (call it inside the writer's transaction,
    after the write). ``user`` None (or anonymous) for automatic changes."""
    incident = Incident.objects.get(pk=incident.pk)
    previous = IncidentRevision.objects.filter(incident=incident).select_related("revision").order_by("-number").first()
    number = previous.number + 1 if previous else 1
    with reversion.create_revision(manage_manually=True):
        reversion.add_to_revision(incident)
        reversion.set_user(user if user is not None and user.is_authenticated else None)
        reversion.set_comment(source)
        reversion.add_meta(IncidentRevision, incident=incident, number=number, source=source)
    current = IncidentRevision.objects.select_related("revision").get(incident=incident, number=number)
    current.changed = changed_fields(previous.document() if previous else {}, current.document())
    current.save(update_fields=["changed"])
    return current


def changed_fields(before, after):
    """The document's fields that differ (a creation lists those that are filled in)."""
    return [name for name in COMPARED if _comparable(name, before.get(name)) != _comparable(name, after.get(name))]


def _comparable(name, value):
    if name in LISTS and not value:
        return []
    if name == "factors":  # rows are compared by id (a factor's ref is its number); causes in any order
        return [{**factor, "leads_to": sorted(factor["leads_to"])} for factor in value]
    if name in ("action_items", "links"):  # the GitHub reference's live state is not part of a revision
        return [{key: item[key] for key in item if key != "github"} for item in value]
    if name == "type":  # revisions older than #32 have no type: the default one
        return value or DEFAULT_TYPE
    if name == "fields":
        return value or {}
    return "" if value is None and name in SCALARS else value


def field_diff(name, before, after):
    """Markdown fields as text segments, child and label lists as ``{"from": [...], "to": [...]}``, other
    fields as ``{"from", "to"}``."""
    if name in MARKDOWN:
        return text_diff(before or "", after or "")
    if name in LISTS:
        return {"from": before or [], "to": after or []}
    return {"from": before, "to": after}


def _utc(value):
    return value.astimezone(datetime.UTC) if isinstance(value, datetime.datetime) else value


def with_documents(revisions):
    """Read the documents of these revisions (``IncidentRevision.document``) in a fixed number of queries, however
    many revisions and rows they have: their versions at once, then the labels, people, GitHub references and
    types they name. Returns ``revisions``."""
    pending = [revision for revision in revisions if not hasattr(revision, "_document")]
    prefetch_related_objects(pending, "revision__version_set")
    grouped = [_by_model(revision.revision.version_set.all()) for revision in pending]
    known = _known(grouped)
    for revision, by_model in zip(pending, grouped, strict=True):
        revision._document = build_document(by_model, known)
    return revisions


def _by_model(versions):
    by_model = defaultdict(list)
    for version in versions:
        by_model[version._model].append(version)
    return by_model


def _known(grouped):
    """The tags, services, users, GitHub references and incident types that these revisions' versions (each
    ``_by_model``'s) name, by id: one query each."""
    ids = defaultdict(set)
    for by_model in grouped:
        fields = by_model[Incident][0].field_dict
        for name in ("tags", "services"):
            ids[name].update(fields.get(name, []))
        ids["users"].update(*(fields.get(name, []) for name in ("authors", "reviewers", "members")))
        ids["types"].add(fields.get("type_id", fields.get("type")))  # reversion keys a foreign key by its attname
        ids["github"].update(version.field_dict.get("github_id") for model in (ActionItem, ExternalLink)
                             for version in by_model[model])
    return {
        "tags": Tag.objects.in_bulk(ids["tags"]),
        "services": Service.objects.in_bulk(ids["services"]),
        "users": get_user_model().objects.in_bulk(ids["users"]),
        "github": GitHubReference.objects.in_bulk(ids["github"] - {None}),
        "types": dict(IncidentType.objects.filter(pk__in=ids["types"] - {None}).values_list("pk", "key")),
    }


def build_document(versions, known=None):
    """The incident document from one revision's versions (or those ``_by_model``): the incident's fields, its
    labels' names, its authors' user names and its children in their usual order. ``known``: what ``_known``
    read for it (else read here)."""
    by_model = versions if isinstance(versions, dict) else _by_model(versions)
    known = known if known is not None else _known([by_model])
    incident_version = by_model[Incident][0]
    fields = incident_version.field_dict
    pk = int(incident_version.object_id)
    tags = {key: known["tags"][key] for key in fields.get("tags", []) if key in known["tags"]}
    services = {key: known["services"][key] for key in fields.get("services", []) if key in known["services"]}
    users = known["users"]
    incident = Incident(pk=pk, **{name: fields.get(name) for name in SCALARS})
    document = {
        "id": pk,
        "reference": incident.reference,
        "uuid": str(fields["uid"]) if fields.get("uid") else None,
        "url": incident.get_absolute_url(),
        **{name: _utc(fields.get(name)) for name in SCALARS},
        "services": sorted(label.name for label in services.values()),
        "tags": sorted(label.name for label in tags.values()),
        "time_to_detect": _seconds(fields.get("time_to_detect")),
        "time_to_resolve": _seconds(fields.get("time_to_resolve")),
    }
    children = {key: _children(by_model[model], names) for key, (model, names) in CHILDREN.items()}
    # A factor's ref is its number in the incident (F1…Fn, by id), as the API and the pages number them.
    refs = {item["pk"]: f"F{number}" for number, item in enumerate(children["factors"], start=1)}
    github = known["github"]
    for key, (_model, names) in CHILDREN.items():
        document[key] = [_child(key, item, names, github, refs) for item in children[key]]
    document["attachments"] = [{"id": item["pk"], **{name: item.get(name) for name in ATTACHMENT_FIELDS}}
                               for item in _children(by_model[Attachment], ATTACHMENT_FIELDS)]
    document["authors"] = sorted(users[pk].get_username() for pk in fields.get("authors", []) if pk in users)
    document["reviewers"] = sorted(users[pk].get_username() for pk in fields.get("reviewers", []) if pk in users)
    document["visibility"] = fields.get("visibility") or "internal"  # revisions older than #27 have none
    document["members"] = sorted(users[pk].get_username() for pk in fields.get("members", []) if pk in users)
    type_key = known["types"].get(fields.get("type_id", fields.get("type")))
    document["type"] = type_key or DEFAULT_TYPE  # revisions older than #32 have no type: the default one
    document["fields"] = fields.get("fields") or {}
    document["reviews"] = []  # reviews are not part of the write-up's text: see the incident's reviews
    document["created_at"] = _utc(fields.get("created_at"))
    document["updated_at"] = _utc(fields.get("updated_at"))
    document["version"] = fields.get("version")
    return document


def _seconds(duration):
    return duration.total_seconds() if duration is not None else None


def _children(versions, names):
    items = [{"pk": int(version.object_id), **version.field_dict} for version in versions]
    if items and "occurred_at" in names:
        return sorted(items, key=lambda item: (item["occurred_at"], item["pk"]))
    return sorted(items, key=lambda item: item["pk"])


def _child(key, item, names, github, refs):
    out = {"id": item["pk"], **{name: _utc(item.get(name)) for name in names}}
    if key == "factors":
        causes = sorted(item.get("leads_to", []))
        out = {"id": item["pk"], "ref": refs[item["pk"]], **out, "leads_to": [refs.get(pk, f"F?{pk}") for pk in causes]}
    if key in ("action_items", "links"):
        reference = github.get(item["github_id"])
        out["github"] = ({name: _utc(getattr(reference, name)) for name in GITHUB_FIELDS} if reference else None)
    if key == "action_items":
        out["followed"] = ({"event": item["link_event"], "at": _utc(item["link_event_at"]),
                            "closed_by_link": item["closed_by_link"], "note": _link_note(item, reference)}
                           if item.get("link_event") else None)
    return out


def _link_note(item, reference):
    fields = {name: item.get(name) for name in ("status", "link_event", "link_event_at", "closed_by_link")}
    return ActionItem(github=reference, **fields).link_note

