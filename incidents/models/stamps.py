"""What an incident's page or API document is made of, as one value read in one query: when it changes, an
answer given earlier (its ETag) is out of date. ``stamp`` is None for an incident the user may not see, so a
hidden incident answers exactly like a missing one (the view's own 404).

Read with the incident's own version and last save:
- its changes in the change log (IndexChange): every write to an incident or its children logs a change in its
  transaction, so this covers timeline, factors, lessons, action items, links, comments and attachments (their
  count and latest id: a change committed after a later-numbered one still counts). Other incidents are not
  part of a page: its similar incidents are fetched after it (IncidentRelatedView), never kept;
- its reviews, members and reviewers (not in the change log), its GitHub references' last sync (their
  titles and states), its type's last edit and the severity scale's (labels and colours on the page)."""

import functools

from django.db import connection

from .changes import IndexChange
from .children import ActionItem, ExternalLink
from .github import GitHubReference
from .incidents import Incident
from .reviews import Review
from .scales import SeverityLevel
from .types import IncidentType


@functools.cache
def _sql():
    """The query's text (table names from the models), once: composing it with the ORM costs more than running it."""
    table = {model: model._meta.db_table for model in (IndexChange, Review, ExternalLink, ActionItem, GitHubReference,
                                                       SeverityLevel, IncidentType, Incident)}
    members, reviewers = Incident.members.through._meta.db_table, Incident.reviewers.through._meta.db_table
    refs = table[GitHubReference]

    def per_incident(name, column="id"):
        return (f"(SELECT COUNT(*) FROM {name} WHERE incident_id = i.id), "
                f"(SELECT MAX({column}) FROM {name} WHERE incident_id = i.id)")

    return (f"SELECT i.version, i.updated_at, {per_incident(table[IndexChange])}, {per_incident(table[Review])}, "
            f"{per_incident(members)}, {per_incident(reviewers)}, "
            f"(SELECT MAX(g.synced_at) FROM {table[ExternalLink]} l JOIN {refs} g ON g.id = l.github_id "
            f"WHERE l.incident_id = i.id), "
            f"(SELECT MAX(g.synced_at) FROM {table[ActionItem]} a JOIN {refs} g ON g.id = a.github_id "
            f"WHERE a.incident_id = i.id), "
            f"(SELECT updated_at FROM {table[IncidentType]} WHERE id = i.type_id), "
            f"(SELECT COUNT(*) FROM {table[SeverityLevel]}), (SELECT MAX(updated_at) FROM {table[SeverityLevel]}) "
            f"FROM {table[Incident]} i WHERE i.id IN (%s)")


def stamp(incidents, pk):
    """A text that changes whenever the page or document of incident ``pk`` may change, or None when
    ``incidents`` (a ``visible_to`` QuerySet: the database decides) does not hold it."""
    visible, params = incidents.filter(pk=pk).order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(_sql() % visible, params)
        row = cursor.fetchone()
    return None if row is None else "|".join(str(value) for value in row)
