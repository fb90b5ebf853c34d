"""Retrospective meetings: an ordered agenda of incidents with the meeting's notes and decisions (their
writes, closing a meeting among them, are incidents.actions.retrospectives)."""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .incidents import Incident, Status, Visibility


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
        """The incidents the saved selection matches (none when nothing is selected), oldest first. Never a
        restricted incident, whoever saves the meeting: the agenda is everyone's, and a restricted incident
        goes on it only when someone who may see it adds it by name (AgendaAddForm, the API's agenda)."""
        queryset = Incident.objects.all() if queryset is None else queryset
        queryset = queryset.filter(visibility=Visibility.INTERNAL)
        if not self.has_selection():
            return queryset.none()
        return queryset.selected(tags=[self.select_tag] if self.select_tag else (),
                                 status=self.select_status, since=self.selection_since())


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
