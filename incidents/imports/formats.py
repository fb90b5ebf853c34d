"""Read one Markdown postmortem into the application's document shape (the REST API's incident document).

Three formats are told apart by the front matter:

* ``postmortem``: front matter with the key ``postmortem`` — this application's own export (postmortem.py);
* ``front-matter``: any other front matter — the icco/postmortems corpus (uuid, url, company, product,
  keywords, start_time…) or a generic one (title, severity, tags…) whose body may itself be structured;
* ``sre``: no front matter — a heading-structured write-up in the SRE book's shape (sre.py).

``parse_document`` is the entry point; it raises ImportProblem for a file that cannot be read at all.
"""

import datetime
import uuid
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from incidents.imports import custom, frontmatter, items, vocabulary
from incidents.imports.postmortem import read_postmortem
from incidents.imports.problems import ImportProblem
from incidents.imports.sections import text_of
from incidents.imports.sre import TITLE_LIMIT, has_sections, read_sre
from incidents.imports.values import RECORDS, Values, structured
from incidents.models import current_scale

__all__ = ["ImportProblem", "Parsed", "parse_document"]

ICCO_IGNORED = {"uuid", "source_fetched_at", "source_published_at"}
ALIASES = {"date": "postmortem_date", "start_time": "started_at", "end_time": "resolved_at", "author": "authors"}
TEXT_FIELDS = ("title", "summary", "impact", "analysis", "resolution")
MOMENTS = ("started_at", "detected_at", "mitigated_at", "resolved_at")
LIST_FIELDS = ("authors", "services")
TAG_FIELDS = ("tags", "keywords", "categories")
SOURCE_LINKS = (("url", "Original postmortem", "Source"), ("archive_url", "Archived copy", "Archived copy"))
SENTENCE_END = ("。", ". ", "! ", "? ")
COMPANY_TAG = "company:"  # the corpus's ``company: Amazon`` is kept as the tag company:amazon (tag:company:amazon)


@dataclass
class Parsed:
    document: dict
    format: str  # "postmortem" | "front-matter" | "sre"
    key: str | None = None  # the front matter's uuid
    source_url: str | None = None  # the front matter's url (icco corpus)
    warnings: list = field(default_factory=list)  # (line number or None, message)
    name: str | None = None  # the file name given, for reports
    placed: list = field(default_factory=list)  # sre.Placement of each section of a structured body


def parse_document(text, name=None, default_zone=datetime.UTC):
    """Parse a Markdown file (str, or UTF-8 bytes). ``default_zone`` (a tzinfo or IANA name) reads times
    whose zone the document does not state. Raises ImportProblem when the file cannot be read."""
    zone = ZoneInfo(default_zone) if isinstance(default_zone, str) else default_zone
    split = frontmatter.split(frontmatter.normalize(text))
    if split.data is None:
        placed = []
        document, warnings = read_sre(split.body, split.body_line, zone, placed=placed)
        parsed = Parsed(document, "sre", warnings=warnings, placed=placed)
    elif "postmortem" in split.data:
        document, key, warnings = read_postmortem(split, zone)
        parsed = Parsed(document, "postmortem", key, warnings=warnings)
    else:
        parsed = _read_front_matter(split, zone)
    parsed.name = name
    _finish(parsed)
    return parsed


def no_severity():
    """The warning for a document without a severity (the saver drops it when the incident already has one)."""
    return _("The document states no severity: %(level)s will be used.") % {
        "level": current_scale().default_key().upper()}


def _finish(parsed):
    document, warnings = parsed.document, parsed.warnings
    title = " ".join(document.get("title", "").split())
    if not title:
        raise ImportProblem(None, _("no title found: give the file a '# Title' heading or a 'title:' in front matter"))
    if len(title) > TITLE_LIMIT:
        warnings.append((None, _("The title is longer than %(limit)d characters: it is shortened.") % {"limit": TITLE_LIMIT}))
        title = title[:TITLE_LIMIT - 1] + "…"
    if parsed.format != "postmortem" or len(document["title"]) > TITLE_LIMIT:
        document["title"] = title
    if "severity" not in document:
        warnings.append((None, no_severity()))
    parsed.warnings = sorted(warnings, key=lambda warning: warning[0] or 0)


