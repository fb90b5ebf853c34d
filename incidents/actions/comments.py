"""The discussion under an incident: a comment posted (the incident's authors told once it commits), edited
by its author, deleted by its author or an admin. Each is one transaction; the search index follows through
the change log (incidents.signals). Comments are not part of the incident's document, so they add no
revision to its history. The people a comment newly @mentions are told (incidents.actions.mentions: those
who may see the incident; the others reported back), the outcome is the comment's ``mentions``. Who may do
what is the model's rule (Comment.can_edit, Comment.can_delete); callers check it first to answer in their
own way, and these refuse too."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.models import Comment
from incidents.models.comments import ANCHOR_FIELDS, ANCHOR_MODELS

from . import mentions, notify


class CommentRefused(PermissionDenied):
    """This user may not change or delete this comment (a 403 wherever it reaches a view)."""


class BadAnchor(ValueError):
    """The anchor names no row of this incident (a 400 / a form error)."""


def anchor_row(incident, anchor):
    """{Comment field: row} for ``anchor`` ({"type", "id"}, or None: {}); raises BadAnchor unless the row is
    one of ``incident``'s."""
    if not anchor:
        return {}
    kind, row_id = anchor.get("type"), anchor.get("id")
    if kind not in ANCHOR_MODELS:
        raise BadAnchor(_("Choose a timeline event, a contributing factor or an action item."))
    row = ANCHOR_MODELS[kind].objects.filter(pk=row_id, incident=incident).first() if isinstance(row_id, int) else None
    if row is None:
        raise BadAnchor(_("This incident has no such row."))
    return {ANCHOR_FIELDS[kind]: row}


@transaction.atomic
def post_comment(incident, author, body, anchor=None):
    """A new comment by ``author`` (who may see ``incident``: the caller checked), on the row ``anchor`` names
    when given (BadAnchor unless it is one of the incident's)."""
    comment = Comment.objects.create(incident=incident, author=author, body=body, **anchor_row(incident, anchor))
    comment.mentions = mentions.resolve(incident, body, by=author)
    notify.mentioned(incident, comment.mentions.notified, by=author, body=body)
    notify.comment_added(incident, author=author, body=body, mentioned=comment.mentions.notified)
    return comment


@transaction.atomic
def edit_comment(comment, body, *, by):
    """Replace the text of ``comment``, marking it edited now; only its author may."""
    if not comment.can_edit(by):
        raise CommentRefused(_("Only the author may change a comment."))
    stored = Comment.objects.filter(pk=comment.pk).values_list("body", flat=True).first() or ""  # a form may have set .body
    comment.mentions = mentions.resolve(comment.incident, body, by=by, previous=stored)
    notify.mentioned(comment.incident, comment.mentions.notified, by=by, body=body)
    comment.body = body
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "edited_at"])
    return comment


@transaction.atomic
def resolve_thread(comment, *, by, resolved=True):
    """Resolve (or reopen) the thread ``comment`` is in: every comment on its row. Only an anchored comment
    has a thread; Comment.can_resolve says who may."""
    if not comment.can_resolve(by):
        raise CommentRefused(_("Only the comment's author, the incident's authors and editors may resolve a thread."))
    anchor = comment.anchor
    if anchor is None:
        raise BadAnchor(_("Only a comment on a row of the write-up can be resolved."))
    thread = Comment.objects.filter(incident_id=comment.incident_id, **{f"{ANCHOR_FIELDS[anchor['type']]}_id": anchor["id"]})
    now = timezone.now() if resolved else None
    thread.update(resolved_at=now, resolved_by=by if resolved else None)
    comment.resolved_at, comment.resolved_by = now, by if resolved else None
    return comment


@transaction.atomic
def delete_comment(comment, *, by):
    """Delete ``comment``; its author or an admin may."""
    if not comment.can_delete(by):
        raise CommentRefused(_("Only the author or an admin may delete a comment."))
    comment.delete()


@transaction.atomic
def delete_comments(comments, *, by):
    """Delete these comments (the admin's bulk delete), all or none: each must be one ``by`` may delete."""
    comments = list(comments)
    for comment in comments:
        if not comment.can_delete(by):
            raise CommentRefused(_("Only the author or an admin may delete a comment."))
    for comment in comments:
        comment.delete()
    return len(comments)
