"""Retrospective meetings' writes: save a meeting, change its agenda (add, move, remove, replace), store the
notes and decisions, close the meeting. Closing publishes the incidents in review on the agenda through the
workflow (actions.workflow: the same rule, revision and notifications as the status buttons)."""

from django.db import models, transaction
from django.utils import timezone

from incidents.models import AgendaItem, Incident, Retrospective, Status

from . import workflow


@transaction.atomic
def save_meeting(meeting, *, agenda=None, add_selection=False, by=None):
    """Store ``meeting`` (new or changed fields set on it); ``agenda`` ([{"incident": …, "notes": …,
    "decisions": …}] in order) replaces the stored agenda as ``by`` sees it (replace_agenda); ``add_selection``
    appends the incidents its saved selection matches. Returns the agenda items added by the selection."""
    meeting.save()
    if agenda is not None:
        replace_agenda(meeting, agenda, by=by)
    return add_to_agenda(meeting, meeting.apply_selection()) if add_selection else []


@transaction.atomic
def add_to_agenda(meeting, incidents):
    """Append these incidents to the end of the agenda (those already on it stay where they are); returns
    the items added."""
    Retrospective.objects.select_for_update().get(pk=meeting.pk)  # one agenda change at a time
    present = set(meeting.agenda.values_list("incident_id", flat=True))
    position = (meeting.agenda.aggregate(last=models.Max("position"))["last"] or 0) + 1
    added = []
    for incident in incidents:
        if incident.pk not in present:
            added.append(AgendaItem.objects.create(retrospective=meeting, incident=incident, position=position))
            present.add(incident.pk)
            position += 1
    return added


@transaction.atomic
def replace_agenda(meeting, agenda, *, by=None):
    """The agenda becomes ``agenda`` (dicts of AgendaItem fields, in order). Items whose incident ``by`` may
    not see (a restricted incident: they were never shown it) stay, with their notes, after the new ones."""
    Retrospective.objects.select_for_update().get(pk=meeting.pk)  # one agenda change at a time
    kept = [] if by is None else list(meeting.agenda.exclude(incident__in=Incident.objects.visible_to(by)))
    meeting.agenda.exclude(pk__in=[item.pk for item in kept]).delete()
    AgendaItem.objects.bulk_create(
        AgendaItem(retrospective=meeting, position=position, **item) for position, item in enumerate(agenda, start=1)
    )
    for position, item in enumerate(kept, start=len(agenda) + 1):
        item.position = position
        item.save(update_fields=["position"])


@transaction.atomic
def move_item(meeting, item, offset):
    """Swap an agenda item with its neighbour above (``offset=-1``) or below (``+1``)."""
    items = list(meeting.agenda.select_for_update())
    index = next(i for i, other in enumerate(items) if other.pk == item.pk)
    other = index + offset
    if 0 <= other < len(items):
        items[index], items[other] = items[other], items[index]
        _renumber(items)


@transaction.atomic
def remove_item(meeting, item):
    """Take an item off the agenda; the ones after it move up."""
    item.delete()
    _renumber(list(meeting.agenda.select_for_update()))


def _renumber(items):
    for position, item in enumerate(items, start=1):
        if item.position != position:
            item.position = position
            item.save(update_fields=["position"])


@transaction.atomic
def save_notes(items, boxes_to_store):
    """Store the notes and decisions typed for the agenda ``items`` (a queryset, locked here while the caller
    compares): ``boxes_to_store(item)`` sets the new text on the item and names the boxes to store (none
    when the text is unchanged or someone else changed it meanwhile). Returns the items stored."""
    saved = []
    for item in items.select_for_update(of=("self",)):
        if changed := boxes_to_store(item):
            item.save(update_fields=list(changed))
            saved.append(item)
    return saved


@transaction.atomic
def close(meeting, *, publish, by):
    """Mark the meeting held; with ``publish``, each incident on the agenda still in review is published
    where the workflow lets ``by`` publish it (an approval of its current version, or the admin role), and
    its authors are told after the commit. Returns (the incidents published, those left in review)."""
    meeting = Retrospective.objects.select_for_update().get(pk=meeting.pk)
    published, left = [], []
    if publish:
        in_review = Incident.objects.select_for_update().filter(agenda_items__retrospective=meeting,
                                                                status=Status.IN_REVIEW).order_by("pk")
        for incident in in_review:  # locked: none leaves "in review" meanwhile
            try:
                published.append(workflow.move(incident, Status.PUBLISHED, by=by))
            except workflow.Refused:
                left.append(incident)
    meeting.closed_at = timezone.now()
    meeting.save(update_fields=["closed_at"])
    return published, left
