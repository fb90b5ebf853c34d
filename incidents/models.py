"""The incident data model: an incident with its timeline, contributing factors, lessons, action items
and links, plus the labels (tags, services) and GitHub references shared between incidents."""

import datetime
import graphlib
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models, transaction
from django.db.models.functions import Lower
from django.db.models.signals import m2m_changed
from django.dispatch import receiver
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import github

REFERENCE_PREFIX = "INC-"
REFERENCE_PATTERN = re.compile(rf"^{REFERENCE_PREFIX}(\d+)$", re.IGNORECASE)


class Severity(models.TextChoices):
    SEV1 = "sev1", _("SEV1 – critical")
    SEV2 = "sev2", _("SEV2 – major")
    SEV3 = "sev3", _("SEV3 – minor")
    SEV4 = "sev4", _("SEV4 – low")


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    PUBLISHED = "published", _("Published")


# --- labels shared between incidents ---------------------------------------------------------------


class LabelQuerySet(models.QuerySet):
    def resolve(self, names):
        """The labels with these names, created where missing; duplicates and blanks dropped, order kept."""
        labels, seen = [], set()
        for raw in names:
            name = self.model.normalize(raw)
            if not name or name.lower() in seen:
                continue
            seen.add(name.lower())
            label = self.filter(name__iexact=name).first() or self.create(name=name)
            labels.append(label)
        return labels


class Label(models.Model):
    name = models.CharField(_("name"), max_length=100)

    objects = LabelQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self):
        return self.name

    @staticmethod
    def normalize(name):
        """Names are single-spaced and comma-free (the search index lists them comma-separated)."""
        return " ".join(str(name).replace(",", " ").split())


class Tag(Label):
    """A short lower-case label such as ``dns`` or ``resource-exhaustion``."""

    class Meta(Label.Meta):
        constraints = [models.UniqueConstraint(Lower("name"), name="tag_name_unique_ci")]

    @staticmethod
    def normalize(name):
        return Label.normalize(name).lower().replace(" ", "-")


class Service(Label):
    """An affected component (``nginx``, ``aws-node``), reused across incidents."""

    class Meta(Label.Meta):
        constraints = [models.UniqueConstraint(Lower("name"), name="service_name_unique_ci")]


# --- GitHub references -----------------------------------------------------------------------------


class GitHubReferenceQuerySet(models.QuerySet):
    def for_ref(self, ref):
        """The stored reference for a parsed github.Ref, created on first use (one row per issue/PR)."""
        existing = self.filter(owner__iexact=ref.owner, repo__iexact=ref.repo, number=ref.number).first()
        if existing:
            return existing
        return self.create(owner=ref.owner, repo=ref.repo, number=ref.number, kind=ref.kind)

    def for_url(self, url):
        ref = github.parse(url)
        return self.for_ref(ref) if ref else None

    def by_short(self, text):
        """References matching ``OWNER/REPO#N`` (or a full URL); empty when the text is not one."""
        try:
            ref = github.parse(text)
        except ValueError:
            ref = None
        if ref is None:
            return self.none()
        return self.filter(owner__iexact=ref.owner, repo__iexact=ref.repo, number=ref.number)


class GitHubReference(models.Model):
    class Kind(models.TextChoices):
        ISSUE = github.ISSUE, _("Issue")
        PULL = github.PULL, _("Pull request")

    class State(models.TextChoices):
        UNKNOWN = "", _("Unknown")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")
        MERGED = "merged", _("Merged")

    owner = models.CharField(max_length=39)
    repo = models.CharField(max_length=100)
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.ISSUE)
    title = models.CharField(max_length=300, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, blank=True)
    synced_at = models.DateTimeField(null=True, blank=True)
    sync_error = models.CharField(max_length=300, blank=True)

    objects = GitHubReferenceQuerySet.as_manager()

    class Meta:
        ordering = ["owner", "repo", "number"]
        constraints = [
            models.UniqueConstraint(Lower("owner"), Lower("repo"), "number", name="github_reference_unique_ci"),
        ]
        verbose_name = "GitHub reference"

    def __str__(self):
        return self.short

    @property
    def short(self):
        return f"{self.owner}/{self.repo}#{self.number}"

    @property
    def url(self):
        return github.Ref(self.owner, self.repo, self.number, self.kind).url


