"""The discussion under an incident: its comments on the incident page (templates/incidents/_comments.html),
posting one, and the small page that edits or deletes your own. Whoever may see the incident comments on
it; an incident you may not see is a 404 here too. After a post or an edit, messages say who the @mentions
notified and who they did not, and why; ``MentionableView`` is the comment box's autocomplete
(static/js/mentions.js)."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from incidents.actions.comments import BadAnchor, delete_comment, edit_comment, post_comment, resolve_thread
from incidents.actions.mentions import REASONS, mentionable
from incidents.forms.comment import CommentForm
from incidents.models import Comment, Incident
from incidents.models.comments import ANCHOR_FIELDS

from .shortcuts import incident_or_404

FORM_TEMPLATE = "incidents/comment_form.html"


class Thread(list):
    """The comments on one row of the write-up, oldest first; ``resolved`` when all are."""

    def __init__(self, kind, row_id):
        super().__init__()
        self.kind, self.row_id = kind, row_id

    @property
    def resolved(self):
        return bool(self) and all(comment.resolved for comment in self)

    @property
    def anchor_id(self):
        return f"{self.kind}-{self.row_id}"


def discussion(incident, user):
    """What the incident page needs: the general discussion's comments, oldest first, each knowing whether this
    user may edit or delete it, an empty form to post another, and the threads beside the rows (``threads``:
    "timeline-12" → Thread; ``thread_counts``: comments on each section's rows)."""
    comments = list(incident.comments.select_related("author").oldest_first())
    is_author = incident.authors.filter(pk=user.pk).exists() if user.is_authenticated else False
    general, threads, counts = [], {}, {kind: 0 for kind in ANCHOR_FIELDS}
    for comment in comments:
        comment.incident = incident
        comment.editable = comment.can_edit(user)
        comment.deletable = comment.can_delete(user)
        anchor = comment.anchor
        if anchor is None:
            general.append(comment)
            continue
        comment.resolvable = comment.editable or is_author or user.has_perm("incidents.change_incident")
        key = f"{anchor['type']}-{anchor['id']}"
        threads.setdefault(key, Thread(anchor["type"], anchor["id"])).append(comment)
        counts[anchor["type"]] += 1
    return {"comments": general, "threads": threads, "thread_counts": counts, "comment_form": CommentForm()}


def _back(incident, anchor=None):
    place = f"thread-{anchor['type']}-{anchor['id']}" if anchor else "comments"
    return f"{reverse('incident-detail', args=[incident.reference])}#{place}"


def _anchor(data):
    """The anchor a posted form names (``anchor_type``, ``anchor_id``), or None."""
    kind, row_id = data.get("anchor_type", ""), data.get("anchor_id", "")
    if not kind and not row_id:
        return None
    return {"type": kind, "id": int(row_id) if row_id.isdigit() and len(row_id) <= 18 else None}  # a bigint at most


def tell_mentions(request, outcome):
    if outcome.notified:
        names = ", ".join(f"@{user.get_username()}" for user in outcome.notified)
        messages.info(request, _("Notified: %(names)s.") % {"names": names})
    for name, reason in outcome.not_notified:
        messages.warning(request, _("@%(username)s was not notified: %(reason)s") % {"username": name,
                                                                                   "reason": REASONS[reason]})


class CommentMixin(LoginRequiredMixin):
    def incident(self):
        return incident_or_404(Incident.objects.visible_to(self.request.user), self.kwargs["reference"])

    def comment(self, incident):
        comment = get_object_or_404(Comment.objects.select_related("author"), pk=self.kwargs["pk"], incident=incident)
        comment.incident = incident
        return comment


class CommentCreateView(CommentMixin, View):
    """Post a comment; back to the discussion, or the form with its errors (nothing stored)."""

    http_method_names = ["post"]

    def post(self, request, reference):
        incident = self.incident()
        form = CommentForm(request.POST)
        if not form.is_valid():
            return render(request, FORM_TEMPLATE, {"incident": incident, "form": form, "comment": None})
        anchor = _anchor(request.POST)
        try:
            comment = post_comment(incident, request.user, form.cleaned_data["body"], anchor)
        except BadAnchor as exc:
            form.add_error(None, str(exc))
            return render(request, FORM_TEMPLATE, {"incident": incident, "form": form, "comment": None}, status=400)
        messages.success(request, _("Comment posted."))
        tell_mentions(request, comment.mentions)
        return redirect(_back(incident, anchor))


class CommentEditView(CommentMixin, View):
    """The page that changes your own comment (only its author's)."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.object = self.comment(self.incident())
        if not self.object.can_edit(request.user):
            raise PermissionDenied(_("Only the author may change a comment."))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, reference, pk):
        return self.show(CommentForm(instance=self.object))

    def post(self, request, reference, pk):
        form = CommentForm(request.POST, instance=self.object)
        if not form.is_valid():
            return self.show(form)
        comment = edit_comment(self.object, form.cleaned_data["body"], by=request.user)
        messages.success(request, _("Comment saved."))
        tell_mentions(request, comment.mentions)
        return redirect(_back(self.object.incident, self.object.anchor))

    def show(self, form):
        return render(self.request, FORM_TEMPLATE, {"incident": self.object.incident, "form": form, "comment": self.object})


class CommentDeleteView(CommentMixin, View):
    """Delete a comment: your own, or any as an admin."""

    http_method_names = ["post"]

    def post(self, request, reference, pk):
        incident = self.incident()
        comment = self.comment(incident)
        anchor = comment.anchor
        delete_comment(comment, by=request.user)  # refused (403) unless the author's or an admin
        messages.success(request, _("Comment deleted."))
        return redirect(_back(incident, anchor))


class ResolveView(CommentMixin, View):
    """Resolve (``resolved=1``) or reopen (``resolved=0``) the thread a comment is in."""

    http_method_names = ["post"]

    def post(self, request, reference, pk):
        incident = self.incident()
        comment = self.comment(incident)
        resolved = request.POST.get("resolved") == "1"
        try:
            resolve_thread(comment, by=request.user, resolved=resolved)  # refused (403) unless one who may
        except BadAnchor as exc:
            messages.error(request, str(exc))
            return redirect(_back(incident))
        messages.success(request, _("Thread resolved.") if resolved else _("Thread reopened."))
        return redirect(_back(incident, comment.anchor))


class MentionableView(CommentMixin, View):
    """GET ?q=ya: the active users who may see the incident whose user name starts with (or whose name
    contains) the text, at most ten, as ``{"users": [{"username", "name"}]}``."""

    http_method_names = ["get"]

    def get(self, request, reference):
        users = mentionable(self.incident(), request.GET.get("q", "")[:150])
        return JsonResponse({"users": [{"username": user.get_username(), "name": user.get_full_name()}
                                       for user in users]})
