"""The incident: its fields, milestones, review workflow, and the queries that find incidents."""

import datetime
import re
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import dates, roles
from .children import ActionItem, ContributingFactor, ExternalLink
from .github import GitHubReference
from .labels import Service, Tag
from .reviews import Review
from .scales import SeverityLevel, default_severity
from .types import IncidentType, default_type

REFERENCE_PREFIX = "INC-"
REFERENCE_PATTERN = re.compile(rf"^{REFERENCE_PREFIX}(\d+)$", re.IGNORECASE)


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    PUBLISHED = "published", _("Published")


def start_of_day(day):
    """The aware datetime at which ``day`` starts in the display time zone (``dates.clamp``ed, so that as a
    query bound it converts to UTC without overflowing, whatever the date)."""
    return dates.clamp(datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_default_timezone()))


class Visibility(models.TextChoices):
    INTERNAL = "internal", _("Internal (everyone, by role)")
    RESTRICTED = "restricted", _("Restricted (members, authors, reviewers and admins)")


class IncidentQuerySet(models.QuerySet):
    def visible_to(self, user):
        """THE rule of who sees an incident, which every read goes through. Published incidents for anyone
        signed in; drafts and reviews only for editors and authors; a restricted incident only for its
        members, authors and reviewers (and admins, who see everything). Anything else answers as missing."""
        if not user or not user.is_authenticated:
            return self.none()
        if roles.is_admin(user):
            return self
        readers = Incident.objects.filter(
            models.Q(members=user) | models.Q(authors=user) | models.Q(reviewers=user)).values("pk")
        allowed = models.Q(visibility=Visibility.INTERNAL) | models.Q(pk__in=readers)
        if not user.has_perm("incidents.change_incident"):
            own = Incident.objects.filter(authors=user).values("pk")
            allowed &= models.Q(status=Status.PUBLISHED) | models.Q(pk__in=own)
        return self.filter(allowed)

    def waiting_for_review_by(self, user):
        """Incidents in review that name ``user`` as a reviewer and that they have not reviewed as they are now
        (no review of the current version), oldest request first."""
        reviewed = Review.objects.filter(incident=models.OuterRef("pk"), reviewer=user, version=models.OuterRef("version"))
        return (self.filter(status=Status.IN_REVIEW, reviewers=user).exclude(models.Exists(reviewed))
                .exclude(authors=user).order_by("updated_at", "id"))

    def newest_first(self):
        return self.order_by(models.F("started_at").desc(nulls_last=True), "-created_at", "-id")

    def for_document(self):
        """Everything the incident document shows, fetched in a fixed number of queries."""
        return self.prefetch_related(
            "type__custom_fields", "services", "tags", "authors", "reviewers", "members", "timeline", "lessons", "reviews__reviewer",
            models.Prefetch("factors", queryset=ContributingFactor.objects.prefetch_related("leads_to")),
            models.Prefetch("action_items", queryset=ActionItem.objects.select_related("github")),
            models.Prefetch("links", queryset=ExternalLink.objects.select_related("github")),
        )

    def for_list(self):
        """What a row of the incident list shows (with its tags): not the write-up's long texts."""
        return self.defer("summary", "impact", "analysis", "resolution", "extra").prefetch_related("tags")

    def by_reference(self, reference):
        """The incident named by ``INC-42`` or ``42``; raises DoesNotExist otherwise."""
        match = REFERENCE_PATTERN.match(str(reference).strip())
        number = match.group(1) if match else str(reference).strip()
        if not number.isdigit():
            raise self.model.DoesNotExist(f"{reference!r} is not an incident reference.")
        return self.get(pk=int(number))

    def linking(self, references):
        """Incidents that link any of these GitHub references, by a link or by an action item."""
        return self.filter(
            models.Q(links__github__in=references) | models.Q(action_items__github__in=references)
        ).distinct()

    def with_tags(self, names, match_all=True):
        """Incidents having all (or, with ``match_all=False``, any) of these tags."""
        names = {Tag.normalize(name) for name in names}
        if not match_all:
            return self.filter(tags__name__in=names).distinct()
        having_all = (
            Incident.tags.through.objects.filter(tag__name__in=names)
            .values("incident_id")
            .annotate(matched=models.Count("tag_id", distinct=True))
            .filter(matched=len(names))
            .values("incident_id")
        )
        return self.filter(pk__in=having_all)

    def selected(self, *, tags=(), status="", since=None, until=None):
        """Incidents matching a retrospective's selection, oldest first: all these tags, this status,
        started on or after ``since`` / on or before ``until`` (dates in the display time zone)."""
        queryset = self.with_tags(tags) if tags else self
        if status:
            queryset = queryset.filter(status=status)
        if since:
            queryset = queryset.filter(started_at__gte=start_of_day(since))
        if until:
            day_after = min(until, dates.LATEST_DATE) + datetime.timedelta(days=1)  # date.max + 1 day overflows
            queryset = queryset.filter(started_at__lt=start_of_day(day_after))
        return queryset.order_by(models.F("started_at").asc(nulls_last=True), "id")

    def with_services(self, names):
        """Incidents affecting any of these services (names compared case-insensitively)."""
        match = models.Q()
        for name in names:
            match |= models.Q(services__name__iexact=Service.normalize(name))
        return self.filter(match).distinct()


