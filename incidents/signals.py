"""Keep the search index true: any write to an incident, its children or its labels logs a change for
the incidents concerned, in the same transaction (see incidents.search.changes)."""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import receiver

from .models import (
    ActionItem,
    Attachment,
    Comment,
    ContributingFactor,
    ExternalLink,
    Incident,
    Lesson,
    Service,
    Tag,
    TimelineEvent,
)
from .search import record_change as record_change

# Comments and attachments (alt text, a text file's content) are in the search document's body.
CHILDREN = (TimelineEvent, ContributingFactor, Lesson, ActionItem, ExternalLink, Comment, Attachment)


@receiver([post_save, post_delete], sender=Incident)
def incident_changed(sender, instance, **kwargs):
    record_change(instance.pk)


def child_changed(sender, instance, **kwargs):
    record_change(instance.incident_id)


for child in CHILDREN:
    post_save.connect(child_changed, sender=child, dispatch_uid=f"reindex-{child.__name__}-save")
    post_delete.connect(child_changed, sender=child, dispatch_uid=f"reindex-{child.__name__}-delete")


@receiver(m2m_changed, sender=Incident.tags.through)
@receiver(m2m_changed, sender=Incident.services.through)
@receiver(m2m_changed, sender=Incident.authors.through)
def labels_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if not action.startswith("post_"):
        return
    if not reverse:
        record_change(instance.pk)
    elif action == "post_clear":
        return  # pre_delete of the label already queued its incidents
    else:
        for pk in pk_set or ():
            record_change(pk)


@receiver(post_save, sender=Tag)
@receiver(post_save, sender=Service)
@receiver(pre_delete, sender=Tag)
@receiver(pre_delete, sender=Service)
def label_renamed_or_deleted(sender, instance, created=False, **kwargs):
    if created:
        return
    for pk in instance.incidents.values_list("pk", flat=True):
        record_change(pk)


@receiver(post_delete, sender=Attachment)
def attachment_deleted(sender, instance, **kwargs):
    """The stored files go once the deletion commits (an attachment deleted, or its incident): a rollback keeps
    them with their row. Files left by a failure are removed by housekeeping (actions.attachments.sweep)."""
    names = instance.stored_names
    transaction.on_commit(lambda: Attachment.forget_stored(names))
