"""Filters for the Markdown exports (templates/export/*.md) where a template alone would be clumsy: a table
cell, a list item with its later lines indented under it, a local time, a duration. Each returns plain text;
the templates render with autoescaping off, so nothing here is HTML-escaped."""

from django import template
from django.utils import timezone

from incidents.text.durations import seconds_duration

register = template.Library()


@register.filter
def one_line(text):
    """Text on one line: runs of whitespace, newlines included, become one space."""
    return " ".join(str(text).split())


@register.filter
def cell(text):
    """Text for one Markdown table cell: one line, pipes escaped, a dash when empty."""
    return one_line(text).replace("|", "\\|") or "—"


@register.filter
def list_item(text):
    """A ``- `` list item whose later lines are indented under it (blank lines kept empty); ``- —`` when empty.
    Used as ``{% filter list_item %}…{% endfilter %}``, so an item may hold several lines, and items of its own."""
    lines = str(text).strip().splitlines() or ["—"]
    return "\n".join([f"- {lines[0]}", *[f"  {line}" if line.strip() else "" for line in lines[1:]]])


@register.filter
def local_time(value):
    """``YYYY-MM-DD HH:MM`` in the display time zone, or a dash when there is no time."""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"


register.filter("duration", seconds_duration)  # a timedelta or seconds for people (3 d 4 h); a dash when unknown
