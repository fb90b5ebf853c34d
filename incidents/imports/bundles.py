"""A write-up with its files (a zip bundle from the export, ``format=zip``, or a folder holding the ``.md`` and an
``attachments/`` folder): which files its Markdown names, and its references rewritten once they are attachments.

The Markdown names a file by a relative path under ``attachments/`` in a link or an image
(``![a graph](attachments/12-graph.png)``, ``[the log](attachments/13-worker.log)``, percent-encoded where the
export had to) and, in this application's own export, in the front matter's ``attachments`` list (``file``,
``name``, ``alt``: the attachment's name and alt text, read back as they were). A path is read relative to the
Markdown file and never outside its folder. Pure: no models, no storage; saving is incidents.actions.imports."""

import posixpath
import re
from dataclasses import dataclass
from urllib.parse import unquote

from . import frontmatter
from .problems import ImportProblem

FOLDER = "attachments/"
LINK = re.compile(r"(\]\([ \t]*<?|^[ \t]{0,3}\[[^\]\n]+\]:[ \t]*<?)(attachments/[^\s)>]+)", re.MULTILINE)
IMAGE = re.compile(r"!\[([^\]\n]*)\]\([ \t]*<?(attachments/[^\s)>]+)")


@dataclass
class BundleFile:
    path: str  # as the Markdown names it, relative to the Markdown file, decoded (attachments/12-graph.png)
    name: str  # the attachment's name
    alt: str
    data: bytes = b""
    sha256: str = ""  # of the bytes an attachment would keep (set when the file is checked)


def named(text):
    """[BundleFile] (no data yet) for each file the Markdown ``text`` names, in the order it names them (those of
    the front matter first); a file's name and alt text from the front matter, else from the path (less the
    export's ``<id>-``) and the image's alt text."""
    files = {}
    for entry in _listed(text):
        path = _clean(entry.get("file"))
        if path and path not in files:
            files[path] = BundleFile(path, str(entry.get("name") or _name(path)), str(entry.get("alt") or ""))
    alts = {_clean(path): alt for alt, path in IMAGE.findall(text)}
    for match in LINK.finditer(text):
        path = _clean(match.group(2))
        if path and path not in files:
            files[path] = BundleFile(path, _name(path), alts.get(path, ""))
    return list(files.values())


def member(markdown_name, path):
    """Where ``path`` (relative to the Markdown file ``markdown_name``) is, from the same root; None outside it."""
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(markdown_name), path))
    return None if joined.startswith("../") or joined == ".." or joined.startswith("/") else joined


def rewrite(value, ids):
    """``value`` (a str, or a document of dicts and lists) with every reference to a path of ``ids`` ({path: id})
    as ``attachment:<id>``; alt texts, titles and everything else as they were."""
    if isinstance(value, str):
        if FOLDER not in value:
            return value

        def replace(match):
            number = ids.get(_clean(match.group(2)))
            return f"{match.group(1)}attachment:{number}" if number is not None else match.group(0)
        return LINK.sub(replace, value)
    if isinstance(value, list):
        return [rewrite(item, ids) for item in value]
    if isinstance(value, dict):
        return {key: rewrite(item, ids) for key, item in value.items()}
    return value


def _clean(path):
    if not isinstance(path, str):
        return None
    path = posixpath.normpath(unquote(path.strip()))
    return path if path.startswith(FOLDER) else None


def _name(path):
    base = posixpath.basename(path)
    number, dash, rest = base.partition("-")
    return rest if dash and number.isdigit() and rest else base


def _listed(text):
    try:
        data = frontmatter.split(frontmatter.normalize(text)).data or {}
    except ImportProblem:  # reported when the file is parsed
        return []
    listed = data.get("attachments")
    return [entry for entry in listed if isinstance(entry, dict)] if isinstance(listed, list) else []
