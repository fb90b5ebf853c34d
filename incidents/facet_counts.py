"""Facet counts of an incident queryset from the database: how many of its incidents have each tag,
service, severity, status, factor category and start year.

The incident list shows them beside the list when there is no search query (the search index counts
them for a search). One aggregate query per facet, whatever the number of incidents.
"""

from django.db.models import Count
from django.db.models.functions import ExtractYear
from django.utils import timezone

from .models import ContributingFactor, Incident


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