def validate_link(value):
    """A link is an http(s) URL or a GitHub short form ``OWNER/REPO#N``."""
    if github.looks_like_short_form(value):
        pass
    else:
        URLValidator(schemes=["http", "https"], message=_("Enter an http(s) URL or OWNER/REPO#N."))(value)
    try:
        github.parse(value)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None


class GitHubLinked(models.Model):
    """Something with a ``url`` that, when it names a GitHub issue or PR, shares that stored ``github`` reference."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        ref = github.parse(self.url) if self.url else None
        if ref and github.looks_like_short_form(self.url):
            self.url = ref.url
        self.github = GitHubReference.objects.for_ref(ref) if ref else None
        super().save(*args, **kwargs)


# --- incidents -------------------------------------------------------------------------------------


class IncidentQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Published incidents for anyone signed in; drafts and reviews only for editors and authors."""
        if not user or not user.is_authenticated:
            return self.none()
        if user.has_perm("incidents.change_incident"):
            return self
        return self.filter(models.Q(status=Status.PUBLISHED) | models.Q(authors=user)).distinct()

    def newest_first(self):
        return self.order_by(models.F("started_at").desc(nulls_last=True), "-created_at", "-id")

    def for_document(self):
        """Everything the incident document shows, fetched in a fixed number of queries."""
        return self.prefetch_related(
            "services", "tags", "authors", "timeline", "lessons",
            models.Prefetch("factors", queryset=ContributingFactor.objects.prefetch_related("leads_to")),
            models.Prefetch("action_items", queryset=ActionItem.objects.select_related("github")),
            models.Prefetch("links", queryset=ExternalLink.objects.select_related("github")),
        )

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
            queryset = queryset.filter(started_at__lt=start_of_day(until + datetime.timedelta(days=1)))
        return queryset.order_by(models.F("started_at").asc(nulls_last=True), "id")

    def with_services(self, names):
        """Incidents affecting any of these services (names compared case-insensitively)."""
        match = models.Q()
        for name in names:
            match |= models.Q(services__name__iexact=Service.normalize(name))
        return self.filter(match).distinct()


class Incident(models.Model):
    MILESTONES = ("started_at", "detected_at", "mitigated_at", "resolved_at")
    # The review workflow: draft → in review → published, and back a step when more work is needed.
    TRANSITIONS = {
        Status.DRAFT: [Status.IN_REVIEW],
        Status.IN_REVIEW: [Status.PUBLISHED, Status.DRAFT],
        Status.PUBLISHED: [Status.IN_REVIEW],
    }

    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    impact = models.TextField(_("impact"), blank=True)
    analysis = models.TextField(_("analysis"), blank=True, help_text=_("What happened and why."))
    resolution = models.TextField(_("resolution"), blank=True)
    severity = models.CharField(_("severity"), max_length=4, choices=Severity.choices, default=Severity.SEV3)
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
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-created_at", "-id"]
        indexes = [models.Index(fields=["status", "started_at"])]

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

    def allowed_transitions(self):
        return self.TRANSITIONS.get(self.status, [])

    def _since_start(self, field):
        value = getattr(self, field)
        return value - self.started_at if value and self.started_at else None

    def save(self, *args, **kwargs):
        self.time_to_detect = self._since_start("detected_at")
        self.time_to_mitigate = self._since_start("mitigated_at")
        self.time_to_resolve = self._since_start("resolved_at")
        if not self._state.adding:
            self.version += 1
        super().save(*args, **kwargs)

    def github_references(self):
        return GitHubReference.objects.filter(
            models.Q(pk__in=self.links.values("github")) | models.Q(pk__in=self.action_items.values("github"))
        )


