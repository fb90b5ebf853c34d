"""The facet panel beside search results on the incident list: per facet its top values with counts, each
a link that narrows the current search to that value.

A link uses the list's own filter parameters where that narrows (``?tag=`` while tags must all match, and
``?severity=`` / ``?status=`` / ``?category=`` / ``?service=`` while unset); otherwise, where the
parameter would widen the search (a second ``service``, tags in "any" mode) or replace a chosen value,
it appends ``tag:x`` / ``service:"x"`` / ``category:x`` to the query, which always narrows. Either way the
count shown is the number of incidents the link leads to.
"""

from django.utils.translation import gettext_lazy as _

from incidents.models import FactorCategory, Severity, Status

LIMIT = 8  # values shown per facet

# (facet of search.Results, list filter parameter, query filter, title, labels of known values)
FACETS = [
    ("tags", "tag", "tag", _("Tags"), {}),
    ("services", "service", "service", _("Services"), {}),
    ("severity", "severity", "severity", _("Severity"), {}),
    ("status", "status", "status", _("Status"), dict(Status.choices)),
    ("categories", "category", "category", _("Factor categories"), dict(FactorCategory.choices)),
]
MULTIPLE = {"tag", "service"}  # parameters that take several values (comma-separated or repeated)


def _chosen(params, name):
    return [value.strip().lower() for item in params.getlist(name) for value in item.split(",") if value.strip()]


def _query_filter(name, value):
    return f'{name}:"{value}"' if any(c.isspace() for c in value) else f"{name}:{value}"


def link(params, facet_param, query_name, value):
    """The query string that narrows the search in ``params`` (a QueryDict) to ``value``; None when it
    is already narrowed so, or when the value cannot be written in the query language (a double quote)."""
    chosen = _chosen(params, facet_param)
    if value.lower() in chosen:
        return None
    params = params.copy()
    params.pop("page", None)
    if facet_param == "tag" and params.get("tag_mode") != "any":
        params.setlist("tag", [*params.getlist("tag"), value])
    elif not chosen and facet_param != "tag":
        params[facet_param] = value
    elif '"' in value:
        return None
    else:
        params["q"] = f"{params.get('q', '').strip()} {_query_filter(query_name, value)}".strip()
    return params.urlencode()


def panel(results, params, query_filters):
    """[(title, [(value label, count, query string or None)])] for the facets with any value.
    ``query_filters`` are the typed query's filters ({name: [values]}): a value already filtered on there
    is shown without a link."""
    sections = []
    top = results.top_facets(LIMIT)
    for facet, param, query_name, title, labels in FACETS:
        rows = []
        for value, count in top.get(facet, []):
            typed = value.lower() in query_filters.get(query_name, [])
            label = Severity(value).name if facet == "severity" and value in Severity.values else labels.get(value, value)
            rows.append((label, count, None if typed else link(params, param, query_name, value)))
        if rows:
            sections.append((title, rows))
    return sections
