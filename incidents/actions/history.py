"""Restoring an earlier revision of an incident: its document is saved again through save_incident (so the
version check, the GitHub references and the search index work as for any write), as a new revision.
Attachments are outside restore: a revision records what they were, but restoring one neither brings back an
attachment deleted since (its file is gone) nor deletes one added since; the text keeps its references, and
one to a deleted attachment shows as missing.
A restore brings back the revision's incident type and the values of that type's active custom fields (an active
field the revision had no value for is emptied); retired fields, and fields the type does not define, keep the
values the incident has now (a retired field is never written, so restoring never refuses over one)."""

from django.contrib.auth import get_user_model
from django.db import transaction

from incidents.models import IncidentType, Source
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
    data.update(_custom(document, incident))
    return data


def _custom(document, incident):
    """The revision's ``type`` and ``fields`` as a write: the active fields of its type set (or emptied) as the
    revision had them, the others left out so that they keep their current values. A type deleted since is
    left out (the incident keeps its type)."""
    incident_type = IncidentType.objects.filter(key=document.get("type")).prefetch_related("custom_fields").first()
    if incident_type is None:
        return {}
    values = document.get("fields") or {}
    current = (incident.fields or {}) if incident is not None else {}
    active = [field.key for field in incident_type.custom_fields.all() if not field.retired]
    return {"type": incident_type.key,
            "fields": {key: values.get(key) for key in active if key in values or key in current}}
