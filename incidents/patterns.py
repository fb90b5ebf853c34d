"""Recurring failure patterns: how often each tag, service, factor category and value of a chosen choice or
multiple choice custom field comes back, per quarter.

Pure domain code over the database; the patterns page and the API both show what ``patterns()`` returns.
"""

import datetime
import statistics
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from . import recurrence
from .models import FactorCategory, GitHubReference
from .models.types import facet_fields


def quarter_of(moment):
    local = timezone.localtime(moment)
    return f"{local.year}-Q{(local.month - 1) // 3 + 1}"


def quarters_between(first, last):
    """Every quarter label from ``first`` to ``last`` inclusive (labels like ``2023-Q2``)."""
    year, q = int(first[:4]), int(first[-1])
    labels = []
    while True:
        label = f"{year}-Q{q}"
        labels.append(label)
        if label == last:
            return labels
        year, q = (year + 1, 1) if q == 4 else (year, q + 1)


def recurs(moments, window, minimum):
    """True when at least ``minimum`` of the sorted ``moments`` fall within one ``window``."""
    return any(moments[i + minimum - 1] - moments[i] <= window for i in range(len(moments) - minimum + 1))


def _median_seconds(durations):
    values = [d.total_seconds() for d in durations if d is not None]
    return statistics.median(values) if values else None


class _IncidentGroup:
    """Medians over a group's ``incidents`` (a row of the heatmap, a quarter of the plots)."""

    @property
    def median_time_to_detect(self):
        return _median_seconds(i.time_to_detect for i in self.incidents)

    @property
    def median_time_to_resolve(self):
        return _median_seconds(i.time_to_resolve for i in self.incidents)


@dataclass
class Row(_IncidentGroup):
    name: str  # the stored value: what filters and links use
    incidents: list = field(default_factory=list)
    recurring: bool = False
    cells: list = field(default_factory=list)  # [(quarter, [incident, ...])] aligned with the quarters
    label: str = ""  # what a page shows (a factor category's translated name); the name when empty

    def __str__(self):
        return str(self.label or self.name)

    @property
    def total(self):
        return len(self.incidents)


@dataclass
class Quarter(_IncidentGroup):
    """The incidents that started in one quarter, for the plots over time."""

    label: str
    incidents: list

    @property
    def count(self):
        return len(self.incidents)


@dataclass
class Patterns:
    quarters: list
    window_days: int
    min_count: int
    tags: list
    services: list
    categories: list
    github: list  # [(GitHubReference, [incident, ...])] for references linked by more than one incident
    over_time: list  # [Quarter] aligned with the quarters: the incidents (with the chosen tag, if any) per quarter
    tag: str = ""  # the tag ``over_time`` is limited to; "" for all incidents
    recurrence: list | None = None  # [RecurrenceRate] when asked for (``recurrence_rates``); None: not known
    by_field: object = None  # the custom field (CustomField) ``field_rows`` counts by; None: none chosen
    field_rows: list = field(default_factory=list)  # [Row] per value of ``by_field``


PATTERN_KINDS = ("choice", "multi_choice")


def pattern_fields():
    """{key: CustomField} of the fields /patterns/ can count by (active choice and multiple choice fields)."""
    return {key: found for key, found in facet_fields().items() if found.kind in PATTERN_KINDS}


def patterns(incidents, window_days=None, min_count=None, tag="", field=None):
    """Patterns among ``incidents`` (a queryset, already limited to what the viewer may see); ``tag``
    limits the quarters ``over_time`` to the incidents with that tag (the heatmaps always show all);
    ``field`` (a CustomField of pattern_fields()) adds rows per value of that field."""
    window_days = window_days or settings.POSTMORTEM_RECURRING_DAYS
    min_count = min_count or settings.POSTMORTEM_RECURRING_MIN_COUNT
    dated = list(
        incidents.filter(started_at__isnull=False)
        .prefetch_related("tags", "services", "factors")
        .order_by("started_at", "pk")
    )
    quarters = quarters_between(quarter_of(dated[0].started_at), quarter_of(dated[-1].started_at)) if dated else []

    def rows(labels_of, label_of=str):
        grouped = {}
        for incident in dated:
            for label in labels_of(incident):
                grouped.setdefault(label, []).append(incident)
        result = []
        for name, members in grouped.items():
            row = Row(name=name, incidents=members, label=label_of(name))
            row.recurring = len(members) >= min_count and recurs(
                [i.started_at for i in members], datetime.timedelta(days=window_days), min_count
            )
            row.cells = [(quarter.label, quarter.incidents) for quarter in _per_quarter(members, quarters)]
            result.append(row)
        return sorted(result, key=lambda r: (not r.recurring, -r.total, str(r.name)))

    linked = {
        reference: list(incidents.linking([reference]).order_by("started_at"))
        for reference in GitHubReference.objects.filter(pk__in=_multiply_linked(incidents))
    }
    return Patterns(
        quarters=quarters,
        window_days=window_days,
        min_count=min_count,
        tags=rows(lambda i: {t.name for t in i.tags.all()}),
        services=rows(lambda i: {s.name for s in i.services.all()}),
        categories=rows(lambda i: {f.category for f in i.factors.all()}, _category_label),
        github=sorted(linked.items(), key=lambda item: (-len(item[1]), item[0].short)),
        over_time=_per_quarter([i for i in dated if not tag or tag in {t.name for t in i.tags.all()}], quarters),
        tag=tag,
        by_field=field,
        field_rows=rows(lambda i: _field_values(i, field)) if field is not None else [],
    )


def _field_values(incident, field):
    value = (incident.fields or {}).get(field.key)
    return set() if value is None else {str(item) for item in value} if isinstance(value, list) else {str(value)}


@dataclass
class RecurrenceRate:
    """Of the incidents started in one quarter, how many are similar to an earlier one (``recurrence``)."""

    quarter: str
    total: int
    recurred: int

    @property
    def percent(self):
        return round(100 * self.recurred / self.total) if self.total else None


def recurrence_rates(incidents, quarters, window_days=None):
    """[RecurrenceRate] per quarter of ``quarters`` among ``incidents`` (a queryset already limited to what the
    viewer may see): the share with a similar earlier incident started within ``window_days``
    (POSTMORTEM_RECURRING_DAYS), of those whose similar incidents are known (stored by the periodic sweep, or
    computed for a few: ``recurrence.pairs``); raises search.SearchUnavailable while there is no index."""
    recurred, known = recurrence.recurred_within(incidents, window_days)
    dated = [i for i in incidents.filter(started_at__isnull=False).only("pk", "started_at") if i.pk in known]
    return [RecurrenceRate(quarter.label, quarter.count, sum(1 for i in quarter.incidents if i.pk in recurred))
            for quarter in _per_quarter(dated, quarters)]


def _per_quarter(incidents, quarters):
    by_quarter = {}
    for incident in incidents:
        by_quarter.setdefault(quarter_of(incident.started_at), []).append(incident)
    return [Quarter(label, by_quarter.get(label, [])) for label in quarters]


def _category_label(value):
    """A factor category's name in the current language (the value itself if it is no longer a choice)."""
    return dict(FactorCategory.choices).get(value, value)


def _multiply_linked(incidents):
    """Ids of GitHub references that more than one of ``incidents`` links."""
    counts = {}
    for incident in incidents.prefetch_related("links", "action_items"):
        refs = {link.github_id for link in incident.links.all()} | {item.github_id for item in incident.action_items.all()}
        for ref in refs - {None}:
            counts[ref] = counts.get(ref, 0) + 1
    return [ref for ref, count in counts.items() if count > 1]