class TimelineEvent(models.Model):
    class Kind(models.TextChoices):
        TRIGGER = "trigger", _("Trigger")
        DETECTION = "detection", _("Detection")
        INVESTIGATION = "investigation", _("Investigation")
        ACTION = "action", _("Action")
        COMMUNICATION = "communication", _("Communication")
        MITIGATION = "mitigation", _("Mitigation")
        RESOLUTION = "resolution", _("Resolution")
        OTHER = "other", _("Other")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="timeline")
    occurred_at = models.DateTimeField(_("occurred at"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    description = models.TextField(_("description"), blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True, help_text=_('e.g. "nginx error log", "chat", "alert"'))

    class Meta:
        ordering = ["occurred_at", "id"]

    def __str__(self):
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.get_kind_display()}"


class FactorCategory(models.TextChoices):
    DEFECT = "defect", _("Defect")
    DEPENDENCY = "dependency", _("Dependency")
    CHANGE = "change", _("Change")
    CONFIGURATION = "configuration", _("Configuration")
    RESOURCE_EXHAUSTION = "resource-exhaustion", _("Resource exhaustion")
    CAPACITY = "capacity", _("Capacity")
    NETWORK = "network", _("Network")
    ENVIRONMENT = "environment", _("Environment")
    MONITORING_GAP = "monitoring-gap", _("Monitoring gap")
    PROCESS = "process", _("Process")
    THIRD_PARTY = "third-party", _("Third party")
    OTHER = "other", _("Other")


def find_cycle(edges):
    """A list of nodes forming a cycle in ``{node: [successor, ...]}``, or None when there is none."""
    try:
        graphlib.TopologicalSorter({node: set(succ) for node, succ in edges.items()}).prepare()
    except graphlib.CycleError as exc:
        return exc.args[1]
    return None


class ContributingFactor(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="factors")
    category = models.CharField(_("category"), max_length=20, choices=FactorCategory.choices)
    description = models.TextField(_("description"))
    leads_to = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="caused_by", verbose_name=_("leads to"),
        help_text=_("Other factors of the same incident that this one caused."),
    )

    class Meta:
        ordering = ["id"]

    def __str__(self):
        text = " ".join(self.description.split())
        return f"{self.get_category_display()}: {text[:60]}"

    def validate_leads_to(self, targets):
        """Raise ValidationError unless ``targets`` (replacing the current ones) keep the causes a valid graph."""
        targets = list(targets)
        if self.pk is None:  # a new factor has no causes yet, so it cannot close a cycle
            if any(t.incident_id != self.incident_id for t in targets):
                raise ValidationError(_("A factor can only lead to factors of the same incident."))
            return
        validate_causal_links([(self.pk, t.pk) for t in targets], replacing=[self.pk])

    def set_leads_to(self, targets):
        targets = list(targets)
        self.validate_leads_to(targets)
        self.leads_to.set(targets)


def validate_causal_links(pairs, replacing=()):
    """Check new (cause pk, effect pk) links between factors against the ones already stored.

    ``replacing`` names causes whose stored links are about to be replaced by ``pairs``. Raises
    ValidationError when a link joins two incidents, points a factor at itself, or closes a cycle.
    """
    pks = {pk for pair in pairs for pk in pair}
    incident_of = dict(ContributingFactor.objects.filter(pk__in=pks).values_list("pk", "incident_id"))
    for cause, effect in pairs:
        if cause == effect:
            raise ValidationError(_("A factor cannot lead to itself."))
        if incident_of.get(cause) != incident_of.get(effect) or cause not in incident_of:
            raise ValidationError(_("A factor can only lead to factors of the same incident."))
    links = ContributingFactor.leads_to.through.objects.filter(
        from_contributingfactor__incident_id__in=set(incident_of.values())
    ).exclude(from_contributingfactor_id__in=replacing)
    edges = {}
    for cause, effect in [*links.values_list("from_contributingfactor_id", "to_contributingfactor_id"), *pairs]:
        edges.setdefault(cause, set()).add(effect)
    if find_cycle(edges):
        raise ValidationError(_("These causes would form a cycle: a factor would end up causing itself."))


@receiver(m2m_changed, sender=ContributingFactor.leads_to.through)
def _guard_causal_links(sender, instance, action, reverse, pk_set, **kwargs):
    """No code path (admin, shell, API) may store a cross-incident or cyclic ``leads_to``."""
    if action == "pre_add" and pk_set:
        pairs = [(pk, instance.pk) for pk in pk_set] if reverse else [(instance.pk, pk) for pk in pk_set]
        validate_causal_links(pairs)


