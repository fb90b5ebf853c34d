"""An incident's history page: its revisions, newest first, with who or what wrote each, what changed (the
Markdown fields as a character-run diff, other fields as the pages show them: choices by their labels, times
as on the incident page, people by name, the incident type by its name, each custom field by its label with
its values as the incident page shows them, rows as how many were added, changed or removed), and for editors
a restore, confirmed on a page of its own before it is saved."""

import datetime

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.shortcuts import redirect, render
from django.template.defaultfilters import date as format_date
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext
from django.views import View
from django.views.generic import TemplateView

from incidents.actions.document import DocumentInvalid
from incidents.actions.history import restore_revision
from incidents.actions.incidents import VersionConflict
from incidents.models import Incident, IncidentRevision, IncidentType, SeverityLevel
from incidents.models.history import CHILDREN, LISTS, MARKDOWN, changed_fields, with_documents
from incidents.models.types import DEFAULT_TYPE, shown_value

from .shortcuts import incident_or_404

SHOWN = 50  # the newest revisions on the page; the API lists them all
TIME_FORMAT = "Y-m-d H:i T"  # as the incident page shows its times
LIST_LABELS = {"services": _("Services"), "tags": _("Tags"), "authors": _("Authors"), "reviewers": _("Reviewers"),
               "members": _("Members"), "timeline": _("Timeline"),
               "factors": _("Contributing factors"), "lessons": _("Lessons learned"), "action_items": _("Action items"),
               "links": _("Links"), "attachments": _("Attachments")}
PEOPLE = ("authors", "reviewers", "members")
UNCHANGED = ("status", "reviewers", "attachments")  # what a restore leaves as it is (actions.history.writable)


class HistoryView(LoginRequiredMixin, TemplateView):
    template_name = "incidents/history.html"

    def get_context_data(self, **kwargs):
        incident = incident_or_404(Incident.objects.visible_to(self.request.user), self.kwargs["reference"])
        revisions = with_documents(list(IncidentRevision.objects.of(incident)[:SHOWN + 1]))  # not one by one
        names = _names(revisions)
        types = {found.key: found for found in IncidentType.objects.prefetch_related("custom_fields")}
        rows = [{"revision": revision, "changes": _changes(revision, previous, names, types)}
                for revision, previous in zip(revisions[:SHOWN], [*revisions[1:], None])]
        return super().get_context_data(incident=incident, rows=rows, more=len(revisions) > SHOWN,
                                        can_restore=self.request.user.has_perm("incidents.change_incident"),
                                        time_format=TIME_FORMAT, **kwargs)


def label_of(name):
    """A field's label as the edit page shows it."""
    return LIST_LABELS[name] if name in LISTS else capfirst(Incident._meta.get_field(name).verbose_name)


def _names(revisions):
    """{user name: the name the pages show} for the people these revisions name."""
    usernames = {name for revision in revisions for key in PEOPLE for name in revision.document().get(key, [])}
    usernames |= {value for revision in revisions for value in (revision.document().get("fields") or {}).values()
                  if isinstance(value, str) and len(value) <= 150 and not any(c.isspace() for c in value)}  # users
    users = get_user_model().objects.filter(username__in=usernames)
    return {user.get_username(): user.get_full_name() or user.get_username() for user in users}


def _changes(revision, previous, names, types=None):
    """(name, label, kind, change) per changed field: "text" segments; for the others "from" and "to" as shown
    (kind "value"; one per custom field that changed), or for child rows a "summary" of how many were added,
    changed and removed (kind "rows")."""
    if previous is None and revision.number > 1:
        previous = revision.previous()
    types = types if types is not None else {}
    changes = []
    for name, change in revision.diff(previous).items():
        if name == "fields":
            type_keys = [document.get("type") or DEFAULT_TYPE for document in
                         ((previous.document(),) if previous else ()) + (revision.document(),)]
            changes.extend(_field_changes(change, [types[key] for key in type_keys if key in types], names))
            continue
        if name == "type":
            kind, change = "value", {side: str(types[change[side]].name) if change[side] in types else (change[side] or "—")
                                     for side in ("from", "to")}
        elif name in MARKDOWN:
            kind = "text"
        elif name in CHILDREN:
            kind, change = "rows", {"summary": _rows_summary(change["from"], change["to"])}
        else:
            kind, change = "value", {side: _shown(name, change[side], names) for side in ("from", "to")}
        changes.append({"name": name, "label": label_of(name), "kind": kind, "change": change})
    return changes


def _field_changes(change, incident_types, names):
    """One change per custom field whose value differs, labelled as the edit page labels it (by the newer
    revision's type, else the older one's; by its key when neither defines it), in the type's field order."""
    before, after = change["from"] or {}, change["to"] or {}
    definitions = {}
    for incident_type in incident_types:  # the newer type last: its labels win
        definitions |= {field.key: field for field in incident_type.custom_fields.all()}
    keys = [key for key in definitions if key in before or key in after]
    keys += [key for key in {**before, **after} if key not in definitions]
    changes = []
    for key in keys:
        if before.get(key) == after.get(key):
            continue
        field = definitions.get(key)
        unit = f" {field.unit}" if field and field.unit else ""
        shown = {side: "—" if values.get(key) in (None, "", []) else
                 shown_value(field.kind if field else "", values[key], names) + unit
                 for side, values in (("from", before), ("to", after))}
        changes.append({"name": f"fields.{key}", "label": field.label if field else key, "kind": "value",
                        "change": shown})
    return changes


