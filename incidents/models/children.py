"""What an incident document holds besides its own fields: timeline events, contributing factors (and
which leads to which), lessons, action items and links. Each belongs to one incident."""

import graphlib

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.signals import m2m_changed
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .github import GitHubLinked, GitHubReference, validate_link

INCIDENT = "incidents.Incident"


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

    incident = models.ForeignKey(INCIDENT, on_delete=models.CASCADE, related_name="timeline")
    occurred_at = models.DateTimeField(_("occurred at"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    description = models.TextField(_("description"), blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True, help_text=_('e.g. "nginx error log", "chat", "alert"'))

    class Meta:
        ordering = ["occurred_at", "id"]
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline events")

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
    incident = models.ForeignKey(INCIDENT, on_delete=models.CASCADE, related_name="factors")
    category = models.CharField(_("category"), max_length=20, choices=FactorCategory.choices)
    description = models.TextField(_("description"))
    leads_to = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="caused_by", verbose_name=_("leads to"),
        help_text=_("Other factors of the same incident that this one caused."),
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("contributing factor")
        verbose_name_plural = _("contributing factors")

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

    incident = models.ForeignKey(INCIDENT, on_delete=models.CASCADE, related_name="lessons")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    text = models.TextField(_("text"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")

    def __str__(self):
        return f"{self.get_kind_display()}: {self.text[:60]}"


class ActionItemQuerySet(models.QuerySet):
    def unfinished(self):
        return self.filter(status__in=ActionItem.UNFINISHED)

    def overdue(self, today):
        return self.unfinished().filter(due_date__lt=today)

    def visible_to(self, user):
        """The items of the incidents ``user`` may see (``IncidentQuerySet.visible_to``)."""
        incidents = self.model._meta.get_field("incident").related_model.objects
        return self.filter(incident__in=incidents.visible_to(user).values("pk"))

    def of_incidents_tagged(self, names):
        """The items of incidents having all these tags."""
        incidents = self.model._meta.get_field("incident").related_model.objects
        return self.filter(incident__in=incidents.with_tags(names).values("pk"))

    def overdue_first(self, today):
        """Overdue items first, then the other unfinished ones, then finished ones; within each by due date
        (items without one last), then newest incident first."""
        rank = models.Case(
            models.When(models.Q(status__in=ActionItem.UNFINISHED, due_date__lt=today), then=0),
            models.When(status__in=ActionItem.UNFINISHED, then=1),
            default=2,
        )
        return self.alias(rank=rank).order_by("rank", models.F("due_date").asc(nulls_last=True), "-incident_id", "id")


class ActionItem(GitHubLinked):
    class Kind(models.TextChoices):
        PREVENT = "prevent", _("Prevent")
        MITIGATE = "mitigate", _("Mitigate")
        DETECT = "detect", _("Detect")
        INVESTIGATE = "investigate", _("Investigate")
        PROCESS = "process", _("Process")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        WONT_DO = "wont_do", _("Won't do")

    incident = models.ForeignKey(INCIDENT, on_delete=models.CASCADE, related_name="action_items")
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.PREVENT)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    owner = models.CharField(_("owner"), max_length=100, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    url = models.CharField(_("URL"), max_length=500, blank=True, validators=[validate_link])
    tracker = models.CharField(_("tracked as"), max_length=100, blank=True,
                               help_text=_('A bug or ticket reference that is not a link, e.g. "Bug 5554823".'))
    github = models.ForeignKey(GitHubReference, null=True, blank=True, on_delete=models.SET_NULL, related_name="action_items")
    # What the linked issue or PR last did to this item (see follow_link): "merged", "closed", "not_planned",
    # "reopened" or "closed_unmerged" (a flag: the status was left alone), and when GitHub says it happened.
    link_event = models.CharField(max_length=20, blank=True, editable=False)
    link_event_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_by_link = models.BooleanField(default=False, editable=False)

    UNFINISHED = (Status.OPEN, Status.IN_PROGRESS)
    LINK_KEPT = ("link_event", "link_event_at", "closed_by_link")  # carried over when the document is saved again

    objects = ActionItemQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("action item")
        verbose_name_plural = _("action items")

    def __str__(self):
        return self.title

    @property
    def is_unfinished(self):
        return self.status in self.UNFINISHED

    def is_overdue(self, today):
        return self.is_unfinished and self.due_date is not None and self.due_date < today

    def follow_link(self, reference):
        """Follow the linked issue or PR's new state; True when anything about the item changed.

        PR merged → done; issue closed as completed → done; closed as not planned (or duplicate) → won't
        do; PR closed without merge → status kept, flagged. Only unfinished items move, whatever status a
        person gave them. A reopen moves the item back to open only if the link closed it."""
        state, reason, when = reference.state, reference.state_reason, reference.changed_at
        before = (self.status, self.link_event, self.closed_by_link)
        if state in (GitHubReference.State.CLOSED, GitHubReference.State.MERGED):
            if not self.is_unfinished:
                return False
            if state == GitHubReference.State.MERGED:
                self.status, self.link_event, self.closed_by_link = self.Status.DONE, "merged", True
            elif reference.kind == GitHubReference.Kind.PULL:
                self.link_event = "closed_unmerged"
            elif reason in ("not_planned", "duplicate"):
                self.status, self.link_event, self.closed_by_link = self.Status.WONT_DO, "not_planned", True
            else:
                self.status, self.link_event, self.closed_by_link = self.Status.DONE, "closed", True
        elif state == GitHubReference.State.OPEN:
            if self.closed_by_link:
                self.status, self.link_event, self.closed_by_link = self.Status.OPEN, "reopened", False
            elif self.link_event == "closed_unmerged":
                self.link_event = "reopened"
        if (self.status, self.link_event, self.closed_by_link) == before:
            return False
        self.link_event_at = when or timezone.now()
        return True

    @property
    def link_note(self):
        """"acme/api#42 merged 2026-11-01": what the link did to this item, for people."""
        if not (self.link_event and self.github):
            return ""
        words = {"merged": _("merged"), "closed": _("closed"), "not_planned": _("closed as not planned"),
                 "reopened": _("reopened"), "closed_unmerged": _("closed without merging")}
        when = f" {timezone.localtime(self.link_event_at):%Y-%m-%d}" if self.link_event_at else ""
        return f"{self.github.short} {words.get(self.link_event, self.link_event)}{when}"


class ExternalLink(GitHubLinked):
    class Relation(models.TextChoices):
        CAUSE = "cause", _("Cause")
        FIX = "fix", _("Fix")
        RELATED = "related", _("Related")
        FOLLOW_UP = "follow_up", _("Follow-up")

    incident = models.ForeignKey(INCIDENT, on_delete=models.CASCADE, related_name="links")
    url = models.CharField(_("URL"), max_length=500, validators=[validate_link], help_text=_("A URL, or OWNER/REPO#N for GitHub."))
    relation = models.CharField(_("relation"), max_length=10, choices=Relation.choices, default=Relation.RELATED)
    title = models.CharField(_("title"), max_length=300, blank=True)
    github = models.ForeignKey(GitHubReference, null=True, blank=True, on_delete=models.SET_NULL, related_name="links")

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["incident", "url"], name="link_unique_per_incident")]
        verbose_name = _("link")
        verbose_name_plural = _("links")

    def __str__(self):
        return self.github.short if self.github else self.url
