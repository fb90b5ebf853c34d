"""One write-up as a zip bundle: its Markdown (``markdown.incident_markdown``, the attachments listed in the
front matter with their names and alt texts) beside an ``attachments/`` folder holding each attachment's file
(``embeds.bundle_path``: ``attachments/<id>-<name>``). The Markdown's ``attachment:<id>`` references to the
incident's own attachments become those relative paths (alt text and titles kept), so the bundle reads
anywhere Markdown is shown, and ``import_postmortems`` (incidents.imports.bundles) reads it back with its
files. A reference to an attachment of another incident, or to none, stays as written."""

import io
import re
import zipfile

from incidents import embeds

# ``](attachment:12`` (an inline image or link) and ``[label]: attachment:12`` (a reference definition)
REFERENCE = re.compile(r"(\]\([ \t]*<?|^[ \t]{0,3}\[[^\]\n]+\]:[ \t]*<?)attachment:(\d+)(?=[\s)>]|$)", re.MULTILINE)
# Characters of a file name that would end a Markdown link or a YAML scalar: written %XX in the link
ESCAPED = frozenset(" ()<>[]%#\"'\\`")


def link_path(attachment):
    """The bundle path as written in a Markdown link (``attachments/12-my%20graph.png``)."""
    return "".join(f"%{ord(c):02X}" if c in ESCAPED or ord(c) < 32 else c for c in embeds.bundle_path(attachment))


def with_paths(text, attachments):
    """``text`` with its references to ``attachments`` as their bundle paths."""
    by_id = {attachment.pk: attachment for attachment in attachments}

    def replace(match):
        attachment = by_id.get(int(match.group(2)))
        return match.group(1) + link_path(attachment) if attachment else match.group(0)
    return REFERENCE.sub(replace, text)


def listed(attachments):
    """What the front matter says of each attachment (the import reads names and alt texts from it)."""
    return [{"file": embeds.bundle_path(attachment), "name": attachment.name, "alt": attachment.alt}
            for attachment in attachments]


def bundle(markdown_name, markdown_text, attachments):
    """The zip's bytes. An attachment whose stored file is missing is left out (its link then leads nowhere)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(markdown_name, with_paths(markdown_text, attachments))
        for attachment in attachments:
            try:
                with attachment.file.open("rb") as handle:
                    data = handle.read()
            except (FileNotFoundError, OSError):
                continue
            archive.writestr(embeds.bundle_path(attachment), data)
    return out.getvalue()
