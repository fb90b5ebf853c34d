"""Recurrence (issue #29): an incident like an earlier one, and what the earlier one planned against it.

The one rule, shared by the incident page, ``GET /api/v1/incidents/{id}/similar/``, the meeting pack, the
recurrence rate of ``/patterns/`` and the action items filter "incident recurred":

- an incident's *earlier similar incidents* are those of its similar incidents (``search.similar``: listed
  with a reason a reader understands) that started before it;
- its *recurrence* names, for each of them with action items meant to prevent or mitigate
  (``ActionItem.Kind``), those items and their state: 「INC-12 の対応『pid の上限を設定』は未完了（期限 2024-03-01）」;
- for the rate and the filter, an incident *recurred* when a later incident lists it among its earlier similar
  ones (the rate counts a later one within POSTMORTEM_RECURRING_DAYS).

Every read goes through ``Incident.objects.visible_to(user)``: an earlier incident the reader may not see is
never named, nor counted. The rate and the filter need every incident's similar incidents: each is computed
once per incident version and index generation, whoever reads, and kept for POSTMORTEM_RECURRENCE_CACHE_SECONDS
(``search.similar_ids``); each reader then keeps only the pairs it may see on both sides.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Prefetch
from django.utils.translation import gettext as _

from . import search
from .models import ActionItem, Incident, SimilarIds

# Incidents without a stored row for their version whose similar incidents a page computes itself; the others
# wait for the periodic sweep (actions.similarity), which keeps them all.
INLINE = 40
KINDS = (ActionItem.Kind.PREVENT, ActionItem.Kind.MITIGATE)  # action items meant to keep it from happening again


@dataclass
class Earlier:
    """An earlier similar incident: why it is alike, its action items, and those meant to prevent or mitigate."""

    incident: Incident
    reasons: list
    action_items: list

    @property
    def preventive(self):
        return [item for item in self.action_items if item.kind in KINDS]

    @property
    def sentences(self):
        return [sentence(self.incident, item) for item in self.preventive]


def sentence(incident, item):
    """What became of ``item`` (an action item of the earlier ``incident``), as the page and the pack say it."""
    values = {"reference": incident.reference, "title": item.title,
              "due": item.due_date.isoformat() if item.due_date else ""}
    if item.status == ActionItem.Status.DONE:
        return _("%(reference)s's action “%(title)s” is done") % values
    if item.status == ActionItem.Status.WONT_DO:
        return _("%(reference)s's action “%(title)s” was dropped (won't do)") % values
    if item.due_date:
        return _("%(reference)s's action “%(title)s” is not done (due %(due)s)") % values
    return _("%(reference)s's action “%(title)s” is not done (no due date)") % values


def earlier(incident, user, similar=None):
    """[Earlier] for ``incident``'s similar incidents (``similar``: ``search.similar``'s answer for ``user``, read
    when not given; raises SearchUnavailable) that started before it and ``user`` may see, most similar first."""
    if incident.started_at is None:
        return []
    if similar is None:
        similar = search.similar(incident, user)
    found = {other.pk: other for other in Incident.objects.visible_to(user)
             .filter(pk__in=[hit["id"] for hit in similar], started_at__lt=incident.started_at)
             .prefetch_related(Prefetch("action_items", queryset=ActionItem.objects.order_by("id")))}
    return [Earlier(found[hit["id"]], hit["reasons"], list(found[hit["id"]].action_items.all()))
            for hit in similar if hit["id"] in found]


def recurrence(incident, user, similar=None):
    """The earlier similar incidents that planned action items to prevent or mitigate this (``earlier``)."""
    return [other for other in earlier(incident, user, similar) if other.preventive]


def pairs(incidents):
    """{pk: [pks of its earlier similar incidents]} among ``incidents`` (a queryset already limited to what its
    reader may see): both ends visible. The similar incidents are the stored ones (models.SimilarIds, kept by
    the periodic sweep); an incident without a row for its version is computed here, up to INLINE of them,
    and one beyond that is left out until the sweep has reached it (a page never computes them all). Raises
    SearchUnavailable while there is no index and something must be computed."""
    dated = list(incidents.filter(started_at__isnull=False).only("pk", "version", "started_at"))
    started = {incident.pk: incident.started_at for incident in dated}
    stored = {row.incident_id: row for row in SimilarIds.objects.filter(incident__in=[i.pk for i in dated])}
    found, computed = {}, 0
    for incident in dated:
        row = stored.get(incident.pk)
        if row is not None and row.version == incident.version:
            ids = row.ids
        elif computed < INLINE:
            ids, computed = search.similar_ids(incident), computed + 1
        elif row is not None:  # of an older version: near enough until the sweep refreshes it
            ids = row.ids
        else:
            continue
        found[incident.pk] = [pk for pk in ids if pk in started and started[pk] < incident.started_at]
    return found, started


def recurred_within(incidents, days=None):
    """(the pks of ``incidents`` (visible to their reader) that have an earlier similar incident (also among
    them) started at most ``days`` (POSTMORTEM_RECURRING_DAYS) before, the pks whose similar incidents are
    known yet: see ``pairs``)."""
    window = datetime.timedelta(days=days or settings.POSTMORTEM_RECURRING_DAYS)
    found, started = pairs(incidents)
    return {pk for pk, earlier_ones in found.items()
            if any(started[pk] - started[other] <= window for other in earlier_ones)}, set(found)


def recurred(incidents):
    """The pks of ``incidents`` (visible to their reader) that a later one of them is similar to: whose action
    items did not keep it from happening again."""
    found, _started = pairs(incidents)
    return {pk for earlier_ones in found.values() for pk in earlier_ones}
