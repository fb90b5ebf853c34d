"""Browser pages for retrospective meetings: list, create, edit, and the meeting itself (agenda, notes,
decisions, close). Thin views over actions.retrospectives; the downloads are in web.exports."""

import re

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _, ngettext
from django.views import View
from django.views.generic import CreateView, DetailView, ListView, UpdateView

from incidents import export
from incidents.actions import retrospectives
from incidents.forms.retrospective import AgendaAddForm, AgendaNotesForm, CloseForm, RetrospectiveForm
from incidents.models import Incident, Retrospective

BOX_NAME = re.compile(r"item-(\d+)-(?:notes|decisions)")  # the notes form's fields, by agenda item id


class RetrospectiveListView(LoginRequiredMixin, ListView):
    template_name = "retrospectives/list.html"
    context_object_name = "meetings"
    paginate_by = 50

    def get_queryset(self):
        return Retrospective.objects.newest_first()


class SelectionMixin:
    """After a save, incidents matching the saved selection are appended to the agenda."""

    def form_valid(self, form):
        self.object = form.save(commit=False)
        added = retrospectives.save_meeting(self.object, add_selection=True)
        if added:
            messages.success(self.request, ngettext("%(n)d incident added to the agenda.",
                                                    "%(n)d incidents added to the agenda.", len(added)) % {"n": len(added)})
        return redirect(self.get_success_url())


class RetrospectiveCreateView(PermissionRequiredMixin, SelectionMixin, CreateView):
    permission_required = "incidents.add_retrospective"
    template_name = "retrospectives/form.html"
    form_class = RetrospectiveForm


class RetrospectiveUpdateView(PermissionRequiredMixin, SelectionMixin, UpdateView):
    permission_required = "incidents.change_retrospective"
    template_name = "retrospectives/form.html"
    form_class = RetrospectiveForm
    model = Retrospective


def visible_agenda(meeting, user):
    """The meeting's agenda items whose incidents ``user`` may see, in order."""
    return meeting.agenda.filter(incident__in=Incident.objects.visible_to(user)).select_related("incident")


class RetrospectiveDetailView(LoginRequiredMixin, DetailView):
    """The meeting: its agenda as the reader may see it, and for editors the forms that change it."""

    template_name = "retrospectives/detail.html"
    context_object_name = "meeting"
    model = Retrospective

    def get_context_data(self, notes_forms=None, **kwargs):
        """``notes_forms``: bound notes forms by agenda item id, shown instead of fresh ones (after a conflict)."""
        user = self.request.user
        items = list(visible_agenda(self.object, user))
        can_edit = user.has_perm("incidents.change_retrospective")
        notes_forms = notes_forms or {}
        rows = [{"item": item, "form": notes_forms.get(item.pk) or AgendaNotesForm(instance=item, prefix=f"item-{item.pk}")
                 if can_edit else None} for item in items]
        return super().get_context_data(
            rows=rows, hidden=self.object.agenda.filter(incident__visibility="internal").count()
            - sum(1 for item in items if item.incident.visibility == "internal"), can_edit=can_edit,
            can_close=can_edit and user.has_perm("incidents.change_incident"),
            add_form=AgendaAddForm(user=user), close_form=CloseForm(), formats=export.PACK_FORMATS, **kwargs)


class MeetingPostView(PermissionRequiredMixin, View):
    permission_required = "incidents.change_retrospective"
    http_method_names = ["post"]

    def meeting(self):
        return get_object_or_404(Retrospective, pk=self.kwargs["pk"])