class Lesson(models.Model):
    class Kind(models.TextChoices):
        WENT_WELL = "went_well", _("Went well")
        WENT_WRONG = "went_wrong", _("Went wrong")
        LUCKY = "lucky", _("Where we got lucky")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="lessons")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    text = models.TextField(_("text"))

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.text[:60]}"


class ActionItemQuerySet(models.QuerySet):
    def unfinished(self):
        return self.filter(status__in=ActionItem.UNFINISHED)

    def overdue(self, today):
        return self.unfinished().filter(due_date__lt=today)


class ActionItem(GitHubLinked):
    class Kind(models.TextChoices):
        PREVENT = "prevent", _("Prevent")
        MITIGATE = "mitigate", _("Mitigate")
        DETECT = "detect", _("Detect")
        PROCESS = "process", _("Process")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        WONT_DO = "wont_do", _("Won't do")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="action_items")
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PREVENT)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    owner = models.CharField(_("owner"), max_length=100, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    url = models.CharField(_("URL"), max_length=500, blank=True, validators=[validate_link])
    github = models.ForeignKey(GitHubReference, null=True, blank=True, on_delete=models.SET_NULL, related_name="action_items")

    UNFINISHED = (Status.OPEN, Status.IN_PROGRESS)

    objects = ActionItemQuerySet.as_manager()

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.title

    @property
    def is_unfinished(self):
        return self.status in self.UNFINISHED

    def is_overdue(self, today):
        return self.is_unfinished and self.due_date is not None and self.due_date < today


class ExternalLink(GitHubLinked):
    class Relation(models.TextChoices):
        CAUSE = "cause", _("Cause")
        FIX = "fix", _("Fix")
        RELATED = "related", _("Related")
        FOLLOW_UP = "follow_up", _("Follow-up")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="links")
    url = models.CharField(_("URL"), max_length=500, validators=[validate_link], help_text=_("A URL, or OWNER/REPO#N for GitHub."))
    relation = models.CharField(_("relation"), max_length=10, choices=Relation.choices, default=Relation.RELATED)
    title = models.CharField(_("title"), max_length=300, blank=True)
    github = models.ForeignKey(GitHubReference, null=True, blank=True, on_delete=models.SET_NULL, related_name="links")

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["incident", "url"], name="link_unique_per_incident")]

    def __str__(self):
        return self.github.short if self.github else self.url


# --- retrospective meetings ------------------------------------------------------------------------


def start_of_day(day):
    """The aware datetime at which ``day`` starts in the display time zone."""
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_default_timezone())


class RetrospectiveQuerySet(models.QuerySet):
    def newest_first(self):
        return self.order_by("-date", "-id")


