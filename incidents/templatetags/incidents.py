from urllib.parse import urlencode

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from incidents import embeds
from incidents.models import current_scale
from incidents.text import attachments, durations, markdown, mentions

register = template.Library()

QUARTER_START = {"1": "01-01", "2": "04-01", "3": "07-01", "4": "10-01"}


@register.filter
def render_markdown(text, where="export"):
    """Markdown source as sanitized HTML (see incidents.text.markdown). Pages say ``render_markdown:"page"``:
    table alignment then needs no style attribute, which their Content-Security-Policy refuses. Text that is
    not an incident's (a comment, a review) has no attachments: a reference to one shows as missing."""
    html = attachments.with_attachments(markdown.render(text or "", align_attribute=where == "page"), lambda _id: None)
    return mark_safe(html)  # noqa: S308 - sanitized by nh3 in markdown.render; attachments escapes what it adds


@register.filter
def highlight_mentions(html):
    """Rendered Markdown with its @mentions marked (incidents.text.mentions)."""
    return mark_safe(mentions.highlight(str(conditional_escape(html))))  # noqa: S308 - adds only a span around name characters


@register.simple_tag
def row_thread(threads, kind, row_id):
    """The comments on one row of the write-up (incidents.web.comments.discussion's ``threads``), or []."""
    return (threads or {}).get(f"{kind}-{row_id}", [])


RESOLVERS = {"page": embeds.for_page, "export": embeds.for_export, "bundle": embeds.for_bundle}


@register.simple_tag
def incident_markdown(text, incident, where="export"):
    """An incident's Markdown text as sanitized HTML with its attachments shown (``embeds``): ``page`` links
    the download URLs, ``export`` embeds the images."""
    html = markdown.render(text or "", align_attribute=where == "page")
    return mark_safe(attachments.with_attachments(html, RESOLVERS[where](incident)))  # noqa: S308 - as above


@register.simple_tag
def attachment_url(attachment, thumbnail=False):
    """Where an attachment's bytes are (``thumbnail=True``: its smaller copy, when it has one)."""
    return embeds.download_url(attachment, thumbnail)


@register.filter
def attachment_size(size):
    """A file size as people read it: 930 bytes, 12.5 KB, 3.1 MB."""
    return attachments.file_size(int(size or 0))


@register.filter
def file_extension(name):
    """``graph.png`` → ``PNG`` (at most four letters), for a file's badge."""
    return name.rpartition(".")[2].upper()[:4] if "." in name else ""


@register.filter
def render_inline_markdown(text):
    """A short Markdown source as sanitized inline HTML, for inside a sentence (see markdown.render_inline)."""
    return mark_safe(markdown.render_inline(text or ""))  # noqa: S308 - sanitized by nh3 in markdown.render_inline


register.filter("markdown_text", markdown.plain_text)
register.filter("seconds_duration", durations.seconds_duration)


def quarter_range(quarter):
    """``2023-Q2`` → ("2023-04-01", "2023-07-01")."""
    year, q = quarter[:4], quarter[-1]
    end = f"{int(year) + 1}-01-01" if q == "4" else f"{year}-{QUARTER_START[str(int(q) + 1)]}"
    return f"{year}-{QUARTER_START[q]}", end


@register.simple_tag
def pattern_cell_url(dimension, name, quarter):
    """The incident list behind one cell of the patterns chart."""
    start, end = quarter_range(quarter)
    if dimension.startswith("field-"):  # a custom field's value (patterns.patterns(field=…)): ?field=KEY:VALUE
        key, name = "field", f"{dimension.removeprefix('field-')}:{name}"
    else:
        key = {"tags": "tag", "services": "service", "categories": "category"}[dimension]
    try:
        base = reverse("incident-list")
    except NoReverseMatch:
        return ""
    return f"{base}?{urlencode({key: name, 'started_after': start, 'started_before': end})}"


@register.filter
def is_overdue(item, today):
    return item.is_overdue(today)


@register.filter
def field_named(form, name):
    """``form[name]``, for templates that loop over field names."""
    return form[name]


@register.simple_tag
def severity_stylesheet_url():
    """/severities.css?v=<the scale's hash>: the badge colours of the severity scale (incidents.web.scales)."""
    return f"{reverse('severities-css')}?v={current_scale().etag()}"
