"""Restoring an earlier revision of an incident: its document is saved again through save_incident (so the
version check, the GitHub references and the search index work as for any write), as a new revision.
Attachments are outside restore: a revision records what they were, but restoring one neither brings back an
attachment deleted since (its file is gone) nor deletes one added since; the text keeps its references, and
one to a deleted attachment shows as missing."""

from django.contrib.auth import get_user_model
from django.db import transaction

from incidents.models import Source
from incidents.models.history import CHILDREN, SCALARS

from .incidents import save_incident


@transaction.atomic
def restore_revision(incident, revision, *, user, expected_version=None):
    """Save ``revision``'s document over ``incident`` (a stale ``expected_version`` raises VersionConflict)."""
    return save_incident(incident, writable(revision.document(), incident), expected_version=expected_version,
                         user=user, source=Source.RESTORE)


def writable(document, incident=None):
    """A stored document as save_incident's input: fields, label names, authors who still exist, children.
    Not the status (nor the reviewers): restoring text does not move the incident in the review workflow.
    A row ``incident`` still has keeps its id (and what hangs on it); one deleted since comes back as a new row."""
    data = {name: document[name] for name in SCALARS if name != "status"}
    data["tags"], data["services"] = list(document["tags"]), list(document["services"])
    data["authors"] = list(get_user_model().objects.filter(username__in=document["authors"]))
    for key, (_model, names) in CHILDREN.items():
        alive = set(getattr(incident, key).values_list("pk", flat=True)) if incident is not None and incident.pk else set()
        data[key] = [{**({"id": item["id"]} if item.get("id") in alive else {}), **{name: item[name] for name in names}}
                     for item in document[key]]
    for factor, stored in zip(data["factors"], document["factors"]):
        factor.update(ref=stored["ref"], leads_to=list(stored["leads_to"]))
    return data
