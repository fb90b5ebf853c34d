"""Facet counts of an incident queryset from the database: how many of its incidents have each tag,
service, severity, status, factor category and start year.

The incident list shows them beside the list when there is no search query (the search index counts
them for a search). One aggregate query per facet, whatever the number of incidents; ``counted`` keeps them
with the list's length until the change log moves on.
"""

import hashlib

from django.core.cache import cache
from django.db.models import Count, Max
from django.db.models.functions import ExtractYear
from django.utils import timezone

from .models import ContributingFactor, Incident, IndexChange
from .models.types import facet_fields, facet_sections
from .text.fieldsearch import facet_values

KEPT_SECONDS = 300  # at most this long after a custom field's definition changes (its facets' labels)


def _top(rows, key, limit):
    """[(value, count)] most first, then by value, at most ``limit``, from rows of ``{key: …, "n": …}``."""
    return sorted(((row[key], row["n"]) for row in rows if row[key] is not None), key=lambda item: (-item[1], item[0]))[:limit]


def top_facets(incidents, limit):
    """Per facet (the keys of ``search.Results.top_facets``: tags, services, severity, status, categories,
    year) its ``limit`` values with the most of ``incidents`` as [(value, count)], most first, then by value.

    ``incidents`` is the filtered queryset the viewer may see; a year is the year the incident started
    in the display time zone, as the list's date filters read dates."""
    ids = incidents.order_by().values("pk")
    tags = Incident.tags.through.objects.filter(incident_id__in=ids).values("tag__name").annotate(
        n=Count("incident_id", distinct=True))
    services = Incident.services.through.objects.filter(incident_id__in=ids).values("service__name").annotate(
        n=Count("incident_id", distinct=True))
    categories = ContributingFactor.objects.filter(incident_id__in=ids).order_by().values("category").annotate(
        n=Count("incident_id", distinct=True))
    own = Incident.objects.filter(pk__in=ids).order_by()
    years = own.filter(started_at__isnull=False).annotate(
        year=ExtractYear("started_at", tzinfo=timezone.get_current_timezone())).values("year").annotate(n=Count("pk"))
    return {
        "tags": _top(tags, "tag__name", limit),
        "services": _top(services, "service__name", limit),
        "severity": _top(own.values("severity").annotate(n=Count("pk")), "severity", limit),
        "status": _top(own.values("status").annotate(n=Count("pk")), "status", limit),
        "categories": _top(categories, "category", limit),
        "year": _top(years, "year", limit),
    }


def field_facets(incidents, limit):
    """models.types.facet_sections of the custom fields (choices, users, dates by month) of ``incidents`` (the
    filtered queryset the viewer may see): three queries whatever the number of fields, values and incidents
    (the definitions, the incidents' ``fields``, the users' names)."""
    definitions = facet_fields()
    if not definitions:
        return []
    counts = {}
    values = Incident.objects.filter(pk__in=incidents.order_by().values("pk")).values_list("fields", flat=True)
    for stored in values.iterator(chunk_size=2000):
        for key, value in (stored or {}).items():
            if key in definitions:
                for found in set(facet_values(definitions[key].kind, value)):
                    counts.setdefault(key, {})[found] = counts.get(key, {}).get(found, 0) + 1
    return facet_sections(counts, limit, definitions)


def counted(incidents, limit):
    """(how many, ``top_facets``, ``field_facets``) of ``incidents``, kept in the cache under the query's own text
    (its filters, and who may see what: the visibility rule's conditions are in it) and the head of the change
    log: any write to any incident logs a change, so nothing kept outlives a change that could alter it."""
    sql, params = incidents.order_by().values("pk").query.sql_with_params()
    head = IndexChange.objects.aggregate(head=Max("pk"))["head"]
    key = hashlib.sha256(repr((sql, params, head, limit, timezone.get_current_timezone_name())).encode()).hexdigest()
    kept = cache.get(f"facets:{key}")
    if kept is None:
        kept = (incidents.count(), top_facets(incidents, limit), field_facets(incidents, limit))
        cache.set(f"facets:{key}", kept, KEPT_SECONDS)
    return kept
