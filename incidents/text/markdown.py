"""Markdown to safe HTML.

Incident text is full of log lines and pasted HTML (error pages, config fragments). Raw HTML in the
source is therefore shown as text, not interpreted: Python-Markdown's HTML passthrough is switched off.
The result is then sanitized with nh3 as a second line of defence, so no script, event handler or
``javascript:`` URL can reach a page whatever the renderer does.
"""

from functools import lru_cache

import markdown as md
import nh3
from markdown.extensions.tables import TableExtension

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6",
    "hr", "i", "kbd", "li", "ol", "p", "pre", "s", "span", "strong", "sub", "sup",
    "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "code": {"class"},
    "td": {"align", "style"},
    "th": {"align", "style"},
}


def _renderer(align_attribute):
    renderer = md.Markdown(extensions=["fenced_code", TableExtension(use_align_attribute=align_attribute), "sane_lists"],
                           output_format="html")
    renderer.preprocessors.deregister("html_block")
    renderer.inlinePatterns.deregister("html")
    return renderer


@lru_cache(maxsize=2048)
def render(text, align_attribute=False):
    """Sanitized HTML for a Markdown source (empty string for empty input). A table column's alignment is
    ``style="text-align:…"`` (the exports: WeasyPrint reads only that), or ``align="…"`` with
    ``align_attribute`` (the pages: their Content-Security-Policy refuses style attributes)."""
    if not text or not text.strip():
        return ""
    html = _renderer(align_attribute).convert(text)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        filter_style_properties={"text-align"},
    )
