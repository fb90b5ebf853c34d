"""Comments: a discussion in Markdown under an incident, by anyone who may see it (viewers too, on
published incidents). Only the author edits a comment; the author or an admin deletes it. The writes are
incidents.actions.comments; each logs a change for the incident (incidents.signals), whose search document
holds the comments' text.

A comment may be anchored to one row of the write-up (a timeline event, a contributing factor or an action
item: ``anchor``), shown beside it; the comments on one row are its thread, resolved and reopened together
(``resolved_at``). A row deleted from the write-up leaves its comments in the general discussion."""

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .children import ActionItem, ContributingFactor, TimelineEvent
from .incidents import Incident

MAX_COMMENT_LENGTH = 20_000
# anchor type (the API's) → the Comment field holding the row
ANCHOR_FIELDS = {"timeline": "timeline_event", "factor": "factor", "action_item": "action_item"}
ANCHOR_MODELS = {"timeline": TimelineEvent, "factor": ContributingFactor, "action_item": ActionItem}


class CommentQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Comments on the incidents this user may see (Incident.objects.visible_to)."""
        return self.filter(incident__in=Incident.objects.visible_to(user).values("pk"))

    def oldest_first(self):
        return self.order_by("created_at", "id")


class Comment(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="comments",
                                 verbose_name=_("incident"))
    # A deleted user's comments stay in the discussion, without a name.
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="incident_comments", verbose_name=_("author"))
    body = models.TextField(_("comment"), validators=[MaxLengthValidator(MAX_COMMENT_LENGTH)],
                            help_text=_("Markdown."))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    edited_at = models.DateTimeField(_("edited at"), null=True, blank=True)
    timeline_event = models.ForeignKey(TimelineEvent, on_delete=models.SET_NULL, null=True, blank=True,
                                       related_name="comments", verbose_name=_("timeline event"))
    factor = models.ForeignKey(ContributingFactor, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="comments", verbose_name=_("contributing factor"))
    action_item = models.ForeignKey(ActionItem, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="comments", verbose_name=_("action item"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("resolved by"))

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        constraints = [models.CheckConstraint(
            name="comment_one_anchor",
            condition=(models.Q(timeline_event__isnull=True, factor__isnull=True)
                       | models.Q(timeline_event__isnull=True, action_item__isnull=True)
                       | models.Q(factor__isnull=True, action_item__isnull=True)))]

    def __str__(self):
        return f"comment {self.pk} on {Incident(pk=self.incident_id).reference}"

    @property
    def anchor(self):
        """``{"type": "timeline"|"factor"|"action_item", "id": N}``, or None for the general discussion."""
        for kind, name in ANCHOR_FIELDS.items():
            row_id = getattr(self, f"{name}_id")
            if row_id is not None:
                return {"type": kind, "id": row_id}
        return None

    @property
    def resolved(self):
        return self.resolved_at is not None

    def can_resolve(self, user):
        """Its author, the incident's authors, editors and admins resolve or reopen a thread."""
        return bool(user and user.is_authenticated and (
            self.can_edit(user) or user.has_perm("incidents.change_incident")
            or self.incident.authors.filter(pk=user.pk).exists()))

    def can_edit(self, user):
        """Only the author changes the text of a comment."""
        return bool(user and user.is_authenticated and self.author_id is not None and self.author_id == user.pk)

    def can_delete(self, user):
        """The author, or an admin (staff, or the admin role's delete permission), removes a comment."""
        return self.can_edit(user) or bool(
            user and user.is_authenticated and (user.is_staff or user.has_perm("incidents.delete_comment")))