class Incident(models.Model):
    MILESTONES = ("started_at", "detected_at", "mitigated_at", "resolved_at")
    # The review workflow, the one table of its steps: (from, to) → (the permission a person needs to take
    # the step, the review gate's conditions on it). ``None`` as "from" is a new incident. A step not in the
    # table is not one for anyone (a published incident goes back to "in review", never straight to draft).
    # The conditions hold while POSTMORTEM_REVIEW_REQUIRED is on (the default):
    #   REVIEWERS  at least one reviewer who is not an author is named;
    #   APPROVAL   someone who is not an author approved the current version;
    #   REVIEW     the step skips the review altogether (publishing a draft or a new incident).
    # Whoever may publish without review (PUBLISH_DIRECTLY: the admin role) passes APPROVAL and REVIEW, never
    # REVIEWERS, and never a step the table does not have. The workflow's writes are incidents.actions.workflow.
    REVIEWERS, APPROVAL, REVIEW = "reviewers", "approval", "review"
    CHANGE, CREATE = "incidents.change_incident", "incidents.add_incident"
    PUBLISH_DIRECTLY = "incidents.publish_without_review"
    TRANSITIONS = {
        (None, Status.DRAFT): (CREATE, ()),
        (None, Status.IN_REVIEW): (CREATE, (REVIEWERS,)),
        (None, Status.PUBLISHED): (CREATE, (REVIEW,)),
        (Status.DRAFT, Status.IN_REVIEW): (CHANGE, (REVIEWERS,)),
        (Status.DRAFT, Status.PUBLISHED): (CHANGE, (REVIEW,)),
        (Status.IN_REVIEW, Status.DRAFT): (CHANGE, ()),
        (Status.IN_REVIEW, Status.PUBLISHED): (CHANGE, (APPROVAL,)),
        (Status.PUBLISHED, Status.IN_REVIEW): (CHANGE, (REVIEWERS,)),
    }

    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    impact = models.TextField(_("impact"), blank=True)
    analysis = models.TextField(_("analysis"), blank=True, help_text=_("What happened and why."))
    resolution = models.TextField(_("resolution"), blank=True)
    # A key of the severity scale (SeverityLevel; the rule is SeverityLevel.objects.problem).
    severity = models.CharField(_("severity"), max_length=20, default=default_severity)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    services = models.ManyToManyField(Service, blank=True, related_name="incidents", verbose_name=_("services"))
    tags = models.ManyToManyField(Tag, blank=True, related_name="incidents", verbose_name=_("tags"))
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    detected_at = models.DateTimeField(_("detected at"), null=True, blank=True)
    mitigated_at = models.DateTimeField(_("mitigated at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    # Derived from the milestones in save(); stored so they can be filtered and aggregated.
    time_to_detect = models.DurationField(null=True, blank=True, editable=False)
    time_to_mitigate = models.DurationField(null=True, blank=True, editable=False)
    time_to_resolve = models.DurationField(null=True, blank=True, editable=False)
    authors = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="incidents")
    reviewers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="incidents_to_review",
                                       verbose_name=_("reviewers"))
    # Authors who have no account here (an imported write-up's "Authors: jennifer, martym"), as written.
    visibility = models.CharField(_("visibility"), max_length=10, choices=Visibility.choices,
                                  default=Visibility.INTERNAL)
    # Who may see a restricted incident besides its authors, reviewers and admins.
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="incidents_as_member",
                                     verbose_name=_("members"))
    author_names = models.JSONField(_("other authors"), default=list, blank=True)
    # Left empty, save() sets the default type (not a field default: that would query on every Incident()).
    type = models.ForeignKey(IncidentType, on_delete=models.PROTECT, blank=True, related_name="incidents",
                             verbose_name=_("type"))
    # Custom field values, key → canonical JSON (incidents.text.fields); kept for retired fields too.
    fields = models.JSONField(_("custom fields"), default=dict, blank=True)
    # Front-matter keys an imported write-up had that are neither document keys nor the type's fields: kept as
    # written (JSON), shown as "Extra (from import)" and written back by the Markdown export.
    extra = models.JSONField(_("extra (from import)"), default=dict, blank=True)
    postmortem_date = models.DateField(_("postmortem date"), null=True, blank=True,
                                       help_text=_("When the write-up was written (the SRE template's Date)."))
    # Stable identity across systems: the export carries it, and re-importing a file updates the incident
    # with this uid (an imported write-up keeps its source's uuid, or one derived from its URL or content).
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-created_at", "-id"]
        # and on PostgreSQL incident_newest_first, the list's order (migration 0030: SQLite has no NULLS LAST index)
        indexes = [models.Index(fields=["status", "started_at"])]
        permissions = [("publish_without_review", "Can publish an incident without an approval")]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")

    def __str__(self):
        return f"{self.reference} {self.title}" if self.pk else self.title

    @property
    def reference(self):
        return f"{REFERENCE_PREFIX}{self.pk}" if self.pk else ""

    def get_absolute_url(self):
        try:
            return reverse("incident-detail", args=[self.reference])
        except NoReverseMatch:  # the browser UI is not mounted (e.g. an API-only deployment)
            return reverse("admin:incidents_incident_change", args=[self.pk])

    def clean(self):
        super().clean()
        errors = {}
        known = []  # (field, value) of the milestones filled so far, in order
        for field in self.MILESTONES:
            value = getattr(self, field)
            if value is None:
                continue
            for earlier_field, earlier in known:
                if value < earlier:
                    label = self._meta.get_field(earlier_field).verbose_name
                    errors[field] = _("Must not be before %(earlier)s.") % {"earlier": label}
                    break
            known.append((field, value))
        if errors:
            raise ValidationError(errors)

    def get_severity_display(self):
        """The severity's label in the active language (the scale's), or the key if the level is gone."""
        return SeverityLevel.objects.label(self.severity)

    def allowed_transitions(self):
        """The steps the workflow has from here, whoever takes them (who may: check_transition)."""
        here = self.status if self.pk else None
        return [target for start, target in self.TRANSITIONS if start == here]

    def check_transition(self, user, target, *, reviewers=None, authors=None, gate=True):
        """Why ``user`` may not move this incident to ``target`` now, or "" when they may: the one rule of the
        workflow (TRANSITIONS), for every caller. ``user`` None is the system (a loader, an import told what
        to do): it needs no permission and passes no condition a person could skip. ``gate=False`` leaves the
        review gate's conditions out (the demo loader and imports stating a status), never the table.
        ``reviewers``/``authors`` (user lists) stand for what a write is about to set, for a new incident or
        one whose reviewers change in the same write."""
        start = self.status if self.pk else None
        if target == start:
            return ""
        if target not in Status.values:
            return str(_("Unknown status."))
        if (start, target) not in self.TRANSITIONS:
            return str(_("%(status)s cannot go to %(target)s.") % {
                "status": Status(start).label, "target": Status(target).label})
        permission, conditions = self.TRANSITIONS[start, target]
        if user is not None and not user.has_perm(permission):
            return str(_("You may not change the status of incidents."))
        if not gate or not settings.POSTMORTEM_REVIEW_REQUIRED:
            return ""
        direct = user is not None and user.has_perm(self.PUBLISH_DIRECTLY)
        if self.REVIEW in conditions and not direct:
            if start is None:
                return str(_("A new incident starts as a draft; ask for a review to publish it."))
            return str(_("%(status)s cannot go to %(target)s directly.") % {
                "status": Status(start).label, "target": Status(target).label})
        authors = set(authors if authors is not None else (self.authors.all() if self.pk else []))
        if self.REVIEWERS in conditions:
            reviewers = set(reviewers if reviewers is not None else (self.reviewers.all() if self.pk else []))
            if not reviewers - authors:
                return str(_("Name at least one reviewer who is not an author."))
        if self.APPROVAL in conditions and not direct and not self.reviews.approvals_of(self).exists():
            return str(_("Publishing needs an approval of this version by someone who is not an author."))
        return ""

    @staticmethod
    def reviewer_conflict(reviewers, authors):
        """The rule that nobody reviews their own write-up: a message naming who would be both an author and a
        reviewer, or "". Every writer that names reviewers or authors checks it (the document's validation,
        the admin's form), so a reviewer can always approve."""
        author_ids = {user.pk for user in authors}
        both = sorted(user.get_username() for user in reviewers if user.pk in author_ids)
        if not both:
            return ""
        return str(_("An author cannot review their own write-up: %(names)s.") % {"names": ", ".join(both)})

    def transitions_for(self, user):
        """(status, label) of the steps ``user`` may take now."""
        return [(step, Status(step).label) for step in self.allowed_transitions() if not self.check_transition(user, step)]

    def _since_start(self, field):
        value = getattr(self, field)
        return value - self.started_at if value and self.started_at else None

    def save(self, *args, **kwargs):
        self.time_to_detect = self._since_start("detected_at")
        self.time_to_mitigate = self._since_start("mitigated_at")
        self.time_to_resolve = self._since_start("resolved_at")
        if not self._state.adding:
            self.version += 1
        if self.type_id is None:
            self.type_id = default_type()
        super().save(*args, **kwargs)

    def github_references(self):
        return GitHubReference.objects.filter(
            models.Q(pk__in=self.links.values("github")) | models.Q(pk__in=self.action_items.values("github"))
        )