class AgendaView(MeetingPostView):
    """Add an incident by reference, add the saved selection's matches, remove or move an item."""

    def post(self, request, pk):
        meeting = self.meeting()
        action = request.POST.get("action")
        if action == "add":
            form = AgendaAddForm(request.POST, user=request.user)
            if form.is_valid():
                if not retrospectives.add_to_agenda(meeting, [form.cleaned_data["reference"]]):
                    messages.info(request, _("That incident is already on the agenda."))
            else:
                messages.error(request, " ".join(form.errors["reference"]))
        elif action == "select":
            added = retrospectives.add_to_agenda(meeting, meeting.apply_selection())
            messages.success(request, ngettext("%(n)d incident added to the agenda.",
                                               "%(n)d incidents added to the agenda.", len(added)) % {"n": len(added)})
        elif action in ("up", "down", "remove"):
            item_id = request.POST.get("item", "")
            item = get_object_or_404(visible_agenda(meeting, request.user), pk=int(item_id) if item_id.isdigit() else 0)
            if action == "remove":
                retrospectives.remove_item(meeting, item)
            else:
                retrospectives.move_item(meeting, item, -1 if action == "up" else 1)
        else:
            messages.error(request, _("Unknown agenda change."))
        return redirect(meeting)


class AgendaNotesView(PermissionRequiredMixin, RetrospectiveDetailView):
    """Save every notes and decisions box of the agenda at once (each "Save notes" button submits them all,
    naming its own item in ``focus`` to come back to). Boxes changed by someone else meanwhile are not
    overwritten: the page comes back (409) with the user's text in them and the other text beside it."""

    permission_required = "incidents.change_retrospective"
    http_method_names = ["post"]

    def post(self, request, pk):
        self.object = meeting = self.get_object()
        data = request.POST.copy()
        forms = {}

        def boxes_to_store(item):
            prefix = f"item-{item.pk}"
            if f"{prefix}-notes" not in data and f"{prefix}-decisions" not in data:
                return []  # added to the agenda after the page was shown
            form = forms[item.pk] = AgendaNotesForm(data, instance=item, prefix=prefix)
            return form.changed_boxes() if form.is_valid() else []

        saved = [item.incident.reference
                 for item in retrospectives.save_notes(visible_agenda(meeting, request.user), boxes_to_store)]
        self.report_removed(data, forms)
        if saved:
            messages.success(request, _("Notes saved for %(references)s.") % {"references": ", ".join(saved)})
        if any(form.errors for form in forms.values()):
            messages.error(request, _("Some boxes were not saved: see the boxes marked below."))
            return self.render_to_response(self.get_context_data(notes_forms=forms), status=409)
        if self.move(meeting, data.get("move", "")):
            return redirect(f"{meeting.get_absolute_url()}#agenda")
        if not saved:
            messages.info(request, _("No changes to save."))
        focus = data.get("focus", "")
        return redirect(f"{meeting.get_absolute_url()}#{f'item-{focus}' if focus.isdigit() else 'notes'}")

    def move(self, meeting, move):
        """The agenda's ↑/↓ buttons submit this form (so typed notes are saved first): ``up:12`` / ``down:12``
        moves that item. True when the request was a move."""
        direction, _sep, item_id = move.partition(":")
        if direction not in ("up", "down"):
            return False
        item = get_object_or_404(visible_agenda(meeting, self.request.user), pk=int(item_id) if item_id.isdigit() else 0)
        retrospectives.move_item(meeting, item, -1 if direction == "up" else 1)
        return True

    def report_removed(self, data, forms):
        """Text typed for items taken off the agenda meanwhile cannot be stored: show it, so it is not lost."""
        for key, text in data.items():
            match = BOX_NAME.fullmatch(key)
            if match and int(match[1]) not in forms and text.strip():
                messages.warning(self.request, _("Not saved, the item was taken off the agenda: %(text)s")
                                 % {"text": text.strip()})


class RetrospectiveCloseView(MeetingPostView):
    permission_required = ("incidents.change_retrospective", "incidents.change_incident")

    def post(self, request, pk):
        meeting = self.meeting()
        form = CloseForm(request.POST)
        published, left = retrospectives.close(meeting, publish=form.is_valid() and form.cleaned_data["publish"],
                                               by=request.user)
        messages.success(request, _("Meeting closed.") + " " + ngettext(
            "%(n)d incident published.", "%(n)d incidents published.", len(published)) % {"n": len(published)})
        if left:
            messages.warning(request, ngettext(
                "%(n)d incident stays in review: it needs an approval of its current version by someone who is not an author.",
                "%(n)d incidents stay in review: they need an approval of their current version by someone who is not an author.",
                len(left)) % {"n": len(left)})
        return redirect(meeting)
