"""The facet panel beside the incident list: per facet its top values with counts, each a link that
narrows the list to that value. A search counts from the index (``search.Results.top_facets``); the list
without a query counts from the database (``incidents.facet_counts``); both are shown here alike.

A link uses the list's own filter parameters where that narrows (``?tag=`` while tags must all match, and
``?severity=`` / ``?status=`` / ``?category=`` / ``?service=`` while unset); otherwise, where the
parameter would widen the search (a second ``service``, tags in "any" mode) or replace a chosen value,
it appends ``tag:x`` / ``service:"x"`` / ``category:x`` to the query, which always narrows — for a search;
the list without a query shows such a value without a link rather than turn into a search. A year is the
``started_after`` / ``started_before`` range of that year (within any range already chosen). Either way
the count shown is the number of incidents the link leads to.
"""

from django.utils.translation import gettext_lazy as _

from incidents.models import FactorCategory, SeverityLevel, Status

LIMIT = 8  # values shown per facet

# (facet of search.Results, list filter parameter, query filter, title, labels of known values)
FACETS = [
    ("tags", "tag", "tag", _("Tags"), {}),
    ("services", "service", "service", _("Services"), {}),
    ("severity", "severity", "severity", _("Severity"), {}),
    ("status", "status", "status", _("Status"), dict(Status.choices)),
    ("categories", "category", "category", _("Factor categories"), dict(FactorCategory.choices)),
    ("year", "year", None, _("Year"), {}),
]
MULTIPLE = {"tag", "service"}  # parameters that take several values (comma-separated or repeated)


def _chosen(params, name):
    return [value.strip().lower() for item in params.getlist(name) for value in item.split(",") if value.strip()]


def _query_filter(name, value):
    return f'{name}:"{value}"' if any(c.isspace() for c in value) else f"{name}:{value}"


def _year_link(params, year):
    """The query string that narrows ``params`` to incidents started in ``year``; None when it already is."""
    start, end = f"{year:04d}-01-01", f"{year + 1:04d}-01-01"
    chosen_after, chosen_before = params.get("started_after", ""), params.get("started_before", "")
    after = max(chosen_after, start)  # ISO dates and times compare as text
    before = min(chosen_before or end, end)
    if (chosen_after, chosen_before) == (after, before):
        return None
    params = params.copy()
    params.pop("page", None)
    params["started_after"], params["started_before"] = after, before
    return params.urlencode()


def link(params, facet_param, query_name, value, *, by_query=True):
    """The query string that narrows the list in ``params`` (a QueryDict) to ``value``; None when it is
    already narrowed so, or when it would take the query (``by_query`` false, or the value cannot be
    written in the query language: a double quote)."""
    if facet_param == "year":
        return _year_link(params, int(value))
    chosen = _chosen(params, facet_param)
    if value.lower() in chosen:
        return None
    params = params.copy()
    params.pop("page", None)
    if facet_param == "tag" and params.get("tag_mode") != "any":
        params.setlist("tag", [*params.getlist("tag"), value])
    elif not chosen and facet_param != "tag":
        params[facet_param] = value
    elif not by_query or '"' in value:
        return None
    else:
        params["q"] = f"{params.get('q', '').strip()} {_query_filter(query_name, value)}".strip()
    return params.urlencode()


def panel(top, params, query_filters=None):
    """[(title, [(value label, count, query string or None)])] for the facets with any value of ``top``
    ({facet: [(value, count)]}, ``LIMIT`` values each). ``query_filters`` are a search's typed filters
    ({name: [values]}): a value already filtered on there is shown without a link. Without them (None),
    the list has no query and links only narrow by the filter parameters."""
    sections = []
    for facet, param, query_name, title, labels in FACETS:
        rows = []
        for value, count in top.get(facet, []):
            value = str(value)
            typed = query_filters is not None and value.lower() in query_filters.get(query_name, [])
            label = SeverityLevel.objects.label(value) if facet == "severity" else labels.get(value, value)
            narrowing = None if typed else link(params, param, query_name, value, by_query=query_filters is not None)
            rows.append((label, count, narrowing))
        if rows:
            sections.append((title, rows))
    return sections


def field_panel(sections, params, typed=None):
    """[(field label, [(value shown, count, query string or None)])] of the custom fields' facets (``sections``:
    models.types.facet_sections). A link adds ``field=KEY:VALUE`` (the list's filter, which always narrows); none
    when the list or the query (``typed``: a search's ``key:value`` filters) already narrows to that value."""
    panel_sections = []
    for definition, values in sections:
        chosen = {item.strip().lower() for item in params.getlist("field")}
        rows = []
        for value, shown, count in values:
            pair = f"{definition.key}:{value}"
            narrowing = None
            if pair.lower() not in chosen and value.lower() not in (typed or {}).get(definition.key, []):
                narrowed = params.copy()
                narrowed.pop("page", None)
                narrowed.setlist("field", [*params.getlist("field"), pair])
                narrowing = narrowed.urlencode()
            rows.append((shown, count, narrowing))
        panel_sections.append((definition.label, rows))
    return panel_sections
