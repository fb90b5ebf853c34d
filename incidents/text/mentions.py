"""@mentions in Markdown text (a comment): ``find`` lists the user names mentioned, ``highlight`` marks them in
the rendered HTML. Both read the same thing, the text of the rendered Markdown outside code, so what is
highlighted is what notifies: ``@name`` in a code span or block, inside a link's text, or in an email
address (``ann@example.com``) is not a mention.

A name is what Django's user names allow (letters, digits and ``. + - _``), except ``@`` (``@a@b`` is
``@a`` then text); a final dot ends the sentence, not the name (``thanks @ann.``). Matching is by the
lower-cased name, as sign-in is (incidents.actions.mentions resolves the names to users)."""

import html
import re

from . import markdown

MAX_NAME = 150  # Django's user name length
# "@" not preceded by a name character or another "@" (so not in an email address), then the name.
MENTION = re.compile(r"(?<![\w.+@-])@([\w.+-]{1,%d})" % MAX_NAME)
# An HTML tag (the sanitized output has no comments or scripts); group 1 "/" for a closing one, group 2 the name.
_TAG = re.compile(r"<(/?)([a-zA-Z0-9]+)[^>]*>")
_SKIPPED = {"code", "pre", "a"}  # text inside these is not searched for mentions


def _name(match):
    return match[1].rstrip(".")


def _text_runs(rendered):
    """(start, end) of each run of ``rendered`` that is text outside code, pre and links."""
    depth, last = 0, 0
    for tag in _TAG.finditer(rendered):
        if depth == 0 and tag.start() > last:
            yield last, tag.start()
        last = tag.end()
        name = tag[2].lower()
        if name in _SKIPPED:
            depth += -1 if tag[1] else 1
            depth = max(depth, 0)
    if depth == 0 and last < len(rendered):
        yield last, len(rendered)


def in_html(rendered):
    """The user names mentioned in sanitized HTML, lower-cased, in order of first mention, once each."""
    names = {}
    for start, end in _text_runs(rendered):
        for match in MENTION.finditer(html.unescape(rendered[start:end])):
            if _name(match):
                names.setdefault(_name(match).lower(), None)
    return list(names)


def find(text):
    """The user names ``@mentioned`` in the Markdown ``text``, lower-cased, in order, once each."""
    if not text or "@" not in text:
        return []
    return in_html(markdown.render(text))


def highlight(rendered, names=None):
    """Sanitized HTML with each mention as ``<span class="mention">@name</span>``; with ``names`` (lower-cased),
    only those. The input is nh3's output: the names it wraps are plain characters, never markup."""
    if "@" not in rendered:
        return rendered
    allowed = None if names is None else {name.lower() for name in names}

    def wrap(match):
        name = _name(match)
        if not name or (allowed is not None and name.lower() not in allowed):
            return match[0]
        rest = match[1][len(name):]
        return f'<span class="mention">@{name}</span>{rest}'

    parts, last = [], 0
    for start, end in _text_runs(rendered):
        parts += [rendered[last:start], MENTION.sub(wrap, rendered[start:end])]
        last = end
    parts.append(rendered[last:])
    return "".join(parts)
