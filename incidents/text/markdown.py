"""Markdown to safe HTML.

Incident text is full of log lines and pasted HTML (error pages, config fragments). Raw HTML in the
source is therefore shown as text, not interpreted: Python-Markdown's HTML passthrough is switched off.
The result is then sanitized with nh3 as a second line of defence, so no script, event handler or
``javascript:`` URL can reach a page whatever the renderer does.
"""

import html
import re
import threading
from functools import lru_cache
from operator import itemgetter

import markdown as md
import nh3
from markdown.extensions.tables import TableExtension

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6",
    "hr", "i", "img", "kbd", "li", "ol", "p", "pre", "s", "span", "strong", "sub", "sup",
    "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title"},
    "code": {"class"},
    "td": {"align", "style"},
    "th": {"align", "style"},
}


_renderers = threading.local()  # a Markdown instance takes milliseconds to build: one per thread, reset per use


def _renderer(align_attribute):
    kept = getattr(_renderers, f"page{align_attribute:d}", None)
    if kept is not None:
        return kept.reset()
    renderer = md.Markdown(extensions=["fenced_code", TableExtension(use_align_attribute=align_attribute), "sane_lists"],
                           output_format="html")
    renderer.preprocessors.deregister("html_block")
    renderer.inlinePatterns.deregister("html")
    setattr(_renderers, f"page{align_attribute:d}", renderer)
    return renderer


@lru_cache(maxsize=2048)
def render(text, align_attribute=False):
    """Sanitized HTML for a Markdown source (empty string for empty input). A table column's alignment is
    ``style="text-align:…"`` (the exports: WeasyPrint reads only that), or ``align="…"`` with
    ``align_attribute`` (the pages: their Content-Security-Policy refuses style attributes).
    Images and links may point at ``attachment:<id>``: ``with_attachments`` resolves them."""
    if not text or not text.strip():
        return ""
    html = _renderer(align_attribute).convert(text)
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "attachment"},
        link_rel="noopener noreferrer nofollow",
        filter_style_properties={"text-align"},
    )
    # A code block scrolls sideways (pre { overflow-x: auto }): reachable by keyboard to scroll it (WCAG 2.1.1).
    return clean.replace("<pre>", '<pre tabindex="0">')


# --- inline Markdown: one line of a list, a diagram box ------------------------------------------------------
INLINE_TAGS = {"b", "code", "em", "i", "kbd", "strong", "sub", "sup"}
# Python-Markdown's block processors but "empty" and "paragraph": no lists, headings, quotes, code blocks.
_BLOCK_PROCESSORS_OFF = ("indent", "code", "hashheader", "setextheader", "hr", "olist", "ulist", "quote", "reference")


def _inline_renderer():
    kept = getattr(_renderers, "inline", None)
    if kept is not None:
        return kept.reset()
    renderer = md.Markdown(output_format="html")
    renderer.preprocessors.deregister("html_block")
    renderer.inlinePatterns.deregister("html")
    for name in _BLOCK_PROCESSORS_OFF:
        renderer.parser.blockprocessors.deregister(name)
    _renderers.inline = renderer
    return renderer


@lru_cache(maxsize=2048)
def render_inline(text):
    """Sanitized HTML for a short Markdown source shown inside a sentence (a factor's description): code
    spans, emphasis and strike-through become markup, links their text; no block elements (no ``<p>``,
    lists or headings: "1. …" and "# …" stay as written), paragraphs joined by a space."""
    if not text or not text.strip():
        return ""
    html = _inline_renderer().convert(text).strip()
    html = re.sub(r"</p>\s*<p>", " ", html)
    return nh3.clean(html, tags=INLINE_TAGS, attributes={}, url_schemes=set()).strip()


def code_runs(source):
    """The plain text of a short Markdown source as (text, is_code) runs: code spans without their
    backticks (``is_code`` true), the rest without its syntax (see ``plain_text``). For drawings, which
    set code in a monospace face and cannot show markup."""
    if not source:
        return []
    runs, last = [], 0
    for match in _CODE_SPAN.finditer(source):
        runs += [(plain_text(source[last:match.start()]), False), (match[2].strip(" ") or match[2], True)]
        last = match.end()
    runs.append((plain_text(source[last:]), False))
    return [(text, is_code) for text, is_code in runs if text]


# --- plain text for search snippets -----------------------------------------------------------------------
# A few regular expressions over the whole text, not a Markdown parser: plain_text runs on every document
# the search index stores, and a render is a hundred times slower. Code (fenced blocks, `spans`) and
# backslash escapes are set aside first behind placeholders and put back verbatim at the end, so nothing
# inside them is touched. Every pattern starts with a literal character (a line's start is the "\n"
# before it: the text gets one in front), which lets the regex engine skip ahead instead of trying each
# position: ten times faster on a long note.

_HOLD = re.compile("\x00(\\d+)\x00")
# A fence, its code line by line up to the closing fence (group 2, with its last newline), or to the end
# when it is never closed (group 3).
_FENCE = re.compile(r"\n[ \t]*(`{3,}|~{3,})[^`\n]*(?=\n|\Z)(?:\n((?:[^\n]*\n)*?)[ \t]*\1[`~]*[ \t]*(?=\n|\Z)|\n?(.*))",
                    re.S)