def _shown(name, value, names):
    """A stored value as the pages show it: a choice by its label, a time in the display zone, a list joined."""
    if value in (None, "", []):
        return "—"
    if name in PEOPLE:
        return ", ".join(names.get(username, username) for username in value)
    if name == "attachments":  # by name (and alt text)
        return ", ".join(f"{item['name']} ({item['alt']})" if item.get("alt") else item["name"] for item in value)
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, datetime.datetime):
        return format_date(timezone.localtime(value), TIME_FORMAT)
    if isinstance(value, datetime.date):
        return format_date(value, "Y-m-d")
    if name == "severity":
        return SeverityLevel.objects.label(value)
    choices = dict(Incident._meta.get_field(name).flatchoices) if name in ("status", "visibility") else {}
    return str(choices.get(value, value))


def _rows_summary(before, after):
    """"1 row added, 2 rows changed" (rows are compared by id), in the page's language."""
    before_by_id, after_by_id = {row["id"]: row for row in before}, {row["id"]: row for row in after}
    added = sum(1 for pk in after_by_id if pk not in before_by_id)
    removed = sum(1 for pk in before_by_id if pk not in after_by_id)
    changed = sum(1 for pk, row in after_by_id.items() if pk in before_by_id and before_by_id[pk] != row)
    parts = [ngettext("%(n)d row added", "%(n)d rows added", added) % {"n": added} if added else "",
             ngettext("%(n)d row changed", "%(n)d rows changed", changed) % {"n": changed} if changed else "",
             ngettext("%(n)d row removed", "%(n)d rows removed", removed) % {"n": removed} if removed else ""]
    return pgettext("list separator", ", ").join(part for part in parts if part) or str(_("Rows reordered"))


class RestoreView(PermissionRequiredMixin, View):
    """GET: what restoring a revision will do, and the button that does it (POST). The version the history
    page was showing travels along, so a save made meanwhile is noticed and nothing is overwritten."""

    permission_required = "incidents.change_incident"
    http_method_names = ["get", "post"]

    def revision(self, request, reference, number):
        incident = incident_or_404(Incident.objects.visible_to(request.user), reference)
        return incident, IncidentRevision.objects.of(incident).filter(number=number).first()

    def get(self, request, reference, number):
        incident, revision = self.revision(request, reference, number)
        version = request.GET.get("version", "")
        if revision is None or not (version.isascii() and version.isdigit()):
            messages.error(request, _("That revision cannot be restored."))
            return redirect("incident-history", reference=incident.reference)
        current = IncidentRevision.objects.of(incident).first()
        changing = pgettext("list separator", ", ").join(
            str(label_of(name)) for name in changed_fields(current.document(), revision.document())
            if name not in UNCHANGED)
        return render(request, "incidents/history_restore.html", {
            "incident": incident, "revision": revision, "version": version, "changing": changing,
            "time_format": TIME_FORMAT})

    def post(self, request, reference, number):
        incident, revision = self.revision(request, reference, number)
        version = request.POST.get("version", "")
        if revision is None or not (version.isascii() and version.isdigit()):
            messages.error(request, _("That revision cannot be restored."))
            return redirect("incident-history", reference=incident.reference)
        try:
            restore_revision(incident, revision, user=request.user, expected_version=int(version))
        except VersionConflict:
            messages.error(request, saved_meanwhile(incident, request.user))
            return redirect("incident-history", reference=incident.reference)
        except DocumentInvalid as invalid:  # e.g. it would make a reviewer an author again
            messages.error(request, _("That revision cannot be restored: %(reason)s") % {
                "reason": " ".join(message for messages_ in invalid.errors.values() for message in messages_)})
            return redirect("incident-history", reference=incident.reference)
        messages.success(request, _("Restored revision %(number)s as a new revision.") % {"number": number})
        return redirect(incident.get_absolute_url())


def saved_meanwhile(incident, user):
    """Why a restore was refused, naming who saved last: the user themself (another tab), someone else, or an
    automatic change."""
    latest = IncidentRevision.objects.of(incident).first()
    at = format_date(timezone.localtime(latest.created_at), TIME_FORMAT)
    if latest.author is not None and latest.author.pk == user.pk:
        return _("You saved this incident at %(at)s (in another tab or window) after this history was shown; "
                 "nothing was restored. The history below is current: restore again if you still want to.") % {"at": at}
    if latest.author is not None:
        return _("%(name)s saved this incident at %(at)s after you opened its history; nothing was restored. "
                 "The history below is current: restore again if you still want to.") % {
            "name": latest.author.get_full_name() or latest.author.get_username(), "at": at}
    return _("An automatic change (%(source)s) saved this incident at %(at)s after you opened its history; nothing "
             "was restored. The history below is current: restore again if you still want to.") % {
        "source": latest.get_source_display(), "at": at}