def _read_front_matter(split, zone):
    """The icco corpus (and generic front matter): the front matter's fields win over the body's."""
    data, warnings = split.data, []
    values = Values(split, zone, warnings)
    key = _uuid(split, warnings)
    body, placed = split.body, []
    if key is None and has_sections(body):
        document, body_warnings = read_sre(body, split.body_line, zone, known_date=_known_date(values, data),
                                           placed=placed)
        warnings += body_warnings
    else:
        analysis = text_of(list(enumerate(body.split("\n"))))
        document = {"analysis": analysis} if analysis else {}
    fields = _fields(values, data)
    links = fields.pop("links", []) + _source_links(values, data, fields, document)
    document.update(fields)
    if links or document.get("links"):
        document["links"] = items.unique_links(links + document.get("links", []))
    _check_order(document, split, warnings)
    if not document.get("title"):
        document["title"] = _fallback_title(data, body)
    source_url = data.get("url") if isinstance(data.get("url"), str) and data.get("url") else None
    return Parsed(document, "front-matter", key, source_url, warnings, placed=placed)


def _uuid(split, warnings):
    value = split.data.get("uuid")
    if value in (None, ""):
        return None
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        warnings.append((split.line("uuid"), _("'uuid': %(value)s is not a UUID: ignored.") % {"value": repr(value)}))
        return None


def _known_date(values, data):
    for key in ("date", "postmortem_date", "start_time", "started_at"):
        if data.get(key) not in (None, ""):
            return values.date(key, data[key])
    return None


def _fields(values, data):
    """The document fields the front matter states, from its own names or the icco corpus's."""
    fields, tags = {}, {}
    for key, value in data.items():
        name = ALIASES.get(key, key)
        if name in TEXT_FIELDS:
            fields[name] = values.text(key, value)
        elif name == "postmortem_date":
            fields[name] = values.date(key, value)
        elif name in MOMENTS:
            fields[name] = values.moment(key, value)
        elif name in LIST_FIELDS:
            fields[name] = _list(values, key, value)
        elif name in TAG_FIELDS:
            tags[name] = _list(values, key, value)
        elif name in ("severity", "status"):
            _choice(values, key, value, fields)
        elif name in RECORDS:
            fields[name] = structured(values, key, value)
        elif name in custom.KEYS:
            custom.read(values.split, key, value, fields, values.warnings)
        elif name not in ICCO_IGNORED and name not in ("company", "product", "url", "archive_url"):
            custom.unmatched(fields, key, value)  # a custom field's value, or kept as extra (actions.imports)
    fields["tags"] = [tag for name in TAG_FIELDS for tag in tags.get(name, [])]  # keywords before categories
    products = values.names("product", data.get("product"))
    company = " ".join(values.text("company", data.get("company")).split())
    if (products or company) and "services" not in fields:
        fields["services"] = products or [company]  # each product one service; else the company's own
    if company:
        fields["tags"].append(COMPANY_TAG + company)
    return {name: value for name, value in fields.items() if value not in (None, "", [])}


def _list(values, key, value):
    """A list, or one comma-separated text (``tags: a, b``), as a list of text."""
    return values.names(key, value)


def _choice(values, key, value, fields):
    text = values.text(key, value)
    chosen = (vocabulary.severity if key == "severity" else vocabulary.incident_status)(text) if text else None
    if chosen:
        fields[key] = chosen
    elif text:
        values.warnings.append((values.split.line(key), _("'%(key)s': %(value)s is not understood: ignored.")
                                % {"key": key, "value": repr(text)}))


def _source_links(values, data, fields, document):
    """Links for ``url`` and ``archive_url``; one that is not http(s) is kept as a line of the analysis."""
    links = []
    for key, title, label in SOURCE_LINKS:
        url = values.text(key, data.get(key)).strip()
        if not url:
            continue
        if items.is_http_url(url):
            links.append({"url": url, "relation": "related", "title": title})
            continue
        values.warnings.append((values.split.line(key),
                                _("'%(key)s' is not an http(s) URL: kept as text in the analysis.") % {"key": key}))
        analysis = fields.get("analysis", document.get("analysis", ""))
        fields["analysis"] = f"{analysis}\n\n{label}: {url}" if analysis else f"{label}: {url}"
    return links


def _check_order(document, split, warnings):
    start, end = document.get("started_at"), document.get("resolved_at")
    if start and end and end < start:
        del document["resolved_at"]
        line = split.line("end_time") or split.line("resolved_at")
        warnings.append((line, _("The end time is before the start time: the end time is not used.")))


def _fallback_title(data, body):
    """"<company> <product> postmortem", else the first heading or sentence of the body."""
    values = [str(data.get(key) or "").strip() for key in ("company", "product")]
    if any(values):
        return " ".join(value for value in values if value) + " postmortem"
    for line in body.split("\n"):
        text = line.strip().lstrip("#").strip()
        if text:
            ends = [text.find(end) for end in SENTENCE_END if text.find(end) > 0]
            return text[:min(ends) + 1] if ends else text
    return ""
