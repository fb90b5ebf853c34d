"""Attachment references in rendered Markdown (``![a graph](attachment:12)``, ``[the log](attachment:13)``),
resolved after sanitizing (``markdown.render`` lets ``<img>`` and the ``attachment:`` scheme through nh3).

``resolve(id)`` gives an Embed (where the image or file is for this output: a URL on the pages, a data URI in
the exports, a relative path in the bundle) or None. An image becomes the image at a limited width, linking
to the full size; a file a link with its name and size; a reference to an attachment that is missing (or of
another incident) the text as written with a note, never a broken image. An image from anywhere else
(``![x](https://…)``) becomes a link to it: pages show only this app's images."""

import html
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

IMAGE = re.compile(r"<img\s([^>]*?)\s*/?>")
LINK = re.compile(r'<a\s([^>]*?)href="attachment:(\d+)"([^>]*)>(.*?)</a>', re.DOTALL)
ATTRIBUTE = re.compile(r'(\w+)="([^"]*)"')


@dataclass(frozen=True)
class Embed:
    src: str  # the image (maybe a smaller copy) or the file
    href: str  # the full size, or the file
    name: str
    size: int
    is_image: bool
    width: int | None = None
    height: int | None = None


def file_size(size):
    for unit in ("bytes", "KB", "MB"):
        if size < 1024 or unit == "MB":
            return _("%(size)s bytes") % {"size": size} if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} MB"


def _attributes(text):
    return {name: html.unescape(value) for name, value in ATTRIBUTE.findall(text)}


def _missing(text, number):
    note = _("attachment %(id)s is missing") % {"id": number}
    return f'<span class="attachment-missing">{html.escape(text)} <em>({html.escape(note)})</em></span>'


def _image(match, resolve):
    attributes = _attributes(match.group(1))
    src, alt = attributes.get("src", ""), attributes.get("alt", "")
    if not src.startswith("attachment:"):
        return f'<a href="{html.escape(src)}" rel="noopener noreferrer nofollow">{html.escape(alt or src)}</a>' \
            if src.startswith(("http://", "https://")) else html.escape(alt)
    number = src.removeprefix("attachment:")
    embed = resolve(int(number)) if number.isdigit() else None
    if embed is None:
        return _missing(alt or src, number)
    if not embed.is_image:
        return _file_link(embed, alt)
    size = f' width="{embed.width}" height="{embed.height}"' if embed.width and embed.height else ""
    title = f' title="{html.escape(attributes["title"])}"' if attributes.get("title") else ""
    return (f'<a class="attachment-image" href="{html.escape(embed.href)}"><img src="{html.escape(embed.src)}" '
            f'alt="{html.escape(alt)}"{title}{size} loading="lazy"></a>')


def _file_link(embed, text=""):
    return _download(embed, html.escape(text or embed.name))


def _download(embed, label):
    """A download link to a file (``label``: HTML) with its name and size."""
    return (f'<a class="attachment-file" href="{html.escape(embed.href)}" download="{html.escape(embed.name)}">'
            f'{label}</a> <span class="attachment-size">({html.escape(embed.name)}, {file_size(embed.size)})</span>')


def with_attachments(rendered, resolve):
    """``rendered`` (sanitized HTML from markdown.render) with its attachment references resolved."""
    if "attachment:" not in rendered and "<img" not in rendered:
        return rendered
    out = IMAGE.sub(lambda match: _image(match, resolve), rendered)

    def link(match):
        number, label = int(match.group(2)), match.group(4)  # the label: sanitized HTML, kept as it is
        embed = resolve(number)
        if embed is None:
            note = _("attachment %(id)s is missing") % {"id": number}
            return f'<span class="attachment-missing">{label} <em>({html.escape(note)})</em></span>'
        if not embed.is_image:
            return _download(embed, label)
        return f'<a {match.group(1)}href="{html.escape(embed.href)}"{match.group(3)}>{label}</a>'

    return LINK.sub(link, out)