class Retrospective(models.Model):
    """A review meeting that walks through incidents on its agenda, in order."""

    title = models.CharField(_("title"), max_length=200)
    date = models.DateField(_("date"))
    facilitator = models.CharField(_("facilitator"), max_length=100, blank=True)
    # The saved selection: incidents matching all of these can be added to the agenda in one step.
    select_tag = models.CharField(_("tag"), max_length=100, blank=True, help_text=_("e.g. postmortem"))
    select_status = models.CharField(_("status"), max_length=10, choices=Status.choices, blank=True)
    select_since = models.DateField(_("started on or after"), null=True, blank=True)
    select_since_previous = models.BooleanField(
        _("started since the previous meeting"), default=False,
        help_text=_("Only incidents that started on or after the date of the meeting before this one."),
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RetrospectiveQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("retrospective")
        verbose_name_plural = _("retrospectives")

    def __str__(self):
        return f"{self.title} ({self.date:%Y-%m-%d})" if self.date else self.title

    def get_absolute_url(self):
        return reverse("retrospective-detail", args=[self.pk])

    def previous(self):
        """The meeting held before this one (by date), or None."""
        earlier = models.Q(date__lt=self.date)
        if self.pk:
            earlier |= models.Q(date=self.date, pk__lt=self.pk)
        return Retrospective.objects.filter(earlier).order_by("-date", "-pk").first()

    def selection_since(self):
        """The start date of the saved selection: the later of ``select_since`` and the previous meeting."""
        dates = [self.select_since] if self.select_since else []
        if self.select_since_previous and (previous := self.previous()):
            dates.append(previous.date)
        return max(dates, default=None)

    def has_selection(self):
        return bool(self.select_tag or self.select_status or self.select_since or self.select_since_previous)

    def apply_selection(self, queryset=None):
        """The incidents the saved selection matches (none when nothing is selected), oldest first."""
        queryset = Incident.objects.all() if queryset is None else queryset
        if not self.has_selection():
            return queryset.none()
        return queryset.selected(tags=[self.select_tag] if self.select_tag else (),
                                 status=self.select_status, since=self.selection_since())

    def add_to_agenda(self, incidents):
        """Append these incidents to the end of the agenda (those already on it stay where they are)."""
        present = set(self.agenda.values_list("incident_id", flat=True))
        position = (self.agenda.aggregate(last=models.Max("position"))["last"] or 0) + 1
        added = []
        for incident in incidents:
            if incident.pk not in present:
                added.append(AgendaItem.objects.create(retrospective=self, incident=incident, position=position))
                present.add(incident.pk)
                position += 1
        return added

    def move(self, item, offset):
        """Swap an agenda item with its neighbour above (``offset=-1``) or below (``+1``)."""
        items = list(self.agenda.all())
        index = next(i for i, other in enumerate(items) if other.pk == item.pk)
        other = index + offset
        if not 0 <= other < len(items):
            return
        items[index], items[other] = items[other], items[index]
        self.renumber(items)

    def renumber(self, items):
        for position, item in enumerate(items, start=1):
            if item.position != position:
                item.position = position
                item.save(update_fields=["position"])

    def close(self, publish=True):
        """Mark the meeting held; with ``publish``, incidents on the agenda still in review are published.
        Returns the incidents published."""
        published = []
        with transaction.atomic():
            if publish:
                in_review = Incident.objects.select_for_update().filter(agenda_items__retrospective=self,
                                                                        status=Status.IN_REVIEW)
                for incident in in_review:
                    if Status.PUBLISHED in incident.allowed_transitions():
                        incident.status = Status.PUBLISHED
                        incident.save()
                        published.append(incident)
            self.closed_at = timezone.now()
            self.save(update_fields=["closed_at"])
        return published


class AgendaItem(models.Model):
    """One incident on a meeting's agenda, with what the meeting noted and decided about it."""

    retrospective = models.ForeignKey(Retrospective, on_delete=models.CASCADE, related_name="agenda")
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="agenda_items", verbose_name=_("incident"))
    position = models.PositiveIntegerField(_("position"), default=0)
    notes = models.TextField(_("notes"), blank=True)
    decisions = models.TextField(_("decisions"), blank=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["retrospective", "incident"], name="agenda_incident_once_per_meeting"),
        ]
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")

    def __str__(self):
        return f"{self.position}. {self.incident}"


# --- exports prepared in the background ------------------------------------------------------------


class ExportJobQuerySet(models.QuerySet):
    def expired(self, now=None):
        """Jobs older than ExportJob.KEEP, whose files the housekeeping removes."""
        return self.filter(created_at__lt=(now or timezone.now()) - ExportJob.KEEP)


class ExportJob(models.Model):
    """A file (a meeting's pack as PDF) being prepared in the background for the user who asked for it.
    The file lives under settings.EXPORT_DIR for ExportJob.KEEP; incidents.tasks.render_export writes it."""

    KEEP = datetime.timedelta(days=1)

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Being prepared")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    retrospective = models.ForeignKey(Retrospective, on_delete=models.CASCADE, related_name="export_jobs",
                                      verbose_name=_("retrospective"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="export_jobs",
                                     verbose_name=_("requested by"))
    format = models.CharField(_("format"), max_length=10, default="pdf")
    language = models.CharField(_("language"), max_length=10, default=settings.LANGUAGE_CODE,
                                help_text=_("The language of the page the file was asked for from."))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = ExportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("export job")
        verbose_name_plural = _("export jobs")

    def __str__(self):
        return f"{self.format} export of {self.retrospective_id} ({self.status})"

    def get_absolute_url(self):
        return reverse("export-job", args=[self.pk])

    @property
    def path(self):
        """Where the finished file is (or will be) stored."""
        return settings.EXPORT_DIR / f"{self.pk}-{self.filename}"

    @property
    def in_progress(self):
        return self.status in (self.Status.PENDING, self.Status.RUNNING)
