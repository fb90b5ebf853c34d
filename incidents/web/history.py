"""An incident's history page: its revisions, newest first, with who or what wrote each, what changed (the
Markdown fields as a character-run diff), and a restore button for editors."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import TemplateView

from incidents.actions.history import restore_revision
from incidents.actions.incidents import VersionConflict
from incidents.models import Incident, IncidentRevision
from incidents.models.history import LISTS, MARKDOWN

from .shortcuts import incident_or_404

SHOWN = 50  # the newest revisions on the page; the API lists them all
LIST_LABELS = {"services": _("Services"), "tags": _("Tags"), "authors": _("Authors"), "reviewers": _("Reviewers"),
               "members": _("Members"), "timeline": _("Timeline"),
               "factors": _("Contributing factors"), "lessons": _("Lessons learned"), "action_items": _("Action items"),
               "links": _("Links"), "attachments": _("Attachments")}


class HistoryView(LoginRequiredMixin, TemplateView):
    template_name = "incidents/history.html"

    def get_context_data(self, **kwargs):
        incident = incident_or_404(Incident.objects.visible_to(self.request.user), self.kwargs["reference"])
        revisions = list(IncidentRevision.objects.of(incident)[:SHOWN + 1])
        rows = [{"revision": revision, "changes": _changes(revision, previous)}
                for revision, previous in zip(revisions[:SHOWN], [*revisions[1:], None])]
        return super().get_context_data(incident=incident, rows=rows, more=len(revisions) > SHOWN,
                                        can_restore=self.request.user.has_perm("incidents.change_incident"),
                                        **kwargs)


def _changes(revision, previous):
    """(field, kind, value) per changed field: "text" segments, a "list" change, or a "value" change."""
    if previous is None and revision.number > 1:
        previous = revision.previous()
    changes = []
    for name, change in revision.diff(previous).items():
        kind = "text" if name in MARKDOWN else "list" if name in LISTS else "value"
        label = LIST_LABELS.get(name, name) if name in LISTS else Incident._meta.get_field(name).verbose_name
        if name == "attachments":  # by name (and alt text), as the tags are
            change = {side: [_attachment(item) for item in change[side]] for side in ("from", "to")}
        changes.append({"name": name, "label": label, "kind": kind, "change": change})
    return changes


def _attachment(item):
    return f"{item['name']} ({item['alt']})" if item.get("alt") else item["name"]


class RestoreView(PermissionRequiredMixin, View):
    permission_required = "incidents.change_incident"
    http_method_names = ["post"]

    def post(self, request, reference, number):
        incident = incident_or_404(Incident.objects.visible_to(request.user), reference)
        revision = IncidentRevision.objects.of(incident).filter(number=number).first()
        version = request.POST.get("version", "")
        if revision is None or not (version.isascii() and version.isdigit()):
            messages.error(request, _("That revision cannot be restored."))
            return redirect("incident-history", reference=incident.reference)
        try:
            restore_revision(incident, revision, user=request.user, expected_version=int(version))
        except VersionConflict:
            messages.error(request, _("Someone saved this incident since you opened its history; nothing was restored."))
            return redirect("incident-history", reference=incident.reference)
        messages.success(request, _("Restored revision %(number)s as a new revision.") % {"number": number})
        return redirect(incident.get_absolute_url())