_CODE_SPAN = re.compile(r"(`(?<!``)`*)(?!`)(.+?)(?<!`)\1(?!`)")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|~<>])")
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.S)
_AUTOLINK = re.compile(r"<((?:https?|ftp|mailto):[^<>\s]+)>", re.I)
# Only HTML's own element names: ``<pod-name>`` and ``List<String>`` are text people wrote.
_TAG = re.compile(
    r"</?(?:a|abbr|b|blockquote|body|br|button|code|dd|del|details|div|dl|dt|em|font|form|h[1-6]|head|hr|html|"
    r"i|iframe|img|input|kbd|li|link|meta|noscript|object|ol|p|pre|s|script|section|small|span|strong|style|"
    r"sub|summary|sup|svg|table|tbody|td|tfoot|th|thead|title|tr|u|ul)\b[^<>]*>", re.I)
_LINK = re.compile(r"(?:!\[|\[)([^\]\n]*)\](?:\((?:[^()\n]|\([^()\n]*\))*\)|\[[^\]\n]*\])")
_LINK_URL = re.compile(r"\]\(\s*<?([^()\s<>]+(?:\([^()\s]*\)[^()\s<>]*)*)")
_QUOTE = re.compile(r"\n(?:[ \t]{0,3}>[ \t]?)+")
_RULE = re.compile(r"\n[ \t]{0,3}(?:([-*_])(?:[ \t]*\1){2,}|=+)[ \t]*(?=\n|\Z)")  # --- *** ___, setext ===
_HEADING = re.compile(r"\n[ \t]{0,3}#{1,6}(?:[ \t]+([^\n]*?))??(?:[ \t]+#+)?[ \t]*(?=\n|\Z)")
_BULLET = re.compile(r"\n([ \t]*)[-*+][ \t]+(?:\[[ xX]\][ \t]+)?")
_TABLE = re.compile(r"\n([^\n]*\|[^\n]*)\n[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*(?=\n|\Z)"
                    r"((?:\n[^\n]*\|[^\n]*)*)")
_STRONG = re.compile(r"(\*\*?\*?)(?=[^\s*])(.+?)(?<=[^\s*])\1(?!\*)")
_UNDERLINE = re.compile(r"(_(?<!\w_)_?_?)(?=[^\s_])(.+?)(?<=[^\s_])\1(?!\w)")  # not inside pid_max


# Replacements are functions, not r"\1" templates: Python 3.11 expands a template in Python per match.
_FIRST, _SECOND = itemgetter(1), itemgetter(2)


def _line(match):
    return "\n" + (match[1] or "")


def _table(match):
    """A table's header and rows, their pipes as spaces; its delimiter row dropped."""
    rows = [match[1], *match[2].split("\n")[1:]]
    return "".join("\n" + " ".join(cell.strip() for cell in row.strip().strip("|").split("|")) for row in rows)


def plain_text(source):
    """The text a reader sees in a Markdown source, line by line, without its syntax: headings, emphasis,
    bullets, quotes, rules and table pipes dropped, links and images as their text, HTML tags and
    comments dropped (their text kept), code kept as written (fences dropped). Not markup: what comes out
    is still text to escape. A URL a link points to is not in it (see ``link_urls``)."""
    if not source:
        return ""
    held = []

    def hold(text):
        held.append(text)
        return f"\x00{len(held) - 1}\x00"

    text = "\n" + source.replace("\x00", "").replace("\r\n", "\n")
    if "```" in text or "~~~" in text:
        text = _FENCE.sub(lambda m: "\n" + hold(m[3] if m[2] is None else m[2][:-1]), text)
    if "`" in text:
        text = _CODE_SPAN.sub(lambda m: hold(m[2].strip(" ") or m[2]), text)
    if "\\" in text:
        text = _ESCAPE.sub(lambda m: hold(m[1]), text)
    if "<" in text:
        text = _TAG.sub("", _AUTOLINK.sub(_FIRST, _COMMENT.sub("", text)))
    if "[" in text:
        text = _LINK.sub(_FIRST, text)
    if ">" in text:
        text = _QUOTE.sub("\n", text)
    text = _BULLET.sub(_line, _HEADING.sub(_line, _RULE.sub("\n", text)))
    if "|" in text:
        text = _TABLE.sub(_table, text)
    if "*" in text:
        text = _STRONG.sub(_SECOND, _STRONG.sub(_SECOND, text))  # twice: **bold with *italic* inside**
    if "_" in text:
        text = _UNDERLINE.sub(_SECOND, text)
    if "&" in text:
        text = html.unescape(text)
    if held:
        text = _HOLD.sub(lambda m: held[int(m[1])], text)
    return text[1:]


def link_urls(source):
    """The URLs the inline links and images of a Markdown source point to, in order."""
    return _LINK_URL.findall(source) if source and "](" in source else []
